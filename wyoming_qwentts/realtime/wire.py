"""The realtime protocol's wire format (``/api-ws/v1/realtime``): client events, the
``session`` object to and from neutral speech parameters, and the server's events read.

The same verbs as :mod:`wyoming_qwentts.inference.wire`: :func:`event` builds a client
event, :func:`is_type` tells a server event's type, :func:`error_from_event` makes the
library's error of an ``error`` event, :func:`to_wire` / :func:`from_wire` map the neutral
parameters. Event names and fields: the vendor's "Qwen-TTS Realtime API" client and server
event references (alibabacloud.com/help/en/model-studio/qwen-tts-realtime-api).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

from .. import catalog
from ..catalog.validation import choices
from ..core.errors import InvalidParameterError, QwenTtsError, RateLimitError, ServiceError
from ..core.params import SpeechParams

PATH: Final = "/api-ws/v1/realtime"

Mode = Literal["server_commit", "commit"]
"""``commit``: the client decides when text is synthesized (the speaker's segments);
``server_commit``: the service cuts the appended text itself."""

WIRE_NAMES: Final[Mapping[str, str]] = {
    "rate": "speech_rate",
    "pitch": "pitch_rate",
    "format": "response_format",
    "language": "language_type",
}
"""Neutral names that the realtime protocol spells differently."""
_NEUTRAL_NAMES: Final = {wire: name for name, wire in WIRE_NAMES.items()}
_LANGUAGE_TYPES: Final = {code: name for name, code in catalog.LANGUAGE_TYPES.items() if code}
_WIRE_FIELDS: Final = (
    "voice", "language", "format", "sample_rate", "rate", "volume", "pitch", "bit_rate",
    "instructions", "optimize_instructions",
)  # fmt: skip
_DELTA_TYPE: Final = re.compile(r'"type"\s*:\s*"response\.audio\.delta"')
_DELTA_FIELD: Final = re.compile(r'"delta"\s*:\s*"')


def to_wire(model: catalog.Model, params: SpeechParams, mode: Mode) -> dict[str, Any]:
    """The ``session.update`` payload for ``params`` (validated: InvalidParameterError)."""
    catalog.check_params(model, params)
    session: dict[str, Any] = {
        "voice": params.voice or model.default_voice,
        "mode": mode,
        "response_format": params.format,
        "sample_rate": params.sample_rate or model.default_sample_rate,
    }
    for name in _WIRE_FIELDS[4:]:
        if (value := getattr(params, name)) is not None:
            session[WIRE_NAMES.get(name, name)] = value
    if params.language is not None:
        session["language_type"] = _LANGUAGE_TYPES[params.language]
    return session


def from_wire(session: Mapping[str, Any]) -> SpeechParams:
    """The neutral parameters of a ``session`` object (unknown keys are ignored, as the
    service ignores them). ``language_type`` ``Auto`` is no language."""
    values: dict[str, Any] = {}
    for key, value in session.items():
        name = _NEUTRAL_NAMES.get(key, key)
        if name in _WIRE_FIELDS and value is not None:
            values[name] = value
    language = values.pop("language", None)
    if language is not None:
        if not isinstance(language, str) or language not in catalog.LANGUAGE_TYPES:
            allowed = tuple(catalog.LANGUAGE_TYPES)
            raise InvalidParameterError(
                "language",
                f"Invalid language_type {language!r}; expected one of {choices(allowed)}.",
                allowed,
            )
        values["language"] = catalog.LANGUAGE_TYPES[language]
    return SpeechParams(**values)


def wire_name(field: str) -> str:
    """The ``session.*`` path of a neutral field (for the simulator's error events)."""
    return f"session.{WIRE_NAMES.get(field, field)}"


def event(event_type: str, event_id: str, **fields: Any) -> str:
    """A client event as its JSON text."""
    return json.dumps({"event_id": event_id, "type": event_type, **fields}, ensure_ascii=False)


def is_type(event: Mapping[str, Any], event_type: str) -> bool:
    """Whether a server event is of ``event_type``."""
    return event.get("type") == event_type


def error_from_event(
    event: Mapping[str, Any], *, voice: str | None = None, model: str = ""
) -> QwenTtsError:
    """The error of an ``error`` event (any subset of its ``error`` object's fields); one
    about the session's ``voice`` is the invalid-voice error, naming ``model``'s closest."""
    error = event.get("error")
    if not isinstance(error, dict):
        error = {}
    code = str(error.get("code") or "unknown_error")
    message = str(error.get("message") or "The service reported an error.")
    param = error.get("param") if isinstance(error.get("param"), str) else None
    if code.startswith("Throttling"):
        return RateLimitError(code, message, param)
    if param == "session.voice" and model:
        return catalog.refused_voice(model, voice, f"{message} ({code})")
    return ServiceError(code, message, param)


def audio_delta(data: str) -> str | None:
    """The base64 audio of a ``response.audio.delta`` frame, read without parsing its JSON.

    Deltas are nearly all the traffic; base64 holds no quotes or escapes, so the string after
    ``"delta":"`` runs to the next quote. Anything unexpected takes the JSON path instead.
    """
    head = _DELTA_TYPE.search(data, 0, 256)
    if head is None:
        return None
    field = _DELTA_FIELD.search(data, head.end())
    if field is None:
        return None
    end = data.find('"', field.end())
    return data[field.end() : end] if end != -1 else None
