"""The models of the realtime protocol (``/api-ws/v1/realtime``: Qwen3-TTS and the legacy
Qwen-TTS) and their voices.

Sources, read Nov 2026: the vendor's "Qwen-TTS Realtime" user guide and voice list
(alibabacloud.com/help/en/model-studio/qwen-tts-realtime) and its client and server event
references (…/qwen-tts-realtime-client-events, …/qwen-tts-realtime-server-events).
"""

from __future__ import annotations

from typing import Final

from .model import Model, Range, Voice
from .regions import BEIJING, SINGAPORE

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

_BY_ID: Final = {voice.id: voice for voice in _ALL_VOICES}
_INSTRUCT_VOICES: Final = (
    "Cherry", "Serena", "Ethan", "Chelsie", "Momo", "Vivian", "Moon", "Maia", "Kai", "Nofish",
    "Bella", "Eldric Sage", "Mia", "Mochi", "Bellona", "Vincent", "Bunny", "Neil", "Elias",
    "Arthur", "Nini", "Seren", "Pip", "Stella",
)  # fmt: skip

RANGES: Final = {
    "rate": Range(0.5, 2.0, 1.0),
    "pitch": Range(0.5, 2.0, 1.0),
    "volume": Range(0, 100, 50, integer=True),
    "bit_rate": Range(6, 510, 128, integer=True),
}
_INSTRUCT: Final = frozenset({"instructions", "optimize_instructions"})
_FLASH: Final = "qwen3-tts-flash-realtime"
_INSTRUCT_FAMILY: Final = "qwen3-tts-instruct-flash-realtime"


def _qwen3(
    model_id: str,
    family: str,
    voices: tuple[Voice, ...],
    options: frozenset[str] = frozenset(),
    *,
    custom_voices: bool = False,
    alias_of: str | None = None,
) -> Model:
    return Model(
        model_id,
        family,
        "realtime",
        voices,
        formats=("pcm", "wav", "mp3", "opus"),
        sample_rates=(8000, 16000, 24000, 48000),
        default_sample_rate=24000,
        regions=(SINGAPORE, BEIJING),
        languages=QWEN3_LANGUAGES,
        ranges=RANGES,
        options=options,
        bit_rate_formats=("opus", "mp3"),
        custom_voices=custom_voices,
        alias_of=alias_of,
    )


def _legacy(model_id: str, alias_of: str | None = None) -> Model:
    return Model(
        model_id,
        "qwen-tts-realtime",
        "realtime",
        _LEGACY_VOICES,
        formats=("pcm",),
        sample_rates=(24000,),
        default_sample_rate=24000,
        regions=(BEIJING,),
        languages=_ZH_EN,
        alias_of=alias_of,
    )


_VOICES_2025_09_18: Final = _ALL_VOICES[:17]
_INSTRUCT_VOICE_LIST: Final = tuple(_BY_ID[voice_id] for voice_id in _INSTRUCT_VOICES)

DEFAULT_MODEL: Final = _FLASH

MODELS: Final = (
    _qwen3(_FLASH, _FLASH, _ALL_VOICES, alias_of="qwen3-tts-flash-realtime-2025-11-27"),
    _qwen3("qwen3-tts-flash-realtime-2025-11-27", _FLASH, _ALL_VOICES),
    _qwen3("qwen3-tts-flash-realtime-2025-09-18", _FLASH, _VOICES_2025_09_18),
    _qwen3(
        _INSTRUCT_FAMILY,
        _INSTRUCT_FAMILY,
        _INSTRUCT_VOICE_LIST,
        _INSTRUCT,
        alias_of="qwen3-tts-instruct-flash-realtime-2026-01-22",
    ),
    _qwen3(
        "qwen3-tts-instruct-flash-realtime-2026-01-22",
        _INSTRUCT_FAMILY,
        _INSTRUCT_VOICE_LIST,
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
"""The realtime models, in catalog order."""
