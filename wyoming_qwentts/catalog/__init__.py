"""Regions, models and voices of Model Studio's TTS, and what each model accepts.

The single source of truth: the clients validate against it before sending, the simulator
validates what it receives with the same function, the Wyoming server builds its Info from
it, and the Home Assistant integration fills its pickers, option ranges and action schemas
from it. Which model a voice means is its rule too (:func:`model_for_voice`). It stands on
``core`` alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, TypeVar

from ..core.errors import InvalidParameterError
from ..core.params import SpeechParams
from . import inference_models, realtime_models
from .languages import LANGUAGE_TYPES, language_code
from .model import Model, Range, Region, Voice
from .realtime_models import QWEN3_LANGUAGES
from .regions import BEIJING, DEFAULT_REGION, REGIONS, SINGAPORE
from .validation import billed_characters, check_settings, closest
from .validation import check_params as _check_params
from .voices import model_for_voice

__all__ = [
    "BEIJING",
    "CATALOG_VERSION",
    "DEFAULT_MODEL",
    "DEFAULT_REGION",
    "FAMILY_NAMES",
    "LANGUAGE_TYPES",
    "MODELS",
    "QWEN3_LANGUAGES",
    "REGIONS",
    "SINGAPORE",
    "Model",
    "Range",
    "Region",
    "Voice",
    "billed_characters",
    "check_params",
    "check_settings",
    "closest",
    "get_model",
    "get_region",
    "label",
    "language_code",
    "model_for_voice",
    "models_for_region",
    "refused_voice",
]

CATALOG_VERSION: Final = "2026.12.2"
"""Bumped whenever the data changes (shown in diagnostics)."""

FAMILY_NAMES: Final[Mapping[str, str]] = {
    "qwen3-tts-flash-realtime": "Qwen3-TTS realtime",
    "qwen3-tts-instruct-flash-realtime": "Qwen3-TTS realtime, instruct",
    "qwen3-tts-vc-realtime": "Qwen3-TTS realtime, cloned voices",
    "qwen3-tts-vd-realtime": "Qwen3-TTS realtime, designed voices",
    "qwen-tts-realtime": "Qwen-TTS realtime (legacy)",
    "qwen-audio-3.0-tts": "Qwen-Audio-3.0-TTS",
    "cosyvoice-v3": "CosyVoice v3",
    "cosyvoice-v3.5": "CosyVoice v3.5, cloned or designed voices",
    "cosyvoice-v2": "CosyVoice v2",
    "sambert": "Sambert",
}
"""What each model family is called in pickers (``Model.family``)."""

MODELS: Final[Mapping[str, Model]] = {
    model.id: model for model in (*realtime_models.MODELS, *inference_models.MODELS)
}
DEFAULT_MODEL: Final = realtime_models.DEFAULT_MODEL

_SYSTEM_VOICES: Final = frozenset(voice for model in MODELS.values() for voice in model.voice_ids)

_T = TypeVar("_T")


def _lookup(table: Mapping[str, _T], key: str, kind: str) -> _T:
    try:
        return table[key]
    except KeyError:
        raise InvalidParameterError(
            kind, f"Unknown {kind} {key!r}{closest(key, tuple(table))}", tuple(table)
        ) from None


def get_model(model_id: str) -> Model:
    """Return a model by id, or raise InvalidParameterError naming the closest ones."""
    return _lookup(MODELS, model_id, "model")


def get_region(region_id: str) -> Region:
    """Return a region by id, or raise InvalidParameterError naming the regions."""
    return _lookup(REGIONS, region_id, "region")


def label(model: Model) -> str:
    """A model as a picker shows it: its family, then its id."""
    return f"{FAMILY_NAMES[model.family]} · {model.id}"


def models_for_region(region_id: str) -> tuple[Model, ...]:
    """The models served in a region, in catalog order."""
    return tuple(model for model in MODELS.values() if region_id in model.regions)


def refused_voice(model_id: str, voice: str | None, detail: str) -> InvalidParameterError:
    """The error of a voice the service refused, naming the model's closest known voices."""
    known = MODELS[model_id].voice_ids if model_id in MODELS else ()
    hint = closest(voice, known) if voice else "."
    return InvalidParameterError(
        "voice", f"{model_id} refused voice {voice!r} ({detail}){hint}", known
    )


def check_params(model: Model, params: SpeechParams) -> None:
    """Raise InvalidParameterError, naming the field, if ``model`` does not accept ``params``."""
    _check_params(model, params, system_voices=_SYSTEM_VOICES)
