"""Speech that always speaks: what Model Studio cannot say, a local voice says instead.

:class:`Failover` speaks a request with the cloud and, on a fault of the cloud's (not the
request's), hands the text not yet heard to a :class:`LocalVoice` (another Wyoming server,
another Home Assistant TTS entity). Its :class:`Breaker` counts consecutive outages: once
open, requests go to the local voice at once, while a background probe waits for the cloud
to answer again. Both front ends use it; each brings its own local voice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from typing import Protocol, TypeVar

from ..core.errors import QwenTtsError, ServerBusyError
from ..core.policy import RetryPolicy, is_cloud_fault
from .announcement import Announcement
from .dashscope import DashScopeClient
from .pool import WarmPool
from .source import SpeechSource, SpeechStream
from .tape import TextTape

_LOGGER = logging.getLogger(__name__)


class LocalVoiceError(Exception):
    """The local voice could not speak (unreachable, silent, or it answered an error)."""


class LocalVoice(Protocol):
    """Another engine that speaks text, its audio made PCM16 mono at the request's rate."""

    name: str
    """What it is, for logs and Info (``tcp://core-piper:10200``, ``tts.piper``)."""

    def speak(self, texts: AsyncIterable[str], rate: int) -> AsyncIterator[bytes]:
        """The audio of ``texts`` at ``rate`` as it arrives; LocalVoiceError when it cannot."""
        ...


class Breaker:
    """Opens after ``failures`` consecutive requests fail for a fault of the cloud; while
    open, ``probe`` is tried in the background (backing off as the policy's reconnects do)
    until it succeeds, which closes it. Each outage and recovery is logged once.
    ``on_change`` hears ``True`` when it opens and ``False`` when it closes."""

    def __init__(
        self,
        probe: Callable[[], Awaitable[None]],
        *,
        failures: int = 2,
        policy: RetryPolicy | None = None,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self._probe = probe
        self._failures = failures
        self._policy = policy or RetryPolicy()
        self._on_change = on_change
        self._count = 0
        self.error: QwenTtsError | None = None
        """The fault that opened it (None while closed)."""
        self._task: asyncio.Task[None] | None = None
        """The last probe task (running while the breaker is open; close() awaits it)."""
        self._closed = asyncio.Event()
        self._closed.set()

    @property
    def is_open(self) -> bool:
        """True while requests skip the cloud."""
        return self.error is not None

    def succeeded(self) -> None:
        """A request was spoken by the cloud (which closes the breaker, if it was open)."""
        self._count = 0
        if self.error is not None:
            assert self._task is not None
            self._task.cancel()  # close() still awaits it
            self._recovered()

    def heard(self, err: QwenTtsError | None) -> None:
        """A connection opened ahead of requests (a warm pool's): it opened (None), or it
        failed with ``err``: each counts as a request would."""
        if err is None:
            self.succeeded()
        else:
            self.failed(err)

    def failed(self, err: QwenTtsError) -> None:
        """A request failed with ``err``; a fault of the request's own, or this server's
        own queue being full, does not count."""
        if not is_cloud_fault(err) or isinstance(err, ServerBusyError):
            return
        self._count += 1
        if self._count >= self._failures and not self.is_open:
            self.error = err
            _LOGGER.warning(
                "Model Studio cannot speak (%s: %s); checking in the background until it "
                "answers again",
                err.code,
                err,
            )
            self._closed.clear()
            self._task = asyncio.create_task(self._wait_for_the_cloud())
            self._changed(True)

    async def _wait_for_the_cloud(self) -> None:
        pause = 0.0
        while True:
            pause = self._policy.reconnect_delay(pause)
            await asyncio.sleep(pause)
            try:
                await self._probe()
            except Exception as err:  # whatever the probe meets, it tries again
                _LOGGER.debug("Model Studio still cannot be reached: %s", err)
                continue
            break
        self._recovered()

    def _recovered(self) -> None:
        _LOGGER.info("Model Studio answers again: it speaks requests again")
        self.error = None
        self._count = 0
        self._closed.set()
        self._changed(False)

    async def wait_closed(self) -> None:
        """Return once the cloud speaks requests again (at once while it does)."""
        await self._closed.wait()

    def _changed(self, opened: bool) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(opened)
        except Exception:
            _LOGGER.exception("A listener of the outage failed")

    async def close(self) -> None:
        """Stop probing (at shutdown); it counts as closed from then on."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.error = None
        self._closed.set()


def connection_probe(source: SpeechSource) -> Callable[[], Awaitable[None]]:
    """A probe that opens a new connection of ``source``'s client (the service takes the
    key and answers; a warm pool's ready sockets prove nothing) and closes it: nothing is
    configured or spoken."""
    client = source.client if isinstance(source, WarmPool) else source
    if not isinstance(client, DashScopeClient):
        raise TypeError(f"{source!r} has no client to probe with")

    async def probe() -> None:
        connection = await client.connect()
        await connection.close()

    return probe


E = TypeVar("E", bound=QwenTtsError)


def again(err: E) -> E:
    """A new error equal to ``err`` (its class, message and fields), to raise once more: the
    breaker's error ends every request while it is open, and one object raised by each
    would gather their tracebacks."""
    copy = type(err).__new__(type(err), *err.args)
    copy.__dict__.update(err.__dict__)
    return copy


CloudStream = Callable[[], AbstractAsyncContextManager[SpeechStream]]
"""Opens the stream that speaks one request with the cloud."""


class Failover:
    """Speaks with the cloud and, given a ``local`` voice, with it what the cloud cannot
    (see the module); without one, a fault ends the request. A ``breaker`` (of the model
    the requests speak with) hears every outage, and with a local voice skips the cloud
    while it is open."""

    def __init__(self, local: LocalVoice | None = None, breaker: Breaker | None = None) -> None:
        self.local = local
        self.breaker = breaker
        self._local_failing = False

    async def speak(
        self,
        cloud: CloudStream,
        tape: TextTape,
        announcement: Announcement,
        rate: int,
        *,
        text_format: str | None = None,
        on_first_audio: Callable[[SpeechStream], None] | None = None,
    ) -> AsyncGenerator[bytes]:
        """The request's announced audio: the cloud's, then (after a fault of the cloud's)
        the local voice's of the text not yet heard, with no second chime. A fault of the
        request's own, or the local voice failing too, ends it with the cloud's error.
        ``tape`` is the request's text; it is closed when the speech ends."""
        speech = self._speak(tape, cloud, announcement, rate, text_format, on_first_audio)
        try:
            async with contextlib.aclosing(speech) as audio:
                async for pcm in audio:
                    yield pcm
        finally:
            tape.close()

    async def _speak(
        self,
        tape: TextTape,
        cloud: CloudStream,
        announcement: Announcement,
        rate: int,
        text_format: str | None,
        on_first_audio: Callable[[SpeechStream], None] | None,
    ) -> AsyncGenerator[bytes]:
        breaker = self.breaker
        if self.local is not None and breaker is not None and (error := breaker.error):
            async with contextlib.aclosing(
                self._local(tape.read(), announcement, rate, error)
            ) as audio:
                async for pcm in audio:
                    yield pcm
            return
        stream: SpeechStream | None = None
        started = False
        try:
            async with cloud() as stream:
                speech = stream.speak(tape.read(), text_format=text_format)
                async with contextlib.aclosing(announcement.announce(speech, rate)) as audio:
                    async for pcm in audio:
                        yield pcm
                        if not started:
                            started = True
                            if on_first_audio is not None:
                                on_first_audio(stream)
        except QwenTtsError as err:
            if breaker is not None:
                breaker.failed(err)
            spoken = stream.delivered if stream is not None else ""
            if self.local is None or not is_cloud_fault(err) or spoken is None:
                raise
            rest = replace(announcement, chime=None) if started else announcement
            async with contextlib.aclosing(
                self._local(tape.rest_after(spoken), rest, rate, err)
            ) as audio:
                async for pcm in audio:
                    yield pcm
            return
        if breaker is not None:
            breaker.succeeded()

    async def _local(
        self, texts: AsyncIterator[str], announcement: Announcement, rate: int, err: QwenTtsError
    ) -> AsyncGenerator[bytes]:
        assert self.local is not None
        try:
            async with contextlib.aclosing(
                announcement.announce(self.local.speak(texts, rate), rate)
            ) as audio:
                async for pcm in audio:
                    yield pcm
        except LocalVoiceError as failed:
            if not self._local_failing:
                self._local_failing = True
                _LOGGER.warning("The fallback %s cannot speak either: %s", self.local.name, failed)
            raise again(err) from None
        if self._local_failing:
            self._local_failing = False
            _LOGGER.info("The fallback %s speaks again", self.local.name)
