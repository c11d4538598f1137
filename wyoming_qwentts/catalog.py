"""Regions, models and voices of Qwen realtime TTS, and what each model accepts.

This module is the single source of truth: the client validates a session against it before
sending, the simulator validates what it receives with the same function, the Wyoming server
builds its Info from it, and the Home Assistant integration fills its pickers from it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from .errors import InvalidParameterError

CATALOG_VERSION: Final = "2026.11.1"
"""Bumped whenever the data below changes (shown in diagnostics)."""


@dataclass(frozen=True, slots=True)
class Region:
    """A Model Studio deployment region (API keys are per region)."""

    id: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Voice:
    """A system voice. ``id`` is what the API takes: case-sensitive, may contain spaces."""

    id: str
    gender: str
    languages: tuple[str, ...]
    dialect: str | None = None
    note: str | None = None

    @property
    def description(self) -> str:
        """Gender and, where there is one, the dialect or a note (``male, Cantonese``)."""
        extra = f"{self.dialect} dialect" if self.dialect else self.note
        return f"{self.gender}, {extra}" if extra else self.gender

    @property
    def display_name(self) -> str:
        """Name and short description for voice pickers."""
        return f"{self.id} ({self.description})"


@dataclass(frozen=True, slots=True)
class Model:
    """A realtime TTS model (or snapshot) and the session parameters it accepts."""

    id: str
    family: str
    voices: tuple[str, ...]
    parameters: frozenset[str]
    formats: tuple[str, ...]
    sample_rates: tuple[int, ...]
    language_types: tuple[str, ...]
    regions: tuple[str, ...]
    custom_voices: bool = False
    alias_of: str | None = None

    @property
    def default_voice(self) -> str | None:
        """The voice used when none is configured (None for custom-voice models)."""
        return self.voices[0] if self.voices else None

    def languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes spoken by this model's system voices, in catalog order."""
        seen: dict[str, None] = {}
        for voice_id in self.voices:
            voice = get_voice(self, voice_id)
            for code in voice.languages if voice else ():
                seen.setdefault(code, None)
        return tuple(seen)


SINGAPORE: Final = "singapore"
BEIJING: Final = "beijing"

REGIONS: Final[Mapping[str, Region]] = {
    SINGAPORE: Region(
        SINGAPORE,
        "Singapore (international)",
        "wss://dashscope-intl.aliyuncs.com/api-ws/v1/realtime",
    ),
    BEIJING: Region(
        BEIJING, "Beijing (Chinese mainland)", "wss://dashscope.aliyuncs.com/api-ws/v1/realtime"
    ),
}

LANGUAGE_TYPES: Final[Mapping[str, str | None]] = {
    "Auto": None,
    "Chinese": "zh",
    "English": "en",
    "German": "de",
    "Italian": "it",
    "Portuguese": "pt",
    "Spanish": "es",
    "Japanese": "ja",
    "Korean": "ko",
    "French": "fr",
    "Russian": "ru",
}
"""``language_type`` values and the ISO 639-1 code each one stands for (Auto: none)."""

QWEN3_LANGUAGES: Final = ("zh", "en", "fr", "de", "ru", "it", "es", "pt", "ja", "ko")
_ZH_EN: Final = ("zh", "en")


def _voice(
    voice_id: str,
    gender: str,
    *,
    note: str | None = None,
    dialect: str | None = None,
    languages: tuple[str, ...] = QWEN3_LANGUAGES,
) -> Voice:
    return Voice(voice_id, gender, languages, dialect, note)


_ALL_VOICES: Final = (
    # The 17 voices of qwen3-tts-flash-realtime-2025-09-18 first (also on every later snapshot).
    _voice("Cherry", "female"),
    _voice("Ethan", "male"),
    _voice("Nofish", "male"),
    _voice("Jennifer", "female", note="US English"),
    _voice("Ryan", "male"),
    _voice("Katerina", "female"),
    _voice("Elias", "female"),
    _voice("Jada", "female", dialect="Shanghainese"),
    _voice("Dylan", "male", dialect="Beijing"),
    _voice("Sunny", "female", dialect="Sichuanese"),
    _voice("Li", "male", dialect="Nanjing"),
    _voice("Marcus", "male", dialect="Shaanxi"),
    _voice("Roy", "male", dialect="Minnan"),
    _voice("Peter", "male", dialect="Tianjin"),
    _voice("Rocky", "male", dialect="Cantonese"),
    _voice("Kiki", "female", dialect="Cantonese"),
    _voice("Eric", "male", dialect="Sichuanese"),
    # Added with qwen3-tts-flash-realtime-2025-11-27.
    _voice("Serena", "female"),
    _voice("Chelsie", "female"),
    _voice("Momo", "female"),
    _voice("Vivian", "female"),
    _voice("Moon", "male"),
    _voice("Maia", "female"),
    _voice("Kai", "male"),
    _voice("Bella", "female"),
    _voice("Aiden", "male"),
    _voice("Eldric Sage", "male", note="old man"),
    _voice("Mia", "female"),
    _voice("Mochi", "male", note="child-like"),
    _voice("Bellona", "female"),
    _voice("Vincent", "male"),
    _voice("Bunny", "female"),
    _voice("Neil", "male"),
    _voice("Arthur", "male", note="old"),
    _voice("Nini", "female"),
    _voice("Ebona", "female"),
    _voice("Seren", "female", note="soothing"),
    _voice("Pip", "male", note="boy"),
    _voice("Stella", "female"),
    _voice("Bodega", "male"),
    _voice("Sonrisa", "female"),
    _voice("Alek", "male"),
    _voice("Dolce", "male"),
    _voice("Sohee", "female"),
    _voice("Ono Anna", "female"),
    _voice("Lenn", "male"),
    _voice("Emilien", "male"),
    _voice("Andre", "male"),
    _voice("Radio Gol", "male"),
)

_LEGACY_VOICES: Final = (
    _voice("Cherry", "female", languages=_ZH_EN),
    _voice("Serena", "female", languages=_ZH_EN),
    _voice("Ethan", "male", languages=_ZH_EN),
    _voice("Chelsie", "female", languages=_ZH_EN),
)

VOICES: Final[Mapping[str, Voice]] = {voice.id: voice for voice in _ALL_VOICES}
"""Every system voice of the Qwen3 models, by id."""

_QWEN3_2025_09_18_VOICES: Final = tuple(voice.id for voice in _ALL_VOICES[:17])
_QWEN3_VOICES: Final = tuple(voice.id for voice in _ALL_VOICES)
_INSTRUCT_VOICES: Final = (
    "Cherry", "Serena", "Ethan", "Chelsie", "Momo", "Vivian", "Moon", "Maia", "Kai", "Nofish",
    "Bella", "Eldric Sage", "Mia", "Mochi", "Bellona", "Vincent", "Bunny", "Neil", "Elias",
    "Arthur", "Nini", "Seren", "Pip", "Stella",
)  # fmt: skip
_LEGACY_VOICE_IDS: Final = tuple(voice.id for voice in _LEGACY_VOICES)

_PROSODY: Final = frozenset({"speech_rate", "volume", "pitch_rate", "bit_rate"})
_INSTRUCT: Final = _PROSODY | {"instructions", "optimize_instructions"}
_QWEN3_FORMATS: Final = ("pcm", "wav", "mp3", "opus")
_QWEN3_RATES: Final = (8000, 16000, 24000, 48000)
_BOTH: Final = (SINGAPORE, BEIJING)


def _qwen3(
    model_id: str,
    family: str,
    voices: tuple[str, ...],
    parameters: frozenset[str] = _PROSODY,
    *,
    custom_voices: bool = False,
    alias_of: str | None = None,
) -> Model:
    return Model(
        model_id,
        family,
        voices,
        parameters,
        _QWEN3_FORMATS,
        _QWEN3_RATES,
        tuple(LANGUAGE_TYPES),
        _BOTH,
        custom_voices,
        alias_of,
    )


def _legacy(model_id: str, alias_of: str | None = None) -> Model:
    return Model(
        model_id,
        "qwen-tts-realtime",
        _LEGACY_VOICE_IDS,
        frozenset(),
        ("pcm",),
        (24000,),
        ("Auto", "Chinese", "English"),
        (BEIJING,),
        alias_of=alias_of,
    )


_FLASH: Final = "qwen3-tts-flash-realtime"
_INSTRUCT_FAMILY: Final = "qwen3-tts-instruct-flash-realtime"

MODELS: Final[Mapping[str, Model]] = {
    model.id: model
    for model in (
        _qwen3(_FLASH, _FLASH, _QWEN3_VOICES, alias_of="qwen3-tts-flash-realtime-2025-11-27"),
        _qwen3("qwen3-tts-flash-realtime-2025-11-27", _FLASH, _QWEN3_VOICES),
        _qwen3("qwen3-tts-flash-realtime-2025-09-18", _FLASH, _QWEN3_2025_09_18_VOICES),
        _qwen3(
            _INSTRUCT_FAMILY,
            _INSTRUCT_FAMILY,
            _INSTRUCT_VOICES,
            _INSTRUCT,
            alias_of="qwen3-tts-instruct-flash-realtime-2026-01-22",
        ),
        _qwen3(
            "qwen3-tts-instruct-flash-realtime-2026-01-22",
            _INSTRUCT_FAMILY,
            _INSTRUCT_VOICES,
            _INSTRUCT,
        ),
        _qwen3("qwen3-tts-vc-realtime-2026-01-15", "qwen3-tts-vc-realtime", (), custom_voices=True),
        _qwen3("qwen3-tts-vc-realtime-2025-11-27", "qwen3-tts-vc-realtime", (), custom_voices=True),
        _qwen3("qwen3-tts-vd-realtime-2026-01-15", "qwen3-tts-vd-realtime", (), custom_voices=True),
        _qwen3("qwen3-tts-vd-realtime-2025-12-16", "qwen3-tts-vd-realtime", (), custom_voices=True),
        _legacy("qwen-tts-realtime", alias_of="qwen-tts-realtime-2025-07-15"),
        _legacy("qwen-tts-realtime-latest", alias_of="qwen-tts-realtime-2025-07-15"),
        _legacy("qwen-tts-realtime-2025-07-15"),
    )
}

_LEGACY_VOICE_MAP: Final[Mapping[str, Voice]] = {voice.id: voice for voice in _LEGACY_VOICES}

DEFAULT_MODEL: Final = _FLASH
DEFAULT_REGION: Final = SINGAPORE
DEFAULT_VOICE: Final = "Cherry"
DEFAULT_SAMPLE_RATE: Final = 24000
PCM_WIDTH: Final = 2
PCM_CHANNELS: Final = 1

MODES: Final = ("server_commit", "commit")
RANGES: Final[Mapping[str, tuple[float, float]]] = {
    "speech_rate": (0.5, 2.0),
    "pitch_rate": (0.5, 2.0),
    "volume": (0, 100),
    "bit_rate": (6, 510),
}
DEFAULTS: Final[Mapping[str, float]] = {
    "speech_rate": 1.0,
    "pitch_rate": 1.0,
    "volume": 50,
    "bit_rate": 128,
}
_INTEGER_PARAMETERS: Final = frozenset({"volume", "bit_rate", "sample_rate"})


_T = TypeVar("_T")


def _lookup(table: Mapping[str, _T], key: str, kind: str) -> _T:
    try:
        return table[key]
    except KeyError:
        raise InvalidParameterError(kind, f"Unknown {kind} {key!r}.", tuple(table)) from None


def get_model(model_id: str) -> Model:
    """Return a model by id, or raise InvalidParameterError naming the known models."""
    return _lookup(MODELS, model_id, "model")


def get_region(region_id: str) -> Region:
    """Return a region by id, or raise InvalidParameterError naming the regions."""
    return _lookup(REGIONS, region_id, "region")


def get_voice(model: Model, voice_id: str) -> Voice | None:
    """The catalog entry of a system voice of ``model`` (None for custom voice ids)."""
    if model.family == "qwen-tts-realtime":
        return _LEGACY_VOICE_MAP.get(voice_id)
    return VOICES.get(voice_id) if voice_id in model.voices else None


def models_for_region(region_id: str) -> tuple[Model, ...]:
    """The models served in a region, in catalog order."""
    return tuple(model for model in MODELS.values() if region_id in model.regions)


def billed_characters(text: str) -> int:
    """Characters as Qwen3-TTS bills them: a Chinese character counts 2, anything else 1."""
    return sum(2 if _is_cjk(char) else 1 for char in text)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FFFF


def _choices(values: tuple[Any, ...]) -> str:
    return ", ".join(repr(value) for value in values)


def check_session(model: Model, session: Mapping[str, Any]) -> None:
    """Validate a ``session.update`` payload for ``model``.

    Raises InvalidParameterError naming the offending field and, where there is a list, the
    allowed values. Unknown keys are tolerated, as the service does.
    """
    voice = session.get("voice")
    if voice is not None:
        _check_voice(model, voice)
    mode = session.get("mode")
    if mode is not None and mode not in MODES:
        raise InvalidParameterError(
            "session.mode", f"Invalid mode {mode!r}; expected one of {_choices(MODES)}.", MODES
        )
    _check_member(model, session, "language_type", model.language_types)
    _check_member(model, session, "response_format", model.formats)
    _check_member(model, session, "sample_rate", model.sample_rates)
    for name in ("speech_rate", "pitch_rate", "volume", "bit_rate"):
        _check_range(model, session, name)
    if session.get("bit_rate") is not None and session.get("response_format") not in (
        "opus",
        "mp3",
    ):
        raise InvalidParameterError(
            "session.bit_rate", "bit_rate applies only to response_format 'opus' or 'mp3'."
        )
    _check_instructions(model, session)


def _check_voice(model: Model, voice: Any) -> None:
    if not isinstance(voice, str) or not voice.strip():
        raise InvalidParameterError("session.voice", "The voice must be a non-empty string.")
    if voice in model.voices:
        return
    if model.custom_voices:
        if voice in VOICES:
            raise InvalidParameterError(
                "session.voice",
                f"{model.id} takes only custom voices created for it; "
                f"system voice {voice!r} is not available.",
            )
        return
    raise InvalidParameterError(
        "session.voice",
        f"Voice {voice!r} is not offered by {model.id}{_closest(voice, model.voices)} "
        f"It has {len(model.voices)} voices.",
        model.voices,
    )


def _closest(value: str, choices: tuple[str, ...]) -> str:
    """``"; did you mean 'A' or 'B'?"`` for the nearest choices (any case), else ``"."``."""
    by_folded = {choice.casefold(): choice for choice in choices}
    near = difflib.get_close_matches(value.casefold(), by_folded, n=3, cutoff=0.6)
    if not near:
        return "."
    names = [repr(by_folded[name]) for name in near]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"; did you mean {listed}?"


def _check_member(
    model: Model, session: Mapping[str, Any], name: str, allowed: tuple[Any, ...]
) -> None:
    value = session.get(name)
    if value is None:
        return
    if name in _INTEGER_PARAMETERS and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidParameterError(f"session.{name}", f"{name} must be an integer.", allowed)
    if value not in allowed:
        raise InvalidParameterError(
            f"session.{name}",
            f"Invalid {name} {value!r} for {model.id}; expected one of {_choices(allowed)}.",
            tuple(str(item) for item in allowed),
        )


def _check_range(model: Model, session: Mapping[str, Any], name: str) -> None:
    value = session.get(name)
    if value is None:
        return
    if name not in model.parameters:
        raise InvalidParameterError(f"session.{name}", f"{model.id} does not accept {name}.")
    low, high = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(f"session.{name}", f"{name} must be a number.")
    if name in _INTEGER_PARAMETERS and not isinstance(value, int):
        raise InvalidParameterError(f"session.{name}", f"{name} must be an integer.")
    if not low <= value <= high:
        raise InvalidParameterError(
            f"session.{name}", f"{name} {value!r} is out of range [{low:g}, {high:g}]."
        )


def _check_instructions(model: Model, session: Mapping[str, Any]) -> None:
    for name in ("instructions", "optimize_instructions"):
        value = session.get(name)
        if value is None or value == "" or value is False:
            continue
        if name not in model.parameters:
            raise InvalidParameterError(
                f"session.{name}",
                f"{model.id} does not accept {name}; use an instruct model ({_INSTRUCT_FAMILY}).",
            )
    instructions = session.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise InvalidParameterError("session.instructions", "instructions must be a string.")
    optimize = session.get("optimize_instructions")
    if optimize is not None and not isinstance(optimize, bool):
        raise InvalidParameterError(
            "session.optimize_instructions", "optimize_instructions must be true or false."
        )
