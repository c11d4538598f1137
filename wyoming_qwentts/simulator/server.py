"""A protocol-faithful local stand-in for Model Studio's Qwen realtime TTS WebSocket service.

Built on the ``websockets`` server (the client uses aiohttp, so each checks the other). It
follows ``qwen-realtime-protocol.md``: handshake authentication, the measured event order,
per-model validation from the catalog, ``server_commit`` segmentation, ``usage.characters``,
and the documented quirks. Knobs in :class:`SimulatorOptions` add latency and inject faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import json
import logging
import random
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self
from urllib.parse import parse_qs, urlsplit

import pybase64
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .. import catalog
from ..audio import wav_header
from ..errors import InvalidParameterError
from ..segmenter import Segmenter
from .speech import synthesize

_LOGGER = logging.getLogger(__name__)
_WS_LOGGER = logging.getLogger(f"{__name__}.websockets")
_WS_LOGGER.setLevel(logging.WARNING)  # websockets logs request headers (the key) at DEBUG

PATH: Final = "/api-ws/v1/realtime"
_ID_ALPHABET: Final = string.ascii_letters + string.digits
_HANDSHAKE_BODIES: Final[Mapping[int, tuple[str, str]]] = {
    401: ("InvalidApiKey", "Invalid API-key provided."),
    403: ("AccessDenied", "Access denied."),
    429: ("Throttling.RateQuota", "Requests rate limit exceeded, please try again later."),
    500: ("InternalError", "An internal error has occurred, please try again later."),
}
_CHAOS_FAULTS: Final = ("429", "500", "drop", "error", "stall", "garbage")
_SESSION_UPDATE_REJECTED: Final = (
    "Session update error: session already started or finished or failed."
)


@dataclass(slots=True)
class SimulatorOptions:
    """Behaviour of a :class:`QwenSimulator`: latency knobs, faults and quirk toggles."""

    api_key: str = "sk-simulator"
    # Latency
    first_audio_delay: float = 0.0
    """Seconds from a response's start to its first audio delta."""
    real_time_factor: float = 0.0
    """Pacing of deltas: 1.0 sends audio as fast as it plays, 0 as fast as possible."""
    delta_bytes: int = 4800
    """Bytes of PCM per ``response.audio.delta`` (rounded down to whole samples)."""
    handshake_delay: float = 0.0
    update_delay: float = 0.0
    """Seconds before answering ``session.update``."""
    segment_chars: int = 120
    """server_commit: longest segment before a cut without punctuation."""
    # Limits
    max_sessions: int | None = None
    """Concurrent sessions beyond this get a rate-limit rejection."""
    idle_timeout: float | None = 23.0
    """Seconds without a client event (while nothing is being synthesized) before closing."""
    max_text_chars: int | None = None
    """Per-session text limit (undocumented for the real service)."""
    retired_models: frozenset[str] = frozenset()
    """Catalog models to treat as unknown (as a retired model would be)."""
    # Faults
    reject_handshake: int | None = None
    """Reject every handshake with this HTTP status (401, 403, 429, 500)."""
    drop_after_deltas: int | None = None
    """Drop the TCP connection, without a close frame, after this many deltas."""
    error_after_deltas: int | None = None
    """Send an ``error`` event and close after this many deltas."""
    stall_after_deltas: int | None = None
    fault_sessions: int | None = None
    """Only the first this many sessions meet the faults above (None: every session)."""
    garbage_after_deltas: int | None = None
    """Send a delta that is not valid base64 after this many deltas."""
    odd_deltas: bool = False
    """Cut deltas at odd byte counts (samples split across deltas)."""
    chaos_rate: float = 0.0
    """Probability that a session meets one random fault: a 429 or 500 handshake, a drop,
    an error event, a stall or a garbage delta, at a random point of its first deltas."""
    chaos_seed: int | None = None
    """Stop sending anything (the socket stays open) after this many deltas."""
    # Where sources disagree: both behaviours, chosen here.
    throttle_style: Literal["handshake", "event"] = "handshake"
    """Rate limiting as an HTTP 429 handshake, or an in-band ``error`` event then close."""
    unknown_model: Literal["silent_close", "error"] = "silent_close"
    """Unknown model: ``session.created`` then a silent close (field notes), or an error."""
    event_order: Literal["measured", "documented"] = "measured"
    """End-of-response order: measured (audio.done first) or as documented (item.done first)."""
    error_detail: Literal["full", "minimal"] = "full"
    """Error events with type/param/event_id (older docs) or only code/message (current)."""
    response_id_field: bool = False
    """Add the top-level ``response_id`` that the field table lists on ``response.done``."""
    busy_text: Literal["queued", "ignored", "rejected"] = "queued"
    """commit mode: text and commits sent while a response is active are queued, dropped
    silently (field report), or answered with an ``error`` event."""
    residue_window: float = 0.0
    """commit mode: an append this many seconds or less after ``response.done`` is dropped as
    "residue"; its commit is acknowledged and yields a response with no audio (field report)."""
    silent_response: int | None = None
    """The response of this index (0-based, per session) is acknowledged but has no audio."""
    response_done: bool = True
    """server_commit: send ``response.done`` (False: none at all, as a field report claims)."""
    finish_drains: bool = True
    """server_commit: ``session.finish`` speaks the rest (False: what was not yet being
    synthesized is dropped, as a field report claims)."""

    def adopt(self, behaviour: str) -> None:
        """Behave as one of :data:`DISPUTED_BEHAVIOURS` says (its name)."""
        for name, value in DISPUTED_BEHAVIOURS[behaviour].items():
            setattr(self, name, value)


DISPUTED_BEHAVIOURS: Final[Mapping[str, Mapping[str, Any]]] = {
    "busy-text-queued": {"busy_text": "queued"},
    "busy-text-ignored": {"busy_text": "ignored"},
    "busy-text-rejected": {"busy_text": "rejected"},
    "residue-after-done": {"residue_window": 0.05},
    "response-without-audio": {"silent_response": 1},
    "no-response-done": {"response_done": False},
    "finish-does-not-drain": {"finish_drains": False},
}
"""Every service behaviour the sources disagree on, as :class:`SimulatorOptions` overrides:
a client must be correct under each (the suites run their exact-decoding tests under all)."""


@dataclass(slots=True)
class SimulatedSession:
    """What the simulator saw of one connection (for tests and benchmarks)."""

    id: str
    model: str
    headers: dict[str, str]
    events: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    spoken: list[str] = field(default_factory=list)
    """Each synthesized segment, in order."""
    dropped: list[str] = field(default_factory=list)
    """Text the session dropped (``busy_text="ignored"``, residue, ``finish_drains=False``)."""
    busy_inputs: int = 0
    """commit mode: appends and commits received while a response was active."""
    deltas_sent: int = 0
    first_text_at: float | None = None
    """Monotonic time the first text arrived (CLOCK_MONOTONIC: comparable across processes)."""
    first_delta_at: float | None = None
    """Monotonic time the first audio delta was sent."""
    pacing_lag: float = 0.0
    """Largest delay behind the real-time-factor schedule (the simulator itself too slow)."""
    finished: bool = False
    """True when ``session.finished`` was sent."""
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def event_types(self) -> list[str]:
        """The ``type`` of every client event received, in order."""
        return [str(event.get("type")) for event in self.events]

    def summary(self) -> dict[str, Any]:
        """Figures of the session as one JSON-able line (for ``--stats-file``)."""
        first_text = next(
            (e.get("text") for e in self.events if e.get("type") == "input_text_buffer.append"),
            None,
        )
        return {
            "id": self.id,
            "model": self.model,
            "first_text": first_text,
            "first_text_at": self.first_text_at,
            "first_delta_at": self.first_delta_at,
            "pacing_lag": self.pacing_lag,
            "deltas": self.deltas_sent,
            "finished": self.finished,
        }


_ID_STEM: Final = "".join(random.choices(_ID_ALPHABET, k=13))
_ID_SERIALS: Final = itertools.count()


def _new_id(prefix: str) -> str:
    """An id shaped like the service's (21 letters and digits), unique in the process and
    cheap: one is made for every audio delta."""
    return f"{prefix}{_ID_STEM}{next(_ID_SERIALS):08d}"


class QwenSimulator:
    """Serves the Qwen realtime TTS protocol on a local port.

    Use as ``async with QwenSimulator(...) as sim:`` and point a client at ``sim.url``.
    """

    def __init__(
        self,
        options: SimulatorOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        stats_file: Path | None = None,
        keep_sessions: bool = True,
    ) -> None:
        self.options = options or SimulatorOptions()
        self._stats_file = stats_file
        self._keep_sessions = keep_sessions
        self.sessions: list[SimulatedSession] = []
        """Every session so far; with ``keep_sessions=False`` (a long-running process) only
        the open ones, finished ones being in ``stats_file`` alone."""
        self.session_opened = asyncio.Event()
        """Set when a session opens (clear it to wait for the next one)."""
        self._host = host
        self._port = port
        self._server: Server | None = None
        self._active = 0
        self._handshakes: set[asyncio.Task[Any]] = set()
        self._rng: random.Random | None = None  # seeded on first use, from the options then
        self._faulted = 0
        self._spared: set[int] = set()
        """Connections past ``fault_sessions``: they meet no configured fault."""
        self._chaos: dict[int, tuple[str, int]] = {}
        """Faults chosen at the handshake for the session of each connection (by its id)."""

    @property
    def active_sessions(self) -> int:
        """Sessions whose socket is open now."""
        return self._active

    @property
    def url(self) -> str:
        """The WebSocket endpoint, path included, without the ``model`` query."""
        if self._server is None:
            raise RuntimeError("The simulator is not running")
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"ws://{host}:{port}{PATH}"

    async def start(self) -> None:
        """Start listening."""
        self._server = await serve(
            self._serve,
            self._host,
            self._port,
            process_request=self._process_request,
            max_size=2**22,
            ping_interval=None,
            compression=None,
            close_timeout=1,
            logger=_WS_LOGGER,
            backlog=1024,  # hundreds of clients may connect at once in load tests
        )

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            for task in self._handshakes:
                task.cancel()
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # Handshake ---------------------------------------------------------------------------

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        options = self.options
        if options.handshake_delay:
            task = asyncio.current_task()
            assert task is not None
            self._handshakes.add(task)
            try:
                await asyncio.sleep(options.handshake_delay)
            finally:
                self._handshakes.discard(task)
        if urlsplit(request.path).path != PATH:
            return _json_response(HTTPStatus.NOT_FOUND, "NotFound", "Not found.")
        due = self._fault_due()
        if not due:
            self._spared.add(id(connection))
        reject = options.reject_handshake if due else None
        if options.chaos_rate:
            rng = self._rng = self._rng or random.Random(options.chaos_seed)
            if rng.random() < options.chaos_rate:
                fault = rng.choice(_CHAOS_FAULTS)
                if fault.isdigit():
                    reject = int(fault)
                else:
                    self._chaos[id(connection)] = (fault, rng.randrange(0, 8))
        if reject is not None:
            code, message = _HANDSHAKE_BODIES.get(reject, ("InternalError", "Simulated rejection."))
            return _json_response(HTTPStatus(reject), code, message)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), options.api_key.encode()
        ):
            return _json_response(HTTPStatus.UNAUTHORIZED, *_HANDSHAKE_BODIES[401])
        if (
            options.max_sessions is not None
            and self._active >= options.max_sessions
            and options.throttle_style == "handshake"
        ):
            return _json_response(HTTPStatus.TOO_MANY_REQUESTS, *_HANDSHAKE_BODIES[429])
        return None

    def _fault_due(self) -> bool:
        """Whether the next connection still meets the configured faults (and counts it)."""
        self._faulted += 1
        limit = self.options.fault_sessions
        return limit is None or self._faulted <= limit

    # Sessions ----------------------------------------------------------------------------

    async def _serve(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        query = parse_qs(urlsplit(request.path).query)
        record = SimulatedSession(
            id=_new_id("sess_"),
            model=query.get("model", [""])[0],
            headers={key.lower(): value for key, value in request.headers.raw_items()},
        )
        self.sessions.append(record)
        self.session_opened.set()
        throttled = (
            self.options.max_sessions is not None and self._active >= self.options.max_sessions
        )
        self._active += 1
        session = asyncio.ensure_future(
            _Session(
                self.options,
                connection,
                record,
                throttled=throttled,
                chaos=self._chaos.pop(id(connection), None),
                faults=id(connection) not in self._spared,
            ).run()
        )
        closed = asyncio.ensure_future(connection.wait_closed())
        try:
            # A client that goes away ends the session at once, whatever it was doing.
            await asyncio.wait({session, closed}, return_when=asyncio.FIRST_COMPLETED)
            session.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, _SessionAborted):
                await session
        finally:
            closed.cancel()
            self._spared.discard(id(connection))
            self._active -= 1
            record.closed.set()
            if self._stats_file is not None:
                with self._stats_file.open("a", encoding="utf-8") as stats:
                    stats.write(json.dumps(record.summary(), ensure_ascii=False) + "\n")
            if not self._keep_sessions:
                self.sessions.remove(record)


def _json_response(status: HTTPStatus, code: str, message: str) -> Response:
    body = json.dumps({"code": code, "message": message, "request_id": _new_id("")}).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return Response(status.value, status.phrase, headers, body)


class _Session:
    """One simulated realtime session (one socket)."""

    def __init__(
        self,
        options: SimulatorOptions,
        connection: ServerConnection,
        record: SimulatedSession,
        *,
        throttled: bool,
        chaos: tuple[str, int] | None = None,
        faults: bool = True,
    ) -> None:
        self._options = options
        self._ws = connection
        self._record = record
        self._throttled = throttled
        self._model = (
            None if record.model in options.retired_models else catalog.MODELS.get(record.model)
        )
        default_voice = (
            self._model.default_voice if self._model else None
        ) or catalog.DEFAULT_VOICE
        record.config = {
            "mode": "server_commit",
            "voice": default_voice,
            "language_type": "Auto",
            "response_format": "pcm",
            "sample_rate": catalog.DEFAULT_SAMPLE_RATE,
        }
        self._segments: asyncio.Queue[str | None] = asyncio.Queue()
        self._segmenter = Segmenter(options.segment_chars)
        self._commit_buffer = ""
        self._text_started = False
        self._text_chars = 0
        self._synthesizing = False
        self._owed = 0
        """Commit-mode responses acknowledged and not yet done."""
        self._done_at = float("-inf")
        self._residue = False
        self._responses = 0
        self._faults = faults
        self._chaos: str | None = chaos[0] if chaos else None
        self._chaos_at = chaos[1] if chaos else -1

    async def _send(self, event_type: str, **fields: Any) -> None:
        await self._ws.send(
            json.dumps({"event_id": _new_id("event_"), "type": event_type, **fields})
        )

    async def _send_error(
        self, code: str, message: str, param: str | None = None, event_id: str | None = None
    ) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if self._options.error_detail == "full":
            error = {"type": "invalid_request_error", **error}
            if param is not None:
                error["param"] = param
            if event_id is not None:
                error["event_id"] = event_id
        await self._send("error", error=error)

    async def run(self) -> None:
        record = self._record
        await self._send(
            "session.created",
            session={
                "object": "realtime.session",
                "model": record.model,
                **record.config,
                "id": record.id,
            },
        )
        if self._throttled:  # throttle_style == "event"
            await self._send_error("Throttling.RateQuota", _HANDSHAKE_BODIES[429][1])
            await self._ws.close()
            return
        if self._model is None:
            if self._options.unknown_model == "error":
                await self._send_error(
                    "ModelNotFound", f"Model not found: {record.model!r}.", "model"
                )
            await self._ws.close()
            return
        synthesizer = asyncio.create_task(self._synthesize_segments())
        try:
            if await self._read_events():
                await synthesizer
                record.finished = True
                await self._send("session.finished")
                await self._ws.close()
        finally:
            synthesizer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await synthesizer

    async def _read_events(self) -> bool:
        """Handle client events until finish (True) or until the session ends (False)."""
        while True:
            try:
                async with asyncio.timeout(self._options.idle_timeout):
                    raw = await self._ws.recv()
            except TimeoutError:
                if self._synthesizing or not self._segments.empty():
                    continue
                await self._send_error(
                    "RequestTimeout",
                    f"request timeout after {self._options.idle_timeout:g} seconds.",
                )
                await self._ws.close()
                return False
            try:
                event = json.loads(raw)
                if not isinstance(event, dict):
                    raise TypeError
            except (TypeError, ValueError):
                await self._send_error("invalid_json", "The event is not a JSON object.")
                continue
            self._record.events.append(event)
            if await self._dispatch(event):
                return True

    async def _dispatch(self, event: dict[str, Any]) -> bool:
        event_type = event.get("type")
        event_id = event.get("event_id")
        if event_type == "session.update":
            await self._update(event.get("session"), event_id)
        elif event_type == "input_text_buffer.append":
            await self._append(event.get("text"), event_id)
        elif event_type == "input_text_buffer.commit":
            await self._commit(event_id)
        elif event_type == "input_text_buffer.clear":
            self._segmenter.flush()
            self._commit_buffer = ""
            await self._send("input_text_buffer.cleared")
        elif event_type == "session.finish":
            rest = self._segmenter.flush() + self._commit_buffer
            self._commit_buffer = ""
            if self._options.finish_drains or self._record.config["mode"] == "commit":
                self._enqueue(rest)
            else:
                self._drop_queued(rest)
            self._segments.put_nowait(None)
            return True
        else:
            await self._send_error(
                "invalid_value", f"Unknown event type: {event_type!r}.", "type", event_id
            )
        return False

    async def _update(self, session: Any, event_id: Any) -> None:
        assert self._model is not None
        if self._options.update_delay:
            await asyncio.sleep(self._options.update_delay)
        if self._record.updates or self._text_started:
            await self._send_error("invalid_value", _SESSION_UPDATE_REJECTED, None, event_id)
            return
        if not isinstance(session, dict):
            session = {}
        merged = {**self._record.config, **session}
        try:
            catalog.check_session(self._model, merged)
            if merged["response_format"] in ("mp3", "opus"):
                raise InvalidParameterError(
                    "session.response_format",
                    "The simulator produces only pcm and wav audio.",
                )
        except InvalidParameterError as err:
            await self._send_error("invalid_value", err.message, err.param, event_id)
            return
        self._record.updates.append(session)
        self._record.config = merged
        await self._send(
            "session.updated",
            session={
                "id": self._record.id,
                "object": "realtime.session",
                "model": self._model.id,
                **merged,
            },
        )

    async def _append(self, text: Any, event_id: Any) -> None:
        if not isinstance(text, str):
            await self._send_error("invalid_value", "text must be a string.", "text", event_id)
            return
        self._text_chars += len(text)
        limit = self._options.max_text_chars
        if limit is not None and self._text_chars > limit:
            await self._send_error(
                "invalid_value", f"Text exceeds {limit} characters.", "text", event_id
            )
            return
        self._text_started = True
        if self._record.first_text_at is None:
            self._record.first_text_at = time.monotonic()
        if self._record.config["mode"] == "commit":
            if time.monotonic() - self._done_at <= self._options.residue_window:
                self._record.dropped.append(text)
                self._residue = True
            elif await self._busy(text, event_id):
                self._commit_buffer += text
            return
        for segment in self._segmenter.feed(text):
            self._enqueue(segment)

    async def _busy(self, text: str, event_id: Any) -> bool:
        """Whether commit-mode input may go on now (``busy_text`` while a response is active)."""
        if not self._owed:
            return True
        self._record.busy_inputs += 1
        if self._options.busy_text == "queued":
            return True
        if self._options.busy_text == "ignored":
            if text:
                self._record.dropped.append(text)
        else:
            await self._send_error("invalid_value", "A response is in progress.", None, event_id)
        return False

    def _drop_queued(self, rest: str) -> None:
        """``finish_drains=False``: forget what is not being synthesized yet."""
        while not self._segments.empty():
            if segment := self._segments.get_nowait():
                self._record.dropped.append(segment)
        if rest:
            self._record.dropped.append(rest)

    async def _commit(self, event_id: Any) -> None:
        if self._record.config["mode"] == "commit" and not await self._busy("", event_id):
            return
        text = self._segmenter.flush() + self._commit_buffer
        self._commit_buffer = ""
        residue, self._residue = self._residue, False
        if residue and not text:
            await self._send("input_text_buffer.committed", item_id="")
            self._owed += 1
            self._segments.put_nowait("")  # a response with no audio
            return
        if not text:
            await self._send_error(
                "invalid_value",
                "Error committing input text buffer: buffer is empty.",
                None,
                event_id,
            )
            return
        await self._send("input_text_buffer.committed", item_id="")
        if self._record.config["mode"] == "commit":
            self._owed += 1
        self._enqueue(text)

    def _enqueue(self, text: str) -> None:
        if text:
            self._segments.put_nowait(text)

    async def _synthesize_segments(self) -> None:
        while (segment := await self._segments.get()) is not None:
            self._synthesizing = True
            await self._respond(segment)
            self._synthesizing = self._segments.qsize() > 0
            self._owed = max(0, self._owed - 1)
            self._done_at = time.monotonic()

    async def _respond(self, text: str) -> None:
        """Send one full response sequence for ``text``."""
        options = self._options
        config = self._record.config
        index, self._responses = self._responses, self._responses + 1
        if index == (options if self._faults else _NO_FAULTS).silent_response:
            self._record.dropped.append(text)
            text = ""
        if text:
            self._record.spoken.append(text)
        response_id, item_id = _new_id("resp_"), _new_id("item_")
        voice = config["voice"]
        await self._send(
            "response.created",
            response={
                "id": response_id,
                "object": "realtime.response",
                "conversation_id": "",
                "status": "in_progress",
                "voice": voice,
                "output": [],
            },
        )
        item = {
            "id": item_id,
            "object": "realtime.item",
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        }
        await self._send(
            "response.output_item.added", response_id=response_id, output_index=0, item=item
        )
        where = {
            "response_id": response_id,
            "item_id": item_id,
            "output_index": 0,
            "content_index": 0,
        }
        part = {"type": "audio", "text": ""}
        await self._send("response.content_part.added", **where, part=part)
        await self._stream_audio(text, where)
        done_item = {**item, "status": "completed", "content": [part]}
        audio_done = ("response.audio.done", where)
        part_done = ("response.content_part.done", {**where, "part": part})
        item_done = (
            "response.output_item.done",
            {"response_id": response_id, "output_index": 0, "item": done_item},
        )
        order = [audio_done, part_done, item_done]
        if options.event_order == "documented":
            order = [item_done, audio_done, part_done]
        for event_type, fields in order:
            await self._send(event_type, **fields)
        if not options.response_done and config["mode"] == "server_commit":
            return
        await self._send(
            "response.done",
            **({"response_id": response_id} if options.response_id_field else {}),
            response={
                "id": response_id,
                "object": "realtime.response",
                "conversation_id": "",
                "status": "completed",
                "modalities": ["text", "audio"],
                "voice": voice,
                "output": [{**done_item, "content": [{"type": "audio", "transcript": ""}]}],
                "usage": self._usage(text),
            },
        )

    def _usage(self, text: str) -> dict[str, Any]:
        assert self._model is not None
        if self._model.family == "qwen-tts-realtime":
            audio_tokens = max(50, round(len(text) * 12))
            text_tokens = len(text)
            return {
                "total_tokens": text_tokens + audio_tokens,
                "input_tokens": text_tokens,
                "output_tokens": audio_tokens,
                "input_tokens_details": {"text_tokens": text_tokens},
                "output_tokens_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
            }
        return {"characters": catalog.billed_characters(text)}

    async def _stream_audio(self, text: str, where: dict[str, Any]) -> None:
        options = self._options
        config = self._record.config
        record = self._record
        rate = int(config["sample_rate"])
        deltas = _deltas(
            text,
            rate,
            float(config.get("speech_rate", 1.0)),
            float(config.get("pitch_rate", 1.0)),
            int(config.get("volume", 50)),
            config["response_format"] == "wav",
            options.delta_bytes | 1 if options.odd_deltas else max(2, options.delta_bytes & ~1),
        )
        head = json.dumps(where)[1:-1]  # the delta events differ only in id and audio
        loop = asyncio.get_running_loop()
        start = loop.time() + options.first_audio_delay
        if options.first_audio_delay:
            await asyncio.sleep(options.first_audio_delay)
        for index, (offset, delta) in enumerate(deltas):
            await self._before_delta()
            if options.real_time_factor:
                due = start + options.real_time_factor * offset / (2 * rate)
                if (delay := due - loop.time()) > 0:
                    await asyncio.sleep(delay)
                else:
                    record.pacing_lag = max(record.pacing_lag, -delay)
            await self._ws.send(
                f'{{"event_id": "{_new_id("event_")}", "type": "response.audio.delta", '
                f'{head}, "delta": "{delta}"}}'
            )
            if index == 0 and record.first_delta_at is None:
                record.first_delta_at = time.monotonic()
            record.deltas_sent += 1

    async def _before_delta(self) -> None:
        """Inject the configured mid-stream fault, if its delta count is reached."""
        sent = self._record.deltas_sent
        chaos = self._chaos if sent == self._chaos_at else None
        options = self._options if self._faults else _NO_FAULTS
        if sent == options.drop_after_deltas or chaos == "drop":
            self._ws.transport.abort()
            raise _SessionAborted
        if sent == options.error_after_deltas or chaos == "error":
            await self._send_error("InternalError", "Simulated internal error.")
            await self._ws.close(1011, "internal error")
            raise _SessionAborted
        if sent == options.stall_after_deltas or chaos == "stall":
            await self._ws.wait_closed()
            raise _SessionAborted
        if sent == options.garbage_after_deltas or chaos == "garbage":
            await self._send("response.audio.delta", delta="!!not base64!!")
            await self._ws.wait_closed()
            raise _SessionAborted


_NO_FAULTS: Final = SimulatorOptions()


class _SessionAborted(Exception):
    """A fault ended the session (the socket is already dropped or closed)."""


@lru_cache(maxsize=256)
def _deltas(
    text: str,
    rate: int,
    speech_rate: float,
    pitch_rate: float,
    volume: int,
    wav: bool,
    delta_bytes: int,
) -> tuple[tuple[int, str], ...]:
    """The base64 deltas of a segment, with their byte offsets (cached: benchmarks repeat)."""
    pcm = synthesize(text, rate, speech_rate, pitch_rate, volume)
    if wav:
        pcm = wav_header(rate, len(pcm)) + pcm
    step = max(1, delta_bytes)
    return tuple(
        (offset, pybase64.b64encode(pcm[offset : offset + step]).decode("ascii"))
        for offset in range(0, len(pcm), step)
    )
