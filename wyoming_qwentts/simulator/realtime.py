"""The simulator's realtime script: Qwen-TTS realtime (``/api-ws/v1/realtime``).

It follows ``qwen-realtime-protocol.md``: the measured event order, per-model validation
from the catalog, ``server_commit`` segmentation, ``usage.characters``, and the documented
quirks, each disputed one behind a knob of :class:`~.options.SimulatorOptions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from functools import lru_cache
from typing import Any, Final

import pybase64
from websockets.asyncio.server import ServerConnection

from .. import catalog
from ..audio import wav_header
from ..core.errors import InvalidParameterError
from ..core.segmenter import Segmenter
from ..realtime.wire import params_of_session, wire_name
from .faults import FaultPlan, SessionAborted
from .options import HANDSHAKE_BODIES, SimulatedSession, SimulatorOptions, new_id
from .speech import synthesize

_MODES: Final = ("server_commit", "commit")
_SESSION_UPDATE_REJECTED: Final = (
    "Session update error: session already started or finished or failed."
)


class RealtimeScript:
    """One simulated realtime session (one socket)."""

    def __init__(
        self,
        options: SimulatorOptions,
        connection: ServerConnection,
        record: SimulatedSession,
        plan: FaultPlan,
        *,
        throttled: bool,
    ) -> None:
        self._options = options
        self._ws = connection
        self._record = record
        self._throttled = throttled
        self._model = (
            None if record.model in options.retired_models else catalog.MODELS.get(record.model)
        )
        record.config = {
            "mode": "server_commit",
            "voice": (self._model.default_voice if self._model else None) or "Cherry",
            "language_type": "Auto",
            "response_format": "pcm",
            "sample_rate": self._model.default_sample_rate if self._model else 24000,
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
        self._plan = plan

    async def _send(self, event_type: str, **fields: Any) -> None:
        await self._ws.send(
            json.dumps({"event_id": new_id("event_"), "type": event_type, **fields})
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
            await self._send_error("Throttling.RateQuota", HANDSHAKE_BODIES[429][1])
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
            if merged["mode"] not in _MODES:
                raise InvalidParameterError(
                    "mode",
                    f"Invalid mode {merged['mode']!r}; expected 'server_commit' or 'commit'.",
                )
            catalog.check_params(self._model, params_of_session(merged))
            if merged["response_format"] in ("mp3", "opus"):
                raise InvalidParameterError(
                    "format", "The simulator produces only pcm and wav audio."
                )
        except InvalidParameterError as err:
            await self._send_error("invalid_value", err.message, wire_name(err.field), event_id)
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
            self._record.first_text = text
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
        if index == self._plan.options.silent_response:
            self._record.dropped.append(text)
            text = ""
        if text:
            self._record.spoken.append(text)
        response_id, item_id = new_id("resp_"), new_id("item_")
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
                f'{{"event_id": "{new_id("event_")}", "type": "response.audio.delta", '
                f'{head}, "delta": "{delta}"}}'
            )
            if index == 0 and record.first_delta_at is None:
                record.first_delta_at = time.monotonic()
            record.deltas_sent += 1

    async def _before_delta(self) -> None:
        """Inject the configured mid-stream fault, if its delta count is reached."""
        fault = self._plan.due(self._record.deltas_sent)
        if fault == "drop":
            self._ws.transport.abort()
            raise SessionAborted
        if fault == "error":
            await self._send_error("InternalError", "Simulated internal error.")
            await self._ws.close(1011, "internal error")
            raise SessionAborted
        if fault == "stall":
            await self._ws.wait_closed()
            raise SessionAborted
        if fault == "garbage":
            await self._send("response.audio.delta", delta="!!not base64!!")
            await self._ws.wait_closed()
            raise SessionAborted


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
