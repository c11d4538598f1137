"""The simulator's inference script: run-task / continue-task / finish-task and binary audio.

It follows the vendor's event reference: a socket runs tasks one after another, each with a new
task id; text is accepted only after ``task-started``; complete sentences are synthesized as
they arrive, an incomplete one on ``flush`` or at ``finish-task``; an SSML task takes one
``continue-task`` (its markup stripped before encoding); Sambert takes its whole text in
``run-task``. A task ends with ``task-finished`` (usage, and the ``output.sentence`` the
Sambert SDK reads) or ``task-failed``, after which the socket is closed. A socket without a
task for ``task_idle_timeout`` seconds is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from .. import catalog
from ..core.errors import InvalidParameterError
from ..core.pcm import wav_header
from ..core.sentences import SentenceSplitter
from ..core.ssml import ssml_text
from ..inference import wire
from .faults import SessionAborted
from .options import HANDSHAKE_BODIES, SimulatorOptions, knows_voice
from .script import Script
from .voice import duration_seconds, synthesize

_PROTOCOL_VIOLATION: Final = "Invalid action('{}')! Please follow the protocol!"
_VOICE_ERROR: Final = "[tts:]Engine return error code: 418"


class TaskFailed(Exception):
    """Ends the task with ``task-failed`` (and the socket with it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class _Task:
    id: str
    model: catalog.Model
    parameters: dict[str, Any]
    ssml: bool
    started: bool = False
    pieces: int = 0
    characters: int = 0
    spoken_ms: float = 0.0
    splitter: SentenceSplitter = field(default_factory=lambda: SentenceSplitter(120))
    document: str = ""
    """An SSML task's text (spoken, without its markup, at the end)."""
    first_text: tuple[str, float] | None = None
    heard: bool = False

    def rest(self) -> str:
        """What ``finish-task`` (or a flush) leaves to synthesize."""
        if self.ssml:
            document, self.document = self.document, ""
            return ssml_text(document)
        return self.splitter.flush()


class InferenceScript(Script):
    """One simulated inference socket."""

    protocol = "inference"
    path = wire.PATH

    def _start_state(self) -> None:
        self._task: _Task | None = None
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        """Text of the current task to synthesize; None: the task is finished."""
        self._synthesizer: asyncio.Task[None] | None = None
        self._starter: asyncio.Task[None] | None = None
        self._tasks_run = 0

    async def run(self) -> None:
        try:
            while True:
                event = await self._next_event()
                if event is None:
                    return
                try:
                    await self._dispatch(event)
                except TaskFailed as failure:
                    await self._fail(failure)
                    return
        finally:
            for task in (self._starter, self._synthesizer):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, SessionAborted):
                        await task

    async def _next_event(self) -> dict[str, Any] | None:
        """The next client event; None when the socket is to close (idle, or gone)."""
        timeout = None if self._task is not None else self._options.task_idle_timeout
        try:
            async with asyncio.timeout(timeout):
                raw = await self._ws.recv()
        except TimeoutError:
            await self._ws.close()  # no task for too long: the service hangs up
            return None
        try:
            event = json.loads(raw)
            if not isinstance(event, dict) or not isinstance(event.get("header"), dict):
                raise TypeError
        except (TypeError, ValueError):
            event = {"header": {"action": None}, "raw": str(raw)[:200]}
        self._record.events.append(event)
        return event

    async def _dispatch(self, event: dict[str, Any]) -> None:
        header = event["header"]
        action = header.get("action")
        payload = _object(event.get("payload"))
        task = self._task
        if action == "run-task":
            await self._run_task(str(header.get("task_id") or ""), header, payload)
            return
        if task is None or not task.started or header.get("task_id") != task.id:
            raise TaskFailed("InvalidParameter", _PROTOCOL_VIOLATION.format(action))
        if action == "continue-task":
            self._continue(task, payload.get("input"))
        elif action == "finish-task":
            if rest := task.rest():
                self._queue.put_nowait(rest)
            self._queue.put_nowait(None)
        else:
            raise TaskFailed("InvalidParameter", _PROTOCOL_VIOLATION.format(action))

    async def _run_task(
        self, task_id: str, header: dict[str, Any], payload: dict[str, Any]
    ) -> None:
        if self._task is not None:
            raise TaskFailed("InvalidParameter", _PROTOCOL_VIOLATION.format("run-task"))
        if not task_id or task_id in self._record.tasks:
            raise TaskFailed("InvalidParameter", f"Duplicate or missing task_id {task_id!r}.")
        if self._throttled:  # throttle_style == "event"
            raise TaskFailed("Throttling.RateQuota", HANDSHAKE_BODIES[429][1])
        model = catalog.MODELS.get(str(payload.get("model")))
        if model is None or model.protocol != "inference":
            raise TaskFailed("ModelNotFound", f"Model not exist: {payload.get('model')!r}.")
        parameters = _object(payload.get("parameters"))
        self._record.model = model.id
        self._record.tasks.append(task_id)
        self._record.config = parameters
        _check(self._options, self._speaks, model, parameters, header)
        ssml = bool(parameters.get("enable_ssml"))
        task = self._task = _Task(task_id, model, parameters, ssml)
        if self._options.task_start_delay:  # text that comes before task-started fails
            self._starter = asyncio.create_task(self._start(task))
        else:
            await self._start(task)
        if not model.streaming_input:  # Sambert: the whole text came with run-task
            text = _object(payload.get("input")).get("text")
            if not isinstance(text, str) or not text:
                raise TaskFailed("InvalidParameter", "input.text is required.")
            self._add_text(task, text)
            if rest := task.rest():
                self._queue.put_nowait(rest)
            self._queue.put_nowait(None)

    async def _start(self, task: _Task) -> None:
        if self._options.task_start_delay:
            await asyncio.sleep(self._options.task_start_delay)
        self._synthesizer = asyncio.create_task(self._synthesize())
        task.started = True  # set before the event goes: a reply to it may come at once
        await self._event("task-started", {})

    def _continue(self, task: _Task, payload_input: Any) -> None:
        payload_input = _object(payload_input)
        if payload_input.get("flush") is True:
            if not task.ssml and (rest := task.rest()):
                self._queue.put_nowait(rest)
            return
        text = payload_input.get("text")
        if not isinstance(text, str):
            raise TaskFailed("InvalidParameter", "input.text must be a string.")
        task.pieces += 1
        if task.ssml and task.pieces > 1:
            raise TaskFailed("InvalidParameter", "Text request limit violated, expected 1.")
        self._add_text(task, text)

    def _add_text(self, task: _Task, text: str) -> None:
        record = self._record
        if record.first_text_at is None:
            record.first_text_at = time.monotonic()
            record.first_text = text
        if task.first_text is None:
            task.first_text = (text, time.monotonic())
        limit = self._options.max_text_chars
        task.characters += len(text)
        if limit is not None and task.characters > limit:
            raise TaskFailed("InvalidParameter", f"Text exceeds {limit} characters.")
        if task.ssml:
            task.document += text  # one document: synthesized at the end
            return
        for sentence in task.splitter.feed(text):
            self._queue.put_nowait(sentence)

    # Synthesis ---------------------------------------------------------------------------

    async def _synthesize(self) -> None:
        """Speak the current task's text as it is queued; end it with task-finished."""
        task = self._task
        assert task is not None
        index, self._tasks_run = self._tasks_run, self._tasks_run + 1
        silent = index == self._plan.options.silent_response
        billed = 0
        while (text := await self._queue.get()) is not None:
            if silent:
                self._record.dropped.append(text)
                continue
            self._record.spoken.append(text)
            billed += catalog.billed_characters(text)
            await self._stream(task, text)
            await self._event("result-generated", self._output(task, billed))
        finished = self._output(task, billed)
        self._task = None
        self._record.finished = True
        await self._event("task-finished", finished)
        if self._record.task_done is not None:
            self._record.task_done(self._record)

    def _output(self, task: _Task, characters: int) -> dict[str, Any]:
        sentence = {"index": 0, "begin_time": 0, "end_time": round(task.spoken_ms), "words": []}
        return {"output": {"sentence": sentence}, "usage": {"characters": characters}}

    async def _stream(self, task: _Task, text: str) -> None:
        options = self._options
        parameters = task.parameters
        rate = int(parameters.get("sample_rate") or task.model.default_sample_rate)
        speech_rate = float(parameters.get("rate", 1.0))
        pcm = synthesize(
            text,
            rate,
            speech_rate,
            float(parameters.get("pitch", 1.0)),
            int(parameters.get("volume", 50)),
        )
        if parameters.get("format") == "wav" and not task.spoken_ms:
            pcm = wav_header(rate) + pcm
        task.spoken_ms += 1000 * duration_seconds(text, speech_rate)
        step = options.delta_bytes | 1 if options.odd_deltas else max(2, options.delta_bytes & ~1)
        loop = asyncio.get_running_loop()
        if options.first_audio_delay:
            await asyncio.sleep(options.first_audio_delay)
        start = loop.time()
        record = self._record
        for offset in range(0, len(pcm), step):
            await self._before_frame(task)
            if options.real_time_factor:
                due = start + options.real_time_factor * offset / (2 * rate)
                if (delay := due - loop.time()) > 0:
                    await asyncio.sleep(delay)
                else:
                    record.pacing_lag = max(record.pacing_lag, -delay)
            await self._ws.send(pcm[offset : offset + step])
            if record.first_delta_at is None:
                record.first_delta_at = time.monotonic()
            if not task.heard and task.first_text is not None:
                task.heard = True
                record.task_firsts.append((*task.first_text, time.monotonic()))
            record.deltas_sent += 1

    async def _before_frame(self, task: _Task) -> None:
        """Inject the configured mid-task fault, if its frame count is reached."""
        fault = self._plan.due(self._record.deltas_sent)
        if fault == "drop":
            self._ws.transport.abort()
            raise SessionAborted
        if fault == "error":
            await self._fail(TaskFailed("InternalError", "Simulated internal error."))
            raise SessionAborted
        if fault == "stall":
            await self._ws.wait_closed()
            raise SessionAborted
        if fault == "garbage":  # frames no client should trip over: not JSON, no event
            await self._ws.send("!!not json!!")
            await self._ws.send(json.dumps({"header": {"task_id": task.id}, "payload": {}}))

    # Events ------------------------------------------------------------------------------

    async def _event(self, name: str, payload: dict[str, Any]) -> None:
        task_id = self._task.id if self._task is not None else self._record.tasks[-1]
        header = {"task_id": task_id, "event": name, "attributes": {}}
        await self._ws.send(json.dumps({"header": header, "payload": payload}))

    async def _fail(self, failure: TaskFailed) -> None:
        """Send the failure as ``failure_style`` says, and close the socket."""
        task_id = self._record.tasks[-1] if self._record.tasks else ""
        header: dict[str, Any] = {"task_id": task_id, "event": "task-failed", "attributes": {}}
        event: dict[str, Any] = {"header": header, "payload": {}}
        style = self._options.failure_style
        if style == "header":
            header.update(error_code=failure.code, error_message=failure.message)
        elif style == "top-level":
            event.update(error_code=failure.code, error_message=failure.message)
        else:
            header["event"] = "error"
            event["payload"] = {"code": failure.code, "message": failure.message}
        self._task = None
        with contextlib.suppress(Exception):
            await self._ws.send(json.dumps(event))
            await self._ws.close()


def _check(
    options: SimulatorOptions,
    speaks: Callable[[str, str], bool],
    model: catalog.Model,
    parameters: dict[str, Any],
    header: dict[str, Any],
) -> None:
    """Refuse what the service refuses: parameters the model does not take, a voice of
    another model (as the engine error fields report), the wrong streaming mode."""
    expected = "duplex" if model.streaming_input else "out"
    if header.get("streaming") != expected:
        raise TaskFailed("InvalidParameter", f"{model.id} takes streaming {expected!r}.")
    params = wire.from_wire(parameters)
    try:
        catalog.check_params(model, params)
        if params.format in ("mp3", "opus"):
            raise InvalidParameterError("format", "The simulator produces only pcm and wav audio.")
        if not knows_voice(options, speaks, model, params.voice):
            raise InvalidParameterError("voice", "Unknown voice.")
    except InvalidParameterError as err:
        message = _VOICE_ERROR if err.field == "voice" else err.message
        raise TaskFailed("InvalidParameter", message) from None


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
