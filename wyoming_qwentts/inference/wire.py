"""The inference protocol's wire format (``/api-ws/v1/inference``): client events, the
run-task ``parameters`` to and from neutral speech parameters, and the server's events read.

The same verbs as :mod:`wyoming_qwentts.realtime.wire`: :func:`event` builds a client
event, :func:`is_type` tells a server event's type, :func:`error_from_event` makes the
library's error of a ``task-failed`` (or ``error``) event, :func:`to_wire` /
:func:`from_wire` map the neutral parameters. Events and fields: the vendor's
"CosyVoice / Qwen-Audio-TTS speech synthesis WebSocket API" pages and the ``dashscope``
SDK's ``audio/tts_v2/speech_synthesizer.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from .. import catalog
from ..core.errors import QwenTtsError, RateLimitError, ServiceError
from ..core.params import SpeechParams

PATH: Final = "/api-ws/v1/inference"

Action = Literal["run-task", "continue-task", "finish-task"]
Streaming = Literal["duplex", "out"]

WIRE_NAMES: Final[Mapping[str, str]] = {"instructions": "instruction"}
"""Neutral names that the inference protocol spells differently."""
_NUMBERS: Final = ("rate", "pitch", "volume", "bit_rate", "seed")
_VOICE_ENGINE_CODES: Final = re.compile(r"\b(418|411)\b")
"""Engine errors that field reports tie to a voice the model does not have."""


def to_wire(model: catalog.Model, params: SpeechParams, *, ssml: bool) -> dict[str, Any]:
    """The run-task ``parameters`` for ``params`` (validated: InvalidParameterError)."""
    catalog.check_params(model, params)
    result: dict[str, Any] = {
        "text_type": "PlainText",
        "format": params.format,
        "sample_rate": params.sample_rate or model.default_sample_rate,
    }
    if model.streaming_input:  # a Sambert model is its voice: it takes none
        result["voice"] = params.voice or model.default_voice
        result["enable_ssml"] = ssml
    for name in _NUMBERS:
        if (value := getattr(params, name)) is not None:
            result[name] = value
    if params.instructions:
        result["instruction"] = params.instructions
    if params.language is not None:
        result["language_hints"] = [params.language]
    return result


def from_wire(parameters: Mapping[str, Any]) -> SpeechParams:
    """The neutral parameters of a run-task ``parameters`` object (for the simulator).

    Unknown keys are ignored, as the service ignores them (the SDK sends ``type``).
    """
    values: dict[str, Any] = {}
    for name in ("voice", "format", "sample_rate", *_NUMBERS):
        if parameters.get(name) is not None:
            values[name] = parameters[name]
    if parameters.get("instruction") is not None:
        values["instructions"] = parameters["instruction"]
    hints = parameters.get("language_hints")
    if isinstance(hints, list) and hints:
        values["language"] = hints[0]  # only the first is used
    return SpeechParams(**values)


def event(
    action: Action,
    task_id: str,
    payload: dict[str, Any],
    streaming: Streaming = "duplex",
) -> str:
    """A client event as its JSON text."""
    header = {"action": action, "task_id": task_id, "streaming": streaming}
    return json.dumps({"header": header, "payload": payload}, ensure_ascii=False)


def run_task(
    task_id: str, model: catalog.Model, parameters: dict[str, Any], text: str | None = None
) -> str:
    """``run-task``; Sambert (no streaming input) takes its whole ``text`` here."""
    payload = {
        "task_group": "audio",
        "task": "tts",
        "function": "SpeechSynthesizer",
        "model": model.id,
        "parameters": parameters,
        "input": {} if text is None else {"text": text},
    }
    return event("run-task", task_id, payload, "duplex" if model.streaming_input else "out")


def continue_task(task_id: str, text: str) -> str:
    """``continue-task`` with a piece of text."""
    return event("continue-task", task_id, {"input": {"text": text}})


def flush_task(task_id: str) -> str:
    """A ``continue-task`` that makes the service synthesize what it holds now."""
    return event("continue-task", task_id, {"input": {"flush": True}})


def finish_task(task_id: str) -> str:
    """``finish-task``: no more text; the service speaks the rest, then ``task-finished``."""
    return event("finish-task", task_id, {"input": {}})


def is_type(event: Mapping[str, Any], name: str) -> bool:
    """Whether a server event is ``name`` (``task-started``, ``task-finished`` …)."""
    header = event.get("header")
    return isinstance(header, dict) and header.get("event") == name


def error_from_event(event: Mapping[str, Any], *, voice: str | None, model: str) -> QwenTtsError:
    """The error a ``task-failed`` event (or an ``error`` event) stands for."""
    header = _object(event.get("header"))
    payload = _object(event.get("payload"))
    code = str(
        header.get("error_code") or event.get("error_code") or payload.get("code") or "TaskFailed"
    )
    message = str(
        header.get("error_message")
        or event.get("error_message")
        or payload.get("message")
        or "The task failed."
    )
    if "rate limit" in message.lower() or code.startswith("Throttling"):
        return RateLimitError(code, message)
    if _VOICE_ENGINE_CODES.search(f"{code} {message}") or "voice" in message.lower():
        return catalog.refused_voice(model, voice, f"{message} ({code})")
    error = ServiceError(code, message)
    if "invalid" in code.lower() or "invalid" in message.lower():
        error.transient = False  # a refused request is refused again
    return error


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
