"""The simulator's realtime script: Qwen-TTS realtime (``/api-ws/v1/realtime``).

It follows the vendor's client and server event references: the measured event order,
per-model validation from the catalog, ``server_commit`` segmentation, ``usage.characters``,
and the documented quirks, each disputed one behind a knob of
:class:`~.options.SimulatorOptions`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any, Final

from .. import catalog
from ..core.errors import InvalidParameterError
from ..realtime import wire
from .options import HANDSHAKE_BODIES, knows_voice
from .realtime_responses import RealtimeResponses

_MODES: Final = ("server_commit", "commit")
_SESSION_UPDATE_REJECTED: Final = (
    "Session update error: session already started or finished or failed."
)


class RealtimeScript(RealtimeResponses):
    """One simulated realtime session (one socket): the client's events, as the service
    answers them."""

    protocol = "realtime"
    path = wire.PATH

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
            self._splitter.flush()
            self._commit_buffer = ""
            await self._send("input_text_buffer.cleared")
        elif event_type == "session.finish":
            rest = self._splitter.flush() + self._commit_buffer
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
            params = wire.from_wire(merged)
            catalog.check_params(self._model, params)
            if not knows_voice(self._options, self._speaks, self._model, params.voice):
                raise InvalidParameterError("voice", f"Voice {params.voice!r} not found.")
            if merged["response_format"] in ("mp3", "opus"):
                raise InvalidParameterError(
                    "format", "The simulator produces only pcm and wav audio."
                )
        except InvalidParameterError as err:
            param = wire.wire_name(err.field)
            await self._send_error("invalid_value", err.message, param, event_id)
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
        for segment in self._splitter.feed(text):
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
        text = self._splitter.flush() + self._commit_buffer
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
