"""The simulator's realtime responses: the event sequence of a response, its audio deltas
and its usage, and the mid-stream faults (the part of the realtime script that speaks)."""

from __future__ import annotations

import asyncio
import json
import time
from functools import lru_cache
from typing import Any

import pybase64

from .. import catalog
from ..core.pcm import wav_header
from ..core.sentences import SentenceSplitter
from .faults import SessionAborted
from .options import new_id
from .script import Script
from .voice import synthesize


class RealtimeResponses(Script):
    """A realtime session's state and what it sends (the script reads the client's side)."""

    def _start_state(self) -> None:
        options, record = self._options, self._record
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
        self._splitter = SentenceSplitter(options.segment_chars)
        self._commit_buffer = ""
        self._text_started = False
        self._text_chars = 0
        self._synthesizing = False
        self._owed = 0
        """Commit-mode responses acknowledged and not yet done."""
        self._done_at = float("-inf")
        self._residue = False
        self._responses = 0

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
