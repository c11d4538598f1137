"""The models of the inference protocol (``/api-ws/v1/inference``) and their voices.

Sources, read 2026-12-01: the vendor's "Qwen-Audio-TTS voice list" (updated 2026-07-15/16,
alibabacloud.com/help/en/model-studio/qwen-audio-tts-voice-list and its zh-TW edition, which
lists the plus and flash voices apart), "CosyVoice voice list"
(help.aliyun.com/zh/model-studio/cosyvoice-voice-list), the CosyVoice v2 voice table of the
streaming-text synthesis reference (help.aliyun.com/zh/isi), and the vendor's "Real-time
speech synthesis" WebSocket API pages (the parameters each model takes, their ranges,
Sambert). Only voices the sources name are listed; the lists
are longer: every model here also takes cloned (and, for some, designed) voices, so an id
the catalog lacks is sent and the service judges it.
"""

from __future__ import annotations

from typing import Final

from .model import Model, Range, Voice
from .regions import BEIJING, SINGAPORE

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


def _zh_en(voice_id: str, gender: str, note: str, name: str) -> Voice:
    return Voice(voice_id, gender, _ZH_EN, note=note, name=name)


_QWEN_AUDIO_PLUS: Final = (
    _zh_en("longanlingxin", "female", "warm, empathetic", "Longan Lingxin"),
    _zh_en("longanlufeng", "male", "bright, cheerful", "Longan Lufeng"),
)
_QWEN_AUDIO_FLASH: Final = (
    *_QWEN_AUDIO_PLUS,
    _zh_en("longanfengyue", "female", "natural, friendly", "Longan Fengyue"),
    _zh_en("longanyuanfei", "female", "haughty consort", "Longan Yuanfei"),
    _zh_en("longanlingxi", "female", "cute, sweet", "Longan Lingxi"),
    _zh_en("longanxiaoxin", "female", "friendly, lively", "Longan Xiaoxin"),
    # The flash table of the same list (Jul 2026): the _v3.6 voices the vendor's samples use.
    _zh_en("longanhuan_v3.6", "female", "general-purpose", "Longan Huan"),
    _zh_en("longjielidou_v3.6", "male", "innocent little boy", "Longjie Lidou"),
    _zh_en("longpaopao_v3.6", "female", "soft, adorable child", "Long Paopao"),
    _zh_en("longhuohuo_v3.6", "male", "mischievous boy", "Long Huohuo"),
    _zh_en("longchuanshu_v3.6", "male", "Sichuan-accented uncle", "Long Chuanshu"),
    Voice("loongmary", "female", ("en",), note="warm British", name="Mary"),
    Voice("loongeva_v3.6", "female", ("en",), note="elegant American", name="Eva"),
    Voice("loongjohn", "male", ("en",), note="calm, friendly American", name="John"),
)
_COSYVOICE_V3: Final = (_zh_en("longanyang", "male", "sunny young man", "Longan Yang"),)
_COSYVOICE_V2: Final = (
    _zh_en("longxiaochun_v2", "female", "gentle, big-sister", "Long Xiaochun"),
    _zh_en("longxiaoxia_v2", "female", "gentle", "Long Xiaoxia"),
    _zh_en("longwan_v2", "female", "Mandarin", "Long Wan"),
    _zh_en("loongbella_v2", "female", "newsreader", "Bella 2.0"),
    _zh_en("longcheng_v2", "male", "sunny", "Long Cheng"),
    _zh_en("longshu_v2", "male", "newsreader", "Long Shu"),
    _zh_en("longhua_v2", "female", "lively girl", "Long Hua"),
)


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
_SAMBERT_VOICES: Final = (
    ("zhichu", "female", ("zh", "en"), "Zhichu"),
    ("zhinan", "male", ("zh", "en"), "Zhinan"),
    ("zhiqi", "female", ("zh", "en"), "Zhiqi"),
    ("zhide", "male", ("zh", "en"), "Zhide"),
    ("zhijia", "female", ("zh", "en"), "Zhijia"),
    ("zhiru", "female", ("zh", "en"), "Zhiru"),
    ("zhiqian", "female", ("zh", "en"), "Zhiqian"),
    ("zhixiang", "male", ("zh", "en"), "Zhixiang"),
    ("zhiwei", "female", ("zh", "en"), "Zhiwei"),
    ("camila", "female", ("es",), "Camila"),
    ("perla", "female", ("it",), "Perla"),
    ("clara", "female", ("fr",), "Clara"),
    ("hanna", "female", ("de",), "Hanna"),
    ("beth", "female", ("en",), "Beth"),
    ("indah", "female", ("id",), "Indah"),
    ("waan", "female", ("th",), "Waan"),
)


def _sambert(voice: str, gender: str, languages: tuple[str, ...], name: str) -> Model:
    model_id = f"sambert-{voice}-v1"
    return Model(
        model_id,
        "sambert",
        "inference",
        (Voice(model_id, gender, languages, name=f"Sambert {name}"),),
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
        "qwen-audio-3.0-tts-flash", "qwen-audio-3.0-tts", _QWEN_AUDIO_FLASH, _BOTH, ssml=False
    ),
    _inference(
        "qwen-audio-3.0-tts-plus", "qwen-audio-3.0-tts", _QWEN_AUDIO_PLUS, _BOTH, ssml=False
    ),
    _inference("cosyvoice-v3-flash", "cosyvoice-v3", _COSYVOICE_V3, _BOTH, ssml=True),
    _inference("cosyvoice-v3-plus", "cosyvoice-v3", _COSYVOICE_V3, _BOTH, ssml=True),
    _inference("cosyvoice-v2", "cosyvoice-v2", _COSYVOICE_V2, (BEIJING,), ssml=True),
    _inference("cosyvoice-v3.5-flash", "cosyvoice-v3.5", (), (BEIJING,), ssml=True),
    _inference("cosyvoice-v3.5-plus", "cosyvoice-v3.5", (), (BEIJING,), ssml=True),
    *(_sambert(*voice) for voice in _SAMBERT_VOICES),
)
"""The inference-protocol models, in catalog order."""
