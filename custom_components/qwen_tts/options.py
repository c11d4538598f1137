"""The integration's synthesis options: their schema, their defaults, what they ask of the
service (speech parameters, checked by the catalog), and the library's errors as user
errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from wyoming_qwentts import catalog
from wyoming_qwentts.core import (
    AuthenticationError,
    InvalidParameterError,
    QwenTtsError,
    SpeechParams,
)
from wyoming_qwentts.core.pcm import PCM_WIDTH
from wyoming_qwentts.speech.announcement import LOUDNESS_RANGE, Announcement

from .const import (
    CONF_CHIME,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LEADING_SILENCE,
    CONF_LOUDNESS,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_PITCH_RATE,
    CONF_SPEECH_RATE,
    CONF_TRAILING_SILENCE,
    CONF_VOICE,
    CONF_VOLUME,
    DEFAULT_OPTIONS,
    DOMAIN,
    MAX_SILENCE_MS,
    PROSODY,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

OPTION_SCHEMA = vol.Schema(
    {
        vol.Optional(CONF_VOICE): vol.All(str, vol.Length(min=1)),
        vol.Optional(CONF_LANGUAGE_TYPE): vol.In(list(catalog.LANGUAGE_TYPES)),
        vol.Optional(CONF_SPEECH_RATE): vol.Coerce(float),  # ranges: the model's, checked by
        vol.Optional(CONF_PITCH_RATE): vol.Coerce(float),  # the catalog with the rest
        vol.Optional(CONF_VOLUME): vol.Coerce(int),
        vol.Optional(CONF_INSTRUCTIONS): str,
        vol.Optional(CONF_OPTIMIZE_INSTRUCTIONS): bool,
        vol.Optional(CONF_LEADING_SILENCE): vol.All(vol.Coerce(int), vol.Range(0, MAX_SILENCE_MS)),
        vol.Optional(CONF_TRAILING_SILENCE): vol.All(vol.Coerce(int), vol.Range(0, MAX_SILENCE_MS)),
        vol.Optional(CONF_CHIME): vol.Any(None, str),
        vol.Optional(CONF_LOUDNESS): vol.Any(
            None, vol.All(vol.Coerce(float), vol.Range(*LOUDNESS_RANGE))
        ),
    },
    extra=vol.ALLOW_EXTRA,
)
"""The synthesis options a call (or the options flow) may set, with their types; what a
model accepts of them is the catalog's to say (:func:`speech_params`)."""

SYNTHESIS_OPTIONS = tuple(str(key) for key in OPTION_SCHEMA.schema)


@dataclass(frozen=True, slots=True)
class Speech:
    """What to ask the service for (and which model), and the silence to wrap the audio in."""

    model: catalog.Model
    params: SpeechParams
    sample_rate: int
    leading_silence: bytes
    trailing_silence: bytes
    announcement: Announcement = field(default_factory=Announcement)
    """The chime (a built-in name or a file's path, as the user gave it) and loudness."""


def entry_defaults(options: Mapping[str, Any]) -> dict[str, Any]:
    """The synthesis settings of an entry: its options over the defaults."""
    return {
        **{key: DEFAULT_OPTIONS[key] for key in SYNTHESIS_OPTIONS},
        **{key: value for key, value in options.items() if key in SYNTHESIS_OPTIONS},
    }


def speech_params(model: catalog.Model, options: Mapping[str, Any]) -> SpeechParams:
    """The parameters for already-typed options; InvalidParameterError if the model objects.

    A prosody option at its default is left out for a model that does not take it, so the
    entry's defaults suit every model.
    """
    language_type = options.get(CONF_LANGUAGE_TYPE)
    values: dict[str, Any] = {
        "voice": options.get(CONF_VOICE) or model.default_voice,
        "language": catalog.LANGUAGE_TYPES.get(language_type) if language_type else None,
        "instructions": options.get(CONF_INSTRUCTIONS) or None,
        "optimize_instructions": bool(options.get(CONF_OPTIMIZE_INSTRUCTIONS)) or None,
    }
    for key, name in PROSODY.items():
        value = options.get(key)
        if value is not None and (name in model.ranges or value != DEFAULT_OPTIONS[key]):
            values[name] = value
    params = SpeechParams(**values)
    catalog.check_params(model, params)
    return params


def other_model_of(model: catalog.Model, voice: str) -> catalog.Model | None:
    """The model whose system voice ``voice`` is, when it is not ``model``'s (voices are not
    interchangeable: an entity speaks only its own model's); None otherwise."""
    if voice in model.voice_ids:
        return None
    other = catalog.model_for_voice(voice, list(catalog.MODELS.values()))
    return other if other is not None and voice in other.voice_ids else None


def build_speech(
    model: catalog.Model, options: Mapping[str, Any], sample_rate: int | None = None
) -> Speech:
    """Validate a call's merged options for ``model``; raise a translated
    ServiceValidationError."""
    try:
        values = OPTION_SCHEMA(dict(options))
    except vol.Invalid as err:
        raise invalid_option(str(err)) from err
    try:
        params = speech_params(model, values)
    except InvalidParameterError as err:
        raise invalid_option(err.message) from err
    if sample_rate in model.sample_rates:  # a native rate spares Home Assistant a resample
        params = replace(params, sample_rate=sample_rate)
    rate = params.sample_rate or model.default_sample_rate
    return Speech(
        model,
        params,
        rate,
        silence(rate, values.get(CONF_LEADING_SILENCE, 0)),
        silence(rate, values.get(CONF_TRAILING_SILENCE, 0)),
        Announcement(values.get(CONF_CHIME) or None, values.get(CONF_LOUDNESS)),
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
    return bytes(PCM_WIDTH * (sample_rate * milliseconds // 1000))


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


MEDIA_SOURCE_LOCAL = "media-source://media_source/"
"""How a file of Home Assistant's media folders is named (``…/local/chime.wav``)."""


def chime_path(hass: HomeAssistant, chime: str) -> Path:
    """The file of a chime given as a path or a media-source id of a media folder; a
    ServiceValidationError when Home Assistant may not read there."""
    if chime.startswith(MEDIA_SOURCE_LOCAL):
        folder, _, location = chime.removeprefix(MEDIA_SOURCE_LOCAL).partition("/")
        base = hass.config.media_dirs.get(folder)
        if base is None:
            raise invalid_option(f"There is no media folder {folder!r} for the chime {chime}.")
        path = Path(base, location)
    else:
        path = Path(chime)
    if not hass.config.is_allowed_path(str(path)):
        raise invalid_option(
            f"The chime {chime} is not in a folder Home Assistant may read: use its media "
            "folder or one of allowlist_external_dirs."
        )
    return path
