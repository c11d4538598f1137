"""One realtime TTS session: configured on its connection, from ``session.update`` to
``session.finished``; its audio, responses and their figures."""

from __future__ import annotations

import asyncio
import binascii
import json
import logging
import time
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any, Self

import aiohttp
import pybase64

from ..core.errors import (
    ConnectionClosedError,
    ProtocolError,
    QwenTimeoutError,
    UnknownModelError,
)
from ..core.metrics import ResponseMetrics, SessionMetrics
from ..core.params import SpeechParams
from ..speech.source import SpeechSession
from ..speech.watchdog import Limit
from . import wire
from .connection import RealtimeConnection

_LOGGER = logging.getLogger(__name__)


class RealtimeSession(SpeechSession):
    """An open session. Configure it, send text, and iterate over it for audio bytes.

    Iteration yields audio as it arrives and ends only at ``session.finished``, never at
    ``response.done``: one session may hold several responses. Every failure is raised as a
    :class:`~wyoming_qwentts.core.errors.QwenTtsError`.
    """

    def __init__(self, connection: RealtimeConnection) -> None:
        self.connection = connection
        self.model = connection.model
        self.metrics = SessionMetrics(
            connect_time=connection.connect_time, model=self.model.id, protocol="realtime"
        )
        self.responses_done = 0
        """``response.done`` events received: responses whose audio was all read."""
        self._session: dict[str, Any] | None = None
        self._finish_sent = False
        self._commits_pending = 0
        self._unacknowledged = 0
        """Commits neither acknowledged (``committed``) nor answered by a response yet."""
        self._response: ResponseMetrics | None = None
        self._response_audio = False
        self._response_trigger: float | None = None
        self._unclaimed_text_at: float | None = None
        self._last_text_at: float | None = None
        self._finished = False
        self._events_seen = 0
        self._pcm = True
        self._odd_byte = b""

    def __repr__(self) -> str:
        return f"<RealtimeSession {self.session_id} model={self.model.id}>"

    @property
    def session_id(self) -> str:
        return self.connection.session_id

    @property
    def session(self) -> dict[str, Any] | None:
        """The ``session`` object sent with ``session.update``, if any."""
        return self._session

    @property
    def finished(self) -> bool:
        """True once ``session.finished`` arrived."""
        return self._finished

    @property
    def closed(self) -> bool:
        """True once the socket is closed."""
        return self.connection.closed

    # Sending -----------------------------------------------------------------------------

    async def configure(
        self, params: SpeechParams, *, mode: wire.Mode = "server_commit", wait: bool = True
    ) -> None:
        """Send ``session.update``; with ``wait``, also wait for ``session.updated``.

        The parameters are validated against the catalog first (InvalidParameterError,
        nothing sent). The service accepts one update per session. Without ``wait`` text can
        follow at once (the socket keeps order), saving a round trip; a rejection then
        surfaces while reading audio.
        """
        session = wire.to_wire(self.model, params, mode)
        await self.connection.send("session.update", session=session)
        self._session = session
        self._pcm = session["response_format"] == "pcm"
        self.metrics.sample_rate = session["sample_rate"]
        if not wait:
            return
        timeout = self.connection.timeouts.configure
        try:
            async with asyncio.timeout(timeout):
                while True:
                    event = self._parse(await self.connection.next_frame())
                    if wire.is_type(event, "session.updated"):
                        break
        except TimeoutError:
            await self.close()
            raise QwenTimeoutError("configure", timeout) from None
        except BaseException:
            await self.close()
            raise

    async def append(self, text: str) -> None:
        """Append text to the input buffer (in ``server_commit`` the service segments it)."""
        if not text:
            return
        now = time.monotonic()
        if self._unclaimed_text_at is None:
            self._unclaimed_text_at = now
        self._last_text_at = now
        await self.connection.send("input_text_buffer.append", text=text)

    async def commit(self) -> None:
        """Synthesize everything appended so far now (the only trigger in ``commit`` mode)."""
        await self.connection.send("input_text_buffer.commit")
        self._commits_pending += 1
        self._unacknowledged += 1
        self.connection.arm(self._wait_limit())

    async def clear(self) -> None:
        """Drop text that was appended and not yet committed or segmented."""
        self._unclaimed_text_at = None
        await self.connection.send("input_text_buffer.clear")

    async def finish(self) -> None:
        """No more text: the service speaks what remains, then ``session.finished``."""
        if self._finish_sent:
            return
        self._finish_sent = True
        await self.connection.send("session.finish")
        self.connection.arm(self._wait_limit())

    async def close(self) -> None:
        """Close the socket (cancels the session if it has not finished)."""
        await self.connection.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # Receiving ---------------------------------------------------------------------------

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> bytes:
        try:
            while not self._finished:
                if audio := await self._step():
                    return audio
        except BaseException:
            await self.close()  # a failed session is over: never leave its socket open
            raise
        await self.close()
        raise StopAsyncIteration

    async def respond(self, text: str, *, ssml: bool = False) -> AsyncIterator[bytes]:
        """Speak ``text`` as one response (``commit`` mode): its audio, until ``response.done``.
        (No realtime model takes SSML: ``ssml`` is never set for one.)

        Send it only when no response is active: the service is not known to queue text sent
        during one. A response that yields no audio at all is the caller's to detect.
        """
        done = self.responses_done
        await self.append(text)
        await self.commit()
        try:
            while self.responses_done == done:
                if self._finished:
                    raise ConnectionClosedError(
                        "The session finished before the response to a commit."
                    )
                if audio := await self._step():
                    yield audio
        except BaseException:
            await self.close()
            raise

    async def _step(self) -> bytes | None:
        """Read and handle one frame; its audio, if it was a delta."""
        msg = await self.connection.receive(self._wait_limit())
        delta = wire.audio_delta(msg.data) if msg.type is aiohttp.WSMsgType.TEXT else None
        if delta is None:
            return self._handle(self._parse(msg))
        self._events_seen += 1
        return self._on_audio(delta)

    async def read_all(self) -> bytes:
        """Collect the session's audio until ``session.finished``."""
        return b"".join([chunk async for chunk in self])

    async def end(self) -> None:
        """Finish and read to ``session.finished`` (the service then closes the socket)."""
        await self.finish()
        await self.read_all()

    def _wait_limit(self) -> Limit:
        """How long the service may take now, and for what."""
        timeouts = self.connection.timeouts
        if self._response is not None:
            if self._response_audio:
                return timeouts.audio_gap, "audio_gap"
            return timeouts.first_audio, "first_audio"
        if self._unacknowledged:
            return timeouts.commit, "commit"
        if self._finish_sent or self._commits_pending:
            return timeouts.first_audio, "first_audio"
        return None, "first_audio"

    def _parse(self, msg: aiohttp.WSMessage) -> dict[str, Any]:
        """Decode a text frame; raise the matching error for a close or an ``error`` event."""
        if msg.type is not aiohttp.WSMsgType.TEXT:
            if msg.type is aiohttp.WSMsgType.BINARY:
                _LOGGER.warning("Ignoring an unexpected binary frame of %d bytes", len(msg.data))
                return {}
            raise self._closed_error(msg)
        try:
            event = json.loads(msg.data)
        except ValueError:
            _LOGGER.warning("Ignoring a frame that is not JSON: %.80r", msg.data)
            return {}
        if not isinstance(event, dict):
            return {}
        self._events_seen += 1
        if wire.is_type(event, "error"):
            voice = (self._session or {}).get("voice")
            raise wire.error_from_event(event, voice=voice, model=self.model.id)
        return event

    def _handle(self, event: dict[str, Any]) -> bytes | None:
        event_type = event.get("type")
        if event_type == "response.audio.delta":
            return self._on_audio(event.get("delta"))
        if event_type == "response.created":
            self._on_response_created(event.get("response"))
        elif event_type == "response.done":
            self._on_response_done(event.get("response"))
        elif event_type == "input_text_buffer.committed":
            self._unacknowledged = max(0, self._unacknowledged - 1)
        elif event_type == "session.finished":
            self._finished = True
        return None

    def _on_audio(self, delta: Any) -> bytes | None:
        if not isinstance(delta, str):
            return None
        try:
            audio = pybase64.b64decode(delta, validate=True)  # SIMD: a tenth of binascii's time
        except binascii.Error as err:
            raise ProtocolError(f"An audio delta is not valid base64 ({err}).") from None
        if self._odd_byte:  # keep PCM16 samples whole across deltas of odd length
            audio = self._odd_byte + audio
            self._odd_byte = b""
        if len(audio) % 2 and self._pcm:
            audio, self._odd_byte = audio[:-1], audio[-1:]
        response = self._response
        if response is None:  # audio outside a response: account it to a synthetic one
            response = self._on_response_created({})
        if not self._response_audio:
            self._response_audio = True
            if self._response_trigger is not None:
                response.time_to_first_audio = time.monotonic() - self._response_trigger
        response.audio_bytes += len(audio)
        return audio

    def _on_response_created(self, response: Any) -> ResponseMetrics:
        response_id = response.get("id", "") if isinstance(response, dict) else ""
        metrics = ResponseMetrics(str(response_id))
        self.metrics.responses.append(metrics)
        self._response = metrics
        self._response_audio = False
        self._response_trigger = (
            self._unclaimed_text_at if self._unclaimed_text_at is not None else self._last_text_at
        )
        self._unclaimed_text_at = None
        if self._commits_pending:
            self._commits_pending -= 1
            self._unacknowledged = min(self._unacknowledged, self._commits_pending)
        return metrics

    def _on_response_done(self, response: Any) -> None:
        self.responses_done += 1
        metrics = self._response
        self._response = None
        if metrics is None or not isinstance(response, dict):
            return
        usage = response.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("characters"), int):
            metrics.characters = usage["characters"]

    def _closed_error(self, msg: aiohttp.WSMessage) -> Exception:
        clean = msg.type is aiohttp.WSMsgType.CLOSE and msg.data == aiohttp.WSCloseCode.OK
        if clean and self._events_seen <= 1 and not self.metrics.responses:
            return UnknownModelError(self.model.id, self.connection.region)
        received = self.metrics.audio_bytes
        return ConnectionClosedError(
            f"The connection closed before session.finished "
            f"(close code {self.connection.close_code}, {received} audio bytes received)."
        )
