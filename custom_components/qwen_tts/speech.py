"""From Home Assistant TTS options to a realtime session, and Qwen errors to user errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from wyoming_qwentts import catalog
from wyoming_qwentts.realtime import (
    AuthenticationError,
    InvalidParameterError,
    QwenTtsError,
    SessionConfig,
)

from .const import (
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LEADING_SILENCE,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_PITCH_RATE,
    CONF_SPEECH_RATE,
    CONF_TRAILING_SILENCE,
    CONF_VOICE,
    CONF_VOLUME,
    DEFAULT_OPTIONS,
    DOMAIN,
    MAX_SILENCE_MS,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

OPTION_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_VOICE): vol.All(str, vol.Length(min=1)),
        vol.Optional(CONF_LANGUAGE_TYPE): vol.In(list(catalog.LANGUAGE_TYPES)),
        vol.Optional(CONF_SPEECH_RATE): vol.All(vol.Coerce(float), vol.Range(0.5, 2.0)),
        vol.Optional(CONF_PITCH_RATE): vol.All(vol.Coerce(float), vol.Range(0.5, 2.0)),
        vol.Optional(CONF_VOLUME): vol.All(vol.Coerce(int), vol.Range(0, 100)),
        vol.Optional(CONF_INSTRUCTIONS): str,
        vol.Optional(CONF_OPTIMIZE_INSTRUCTIONS): bool,
        vol.Optional(CONF_LEADING_SILENCE): vol.All(vol.Coerce(int), vol.Range(0, MAX_SILENCE_MS)),
        vol.Optional(CONF_TRAILING_SILENCE): vol.All(vol.Coerce(int), vol.Range(0, MAX_SILENCE_MS)),
    },
    extra=vol.ALLOW_EXTRA,
)
"""The synthesis options a call (or the options flow) may set."""

SYNTHESIS_OPTIONS = tuple(str(key) for key in OPTION_SCHEMA.schema)


@dataclass(frozen=True, slots=True)
class Speech:
    """What to ask the service for, and the silence to wrap the audio in."""

    config: SessionConfig
    leading_silence: bytes
    trailing_silence: bytes


def entry_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """The synthesis settings of an entry: its options over the defaults."""
    return {
        **{key: DEFAULT_OPTIONS[key] for key in SYNTHESIS_OPTIONS},
        **{key: value for key, value in options.items() if key in SYNTHESIS_OPTIONS},
    }


def session_config(model: catalog.Model, options: Mapping[str, Any]) -> SessionConfig:
    """The session for already-validated options; InvalidParameterError if the model objects."""
    language_type = options.get(CONF_LANGUAGE_TYPE)
    instructions = options.get(CONF_INSTRUCTIONS) or None
    config = SessionConfig(
        voice=options.get(CONF_VOICE) or model.default_voice or "",
        language_type=None if language_type in (None, "Auto") else language_type,
        speech_rate=_unless_default(options.get(CONF_SPEECH_RATE), "speech_rate", model),
        pitch_rate=_unless_default(options.get(CONF_PITCH_RATE), "pitch_rate", model),
        volume=_unless_default(options.get(CONF_VOLUME), "volume", model),
        instructions=instructions,
        optimize_instructions=bool(options.get(CONF_OPTIMIZE_INSTRUCTIONS)) or None,
    )
    config.to_session(model)
    return config


def _unless_default(value: Any, name: str, model: catalog.Model) -> Any:
    """Leave a setting at the service default when it equals it (models without it accept that)."""
    if value is None or (value == catalog.DEFAULTS[name] and name not in model.parameters):
        return None
    return value


def build_speech(
    model: catalog.Model, options: Mapping[str, Any], sample_rate: int | None = None
) -> Speech:
    """Validate a call's merged options; raise a translated ServiceValidationError."""
    try:
        values = OPTION_SCHEMA(dict(options))
    except vol.Invalid as err:
        raise invalid_option(str(err)) from err
    try:
        config = session_config(model, values)
    except InvalidParameterError as err:
        raise invalid_option(err.message) from err
    if sample_rate in model.sample_rates:  # a native rate spares Home Assistant a resample
        config = replace(config, sample_rate=sample_rate)
    rate = config.sample_rate
    return Speech(
        config,
        silence(rate, values.get(CONF_LEADING_SILENCE, 0)),
        silence(rate, values.get(CONF_TRAILING_SILENCE, 0)),
    )


def invalid_option(message: str) -> ServiceValidationError:
    """The translated error of a speech option the model (or the schema) does not accept."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_option",
        translation_placeholders={"message": message},
    )


def silence(sample_rate: int, milliseconds: int) -> bytes:
    """PCM16 mono silence."""
    return bytes(catalog.PCM_WIDTH * (sample_rate * milliseconds // 1000))


def translate_error(
    hass: HomeAssistant, entry: ConfigEntry[Any], err: QwenTtsError
) -> HomeAssistantError:
    """A HomeAssistantError the user can act on, translated by the error's own code; a
    rejected key also starts reauthentication."""
    if isinstance(err, InvalidParameterError):
        return invalid_option(err.message)
    if isinstance(err, AuthenticationError):
        entry.async_start_reauth(hass)
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=err.code.replace("-", "_"),
        translation_placeholders={"error": str(err)},
    )
