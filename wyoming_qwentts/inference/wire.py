"""The inference protocol's client events, and neutral parameters to and from their
``parameters`` object."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final, Literal

from .. import catalog
from ..core.params import SpeechParams

Action = Literal["run-task", "continue-task", "finish-task"]
Streaming = Literal["duplex", "out"]

WIRE_NAMES: Final[Mapping[str, str]] = {"instructions": "instruction"}
"""Neutral names that the inference protocol spells differently."""
_NUMBERS: Final = ("rate", "pitch", "volume", "bit_rate", "seed")


def parameters(model: catalog.Model, params: SpeechParams, *, ssml: bool) -> dict[str, Any]:
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


def params_of(parameters: Mapping[str, Any]) -> SpeechParams:
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
