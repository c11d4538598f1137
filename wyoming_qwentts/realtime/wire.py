"""Neutral speech parameters to and from the realtime ``session`` object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from .. import catalog
from ..catalog.validation import choices
from ..core.errors import InvalidParameterError
from ..core.params import SpeechParams
from .config import Mode

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


def session_object(model: catalog.Model, params: SpeechParams, mode: Mode) -> dict[str, Any]:
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


def wire_name(field: str) -> str:
    """The ``session.*`` path of a neutral field (for the simulator's error events)."""
    return f"session.{WIRE_NAMES.get(field, field)}"


def params_of_session(session: Mapping[str, Any]) -> SpeechParams:
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
