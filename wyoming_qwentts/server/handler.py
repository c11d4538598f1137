"""The Wyoming event handler: synthesize events in, PCM audio out, as it arrives.

Both Home Assistant sequences are supported:

- ``synthesize`` alone gives one ``audio-start`` … ``audio-stop``;
- ``synthesize-start``, ``synthesize-chunk`` × N, the compatibility ``synthesize`` (ignored
  inside a stream), ``synthesize-stop`` give one ``audio-start`` … ``audio-stop`` and then
  ``synthesize-stopped``, which ends every stream, failed ones included.

Each request runs in its own task so that ``handle_event`` returns at once: chunk text goes
upstream the moment it arrives while another task pumps audio back. Requests of one
connection are answered in order. Errors become ``Error(text, code)`` events; nothing a
client sends can end the connection or the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any, Final

from wyoming.error import Error
from wyoming.event import Event
from wyoming.ping import Pong
from wyoming.server import AsyncEventHandler
from wyoming.tts import SynthesizeStopped

from ..core.errors import InvalidParameterError
from ..core.pcm import PCM_WIDTH
from ..core.ssml import words_of
from ..core.tasks import start_task
from ..speech import SpeechStream
from .audio_output import AudioOutput, serialized
from .limits import CLIENT_LOGS, BadEvent, ConnectionGate, ConnectionLimits, read_event
from .requests import Request, RequestError, error_code
from .upstream import Upstream

_LOGGER = logging.getLogger(__name__)

_WIDTH: Final = PCM_WIDTH
_PUBLIC_TEXT: Final = {
    "upstream-unreachable": "The speech service cannot be reached; see the server's log.",
    "internal-error": "The server failed; see its log.",
}
"""What a client is told of failures whose details (an upstream host, a traceback) stay in
the server's log."""


class QwenTtsEventHandler(AsyncEventHandler):
    """Handles one Wyoming connection."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        info: Callable[[], Awaitable[Event]],
        upstream: Upstream,
        samples_per_chunk: int = 1024,
        limits: ConnectionLimits | None = None,
        gate: ConnectionGate | None = None,
    ) -> None:
        super().__init__(reader, writer)
        self._info = info
        """The Info event of the moment (built once, again when the voices change)."""
        self._upstream = upstream
        self._chunk_bytes = samples_per_chunk * _WIDTH
        self._limits = limits or ConnectionLimits()
        self._gate = gate
        """Shared by the server's connections: how many are open (None: no count)."""
        self._stream: Request | None = None
        self._last_job: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Read events until the client leaves, breaks the protocol, or idles too long."""
        peer = self.writer.get_extra_info("peername")
        try:
            if not self._limits.allows(peer):
                _client_warning(
                    "not-allowed", "Refused a connection from %s (not in --allow)", peer
                )
                return
            refusal = self._gate.admit(peer) if self._gate is not None else None
            if refusal is not None:
                _LOGGER.info("Refused a connection from %s: %s", peer, refusal)
                with contextlib.suppress(ConnectionError):
                    await self.write_event(Error(text=refusal, code="server-busy").event())
                return
            try:
                while (event := await self._read_event(peer)) is not None:
                    if not await self.handle_event(event):
                        break
            finally:
                if self._gate is not None:
                    self._gate.release(peer)
        finally:
            await self.disconnect()
            self.writer.close()

    async def _read_event(self, peer: object) -> Event | None:
        """The next event; None when the connection should end (with the reason logged).

        A connection with nothing running may idle for ``idle_timeout``; a stream that gets
        no text for as long ends with ``idle-timeout`` (its slot freed), and so does the
        connection (a read cut short may have left half an event unread).
        """
        idle = self._limits.idle_timeout
        if self._jobs and self._stream is None:
            idle = None  # a request is being spoken: the client waits for it
        try:
            async with asyncio.timeout(idle):
                return await read_event(self.reader, self._limits.max_event_bytes)
        except TimeoutError:
            if self._stream is not None:
                _LOGGER.info("Ending a stream from %s without text for %g s", peer, idle)
                self._stream.fail(
                    RequestError("idle-timeout", f"No text for {idle:g} s: the stream ended.")
                )
                self._stream = None
                if self._jobs:
                    await asyncio.wait(set(self._jobs))  # its error and end reach the client
            else:
                _LOGGER.info("Closing a connection from %s idle for %g s", peer, idle)
        except BadEvent as err:
            # A protocol violation leaves the stream unreadable: say why, then close.
            _client_warning("bad-event", "Closing a connection from %s: %s", peer, err)
            with contextlib.suppress(ConnectionError):
                await self.write_event(Error(text=str(err), code="bad-request").event())
        except ConnectionError:
            pass
        return None

    async def write_event(self, event: Event) -> None:
        """Send one event (in a single write)."""
        await self.write_events((event,))

    async def write_events(self, events: Iterable[Event | bytes]) -> None:
        """Send events (or already serialized ones) with one write and one drain.

        A batch never interleaves with another, whichever task writes it.
        """
        parts = [event if isinstance(event, bytes) else await serialized(event) for event in events]
        self.writer.write(b"".join(parts))
        transport = self.writer.transport
        if transport.get_write_buffer_size() > transport.get_write_buffer_limits()[1]:
            # The client is not reading: wait for it, but not forever (memory stays bounded).
            try:
                async with asyncio.timeout(self._limits.write_timeout):
                    await self.writer.drain()
            except TimeoutError:
                _LOGGER.info("Disconnecting a client that stopped reading")
                transport.abort()
                raise ConnectionResetError("the client stopped reading") from None
        else:
            await self.writer.drain()

    async def handle_event(self, event: Event) -> bool:
        """Dispatch one event; never raises, so a bad event cannot end the connection."""
        try:
            await self._dispatch(event)
        except ConnectionError:
            return False  # the client went away while we answered
        except Exception:
            _LOGGER.exception("Unexpected error handling a %s event", event.type)
        return True

    async def _dispatch(self, event: Event) -> None:
        kind = event.type
        data: Any = event.data if event.data is not None else {}  # typed dict, sent anything
        if not isinstance(data, dict):
            await self._refuse(f"The data of a {kind} event must be an object.")
        elif kind == "describe":
            await self.write_event(await self._info())
        elif kind == "ping":
            await self.write_event(Pong(text=data.get("text")).event())
        elif kind == "synthesize-start":
            await self._start_stream(data)
        elif kind == "synthesize-chunk":
            await self._on_chunk(data)
            await asyncio.sleep(0)  # the request sends its text on before more is parsed
        elif kind == "synthesize-stop":
            await self._stop_stream()
        elif kind == "synthesize":
            await self._on_synthesize(data)
        else:
            _LOGGER.debug("Ignoring a %s event", kind)

    async def _refuse(self, text: str) -> None:
        """Answer an event that breaks the protocol (the connection goes on)."""
        _client_warning("refused-event", "Refused an event: %s", text)
        await self.write_event(Error(text=text, code="bad-request").event())

    async def _start_stream(self, data: dict[str, Any]) -> None:
        if self._stream is not None:
            _LOGGER.warning("synthesize-start inside an open stream: ending the previous one")
            await self._stop_stream()
        self._stream = await self._start(Request.of(data, streaming=True))

    async def _on_chunk(self, data: dict[str, Any]) -> None:
        text = data.get("text")
        if self._stream is None:
            await self._refuse("synthesize-chunk outside a stream: send synthesize-start first.")
        elif not isinstance(text, str):
            self._stream.fail(RequestError("bad-request", "synthesize-chunk needs a text string."))
        else:
            self._stream.push(text, self._limits.max_text_chars)

    async def _stop_stream(self) -> None:
        if self._stream is None:
            await self._refuse("synthesize-stop outside a stream.")
            return
        self._stream.tape.end()
        self._stream = None

    async def _on_synthesize(self, data: dict[str, Any]) -> None:
        if self._stream is not None:
            return  # Home Assistant repeats the whole text for older servers: speak it once
        text = data.get("text")
        request = Request.of(data, streaming=False)
        if not isinstance(text, str):
            request.fail(RequestError("bad-request", "synthesize needs a text string."))
        elif request.failure is None:
            try:
                words = words_of(text, request.text_format)
            except InvalidParameterError as err:  # as a streamed request would end
                request.fail(RequestError(err.code, str(err)))
            else:
                if words.strip():
                    request.push(text, self._limits.max_text_chars)
                else:
                    request.fail(RequestError("empty-text", "There is no text to speak."))
        request.tape.end()
        await self._start(request)

    async def _start(self, request: Request) -> Request:
        """Run a request after the connection's earlier ones; with ``max_pending`` of them
        queued or running, wait (reading nothing more) until one ends."""
        while len(self._jobs) >= self._limits.max_pending:
            await asyncio.wait(set(self._jobs), return_when=asyncio.FIRST_COMPLETED)
        job = start_task(self._run(request, self._last_job))  # a whole text: sent now
        self._last_job = job
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)
        self._upstream.track(job)
        return request

    async def disconnect(self) -> None:
        """The client went away: cancel its requests and their upstream sessions at once."""
        for job in list(self._jobs):
            job.cancel()
        if self._jobs:
            await asyncio.wait(set(self._jobs))

    # One request ----------------------------------------------------------------------

    async def _run(self, request: Request, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait({previous})  # answer in order
        output = AudioOutput(self.write_events, self._upstream.sample_rate, self._chunk_bytes)
        try:
            await self._synthesize(request, output)
        except ConnectionError:  # the client went away, or stopped reading (logged)
            return
        except Exception as err:
            with contextlib.suppress(ConnectionError):
                await output.flush()  # the audio heard, then the error
            await self._report(err)
        with contextlib.suppress(ConnectionError):
            await output.stop()
            if request.streaming:
                await self.write_event(SynthesizeStopped().event())

    async def _report(self, err: BaseException) -> None:
        code = error_code(err)
        if code == "internal-error":
            _LOGGER.error("Synthesis failed", exc_info=err)
        else:
            _LOGGER.warning("Synthesis failed (%s): %s", code, err)
        # The log has the details; a client is not told where the upstream service is.
        text = _PUBLIC_TEXT.get(code, str(err))
        with contextlib.suppress(ConnectionError):
            await self.write_event(Error(text=text, code=code).event())

    async def _synthesize(self, request: Request, output: AudioOutput) -> None:
        upstream = self._upstream
        choice = upstream.choose(request.voice, request.language)
        announcement = upstream.settings.announcement
        rate = upstream.sample_rate
        speech = upstream.failovers[choice.source.model.id].speak(
            partial(upstream.stream, choice),
            request.tape,
            announcement,
            rate,
            text_format=request.text_format,
            on_first_audio=partial(_log_first_audio, request),
        )
        async with contextlib.aclosing(speech) as audio:
            try:
                async for pcm in audio:
                    await output.write(pcm)
            except ConnectionError as err:
                # Said now: closing the sessions may be cut short by the connection's end.
                _LOGGER.info("Ended a request: %s", err or "the client went away")
                raise


def _client_warning(kind: str, message: str, *args: object) -> None:
    """A warning a client causes, throttled by kind (see ``LogThrottle``)."""
    held = CLIENT_LOGS.allow(kind)
    if held is not None:
        more = f" ({held} more like it since the last)" if held else ""
        _LOGGER.warning("%s%s", message % args, more)


def _log_first_audio(request: Request, stream: SpeechStream) -> None:
    """Where the time to first audio went: upstream, or here (``--debug``)."""
    if not _LOGGER.isEnabledFor(logging.DEBUG):
        return
    metrics = stream.stats.metrics
    upstream = metrics.time_to_first_audio if metrics is not None else None
    if upstream is None:
        return
    total = time.monotonic() - request.first_text_at
    _LOGGER.debug(
        "First audio %.2f ms after the first text: upstream %.2f ms, bridge %.2f ms",
        1000 * total,
        1000 * upstream,
        1000 * (total - upstream),
    )
