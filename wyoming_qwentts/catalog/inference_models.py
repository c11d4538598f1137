"""The models of the inference protocol (``/api-ws/v1/inference``) and their voices.

The voices are in data modules, each naming its sources (all read 2026-12-02):
:mod:`.qwen_audio_voices` (the vendor's "Qwen-Audio-TTS voice list", en edition updated
Jul 15, 2026, zh-TW edition Jul 16, 2026, which lists the plus and flash voices apart),
:mod:`.cosyvoice_voices` and :mod:`.cosyvoice_v2_voices` (the vendor's "CosyVoice voice
list", help.aliyun.com/zh/model-studio/cosyvoice-voice-list, no update date in the stored
copy) and :mod:`.sambert_voices` (the Sambert model list of the vendor's "Sambert Python SDK"
page, help.aliyun.com/zh/model-studio/realtime-websocket-python-sdk-sambert, no update date
in the stored copy). The parameters each model takes and their ranges are from the vendor's
"Real-time speech synthesis" WebSocket API pages (read 2026-12-01). Only voices the sources
name are listed; every CosyVoice and Qwen-Audio model here also takes cloned (and, for some,
designed) voices, so an id the catalog lacks is sent and the service judges it.
"""

from __future__ import annotations

from typing import Final

from .cosyvoice_v2_voices import COSYVOICE_V2
from .cosyvoice_voices import COSYVOICE_V3_FLASH, COSYVOICE_V3_PLUS
from .model import Model, Range, Voice
from .qwen_audio_voices import QWEN_AUDIO_FLASH, QWEN_AUDIO_PLUS
from .regions import BEIJING, SINGAPORE
from .sambert_voices import SAMBERT_VOICES

_ZH_EN: Final = ("zh", "en")
_RATES: Final = (8000, 16000, 22050, 24000, 44100, 48000)
_FORMATS: Final = ("pcm", "wav", "mp3", "opus")
_PROSODY: Final = {
    "rate": Range(0.5, 2.0, 1.0),
    "pitch": Range(0.5, 2.0, 1.0),
    "volume": Range(0, 100, 50, integer=True),
}
RANGES: Final = {
    **_PROSODY,
    "bit_rate": Range(6, 510, 32, integer=True),
    "seed": Range(0, 65535, 0, integer=True),
}
INSTRUCTIONS_LIMIT: Final = 100
"""Billed characters (a Chinese character counts 2) an ``instruction`` may have."""


def _inference(
    model_id: str,
    family: str,
    voices: tuple[Voice, ...],
    regions: tuple[str, ...],
    *,
    ssml: bool,
) -> Model:
    return Model(
        model_id,
        family,
        "inference",
        voices,
        formats=_FORMATS,
        sample_rates=_RATES,
        default_sample_rate=24000,
        regions=regions,
        languages=_ZH_EN,
        ranges=RANGES,
        options=frozenset({"instructions", "ssml"} if ssml else {"instructions"}),
        bit_rate_formats=("opus",),
        instructions_limit=INSTRUCTIONS_LIMIT,
        custom_voices=True,  # every one takes cloned voices (voice-enrollment's targets)
    )


# Sambert: the voice is the model (sambert-<voice>-v1), Beijing only, whole text per task.
def _sambert(
    voice: str, gender: str, languages: tuple[str, ...], name: str, note: str | None = None
) -> Model:
    model_id = f"sambert-{voice}-v1"
    return Model(
        model_id,
        "sambert",
        "inference",
        (Voice(model_id, gender, languages, note=note, name=f"Sambert {name}"),),
        formats=("pcm", "wav", "mp3"),
        sample_rates=(16000, 48000),
        default_sample_rate=16000,
        regions=(BEIJING,),
        ranges=_PROSODY,
        streaming_input=False,
    )


_BOTH: Final = (SINGAPORE, BEIJING)

MODELS: Final = (
    _inference(
        "qwen-audio-3.0-tts-flash", "qwen-audio-3.0-tts", QWEN_AUDIO_FLASH, _BOTH, ssml=False
    ),
    _inference("qwen-audio-3.0-tts-plus", "qwen-audio-3.0-tts", QWEN_AUDIO_PLUS, _BOTH, ssml=False),
    _inference("cosyvoice-v3-flash", "cosyvoice-v3", COSYVOICE_V3_FLASH, _BOTH, ssml=True),
    _inference("cosyvoice-v3-plus", "cosyvoice-v3", COSYVOICE_V3_PLUS, _BOTH, ssml=True),
    _inference("cosyvoice-v2", "cosyvoice-v2", COSYVOICE_V2, (BEIJING,), ssml=True),
    _inference("cosyvoice-v3.5-flash", "cosyvoice-v3.5", (), (BEIJING,), ssml=True),
    _inference("cosyvoice-v3.5-plus", "cosyvoice-v3.5", (), (BEIJING,), ssml=True),
    *(_sambert(*voice) for voice in SAMBERT_VOICES),
)
"""The inference-protocol models, in catalog order."""
