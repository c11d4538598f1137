"""The system voices of qwen-audio-3.0-tts-plus and qwen-audio-3.0-tts-flash.

Sources, read 2026-12-02: the vendor's "Qwen-Audio-TTS voice list"
(alibabacloud.com/help/en/model-studio/qwen-audio-tts-voice-list, "Last Updated: Jul 15,
2026", one table for both models; the ja edition, also Jul 15, 2026) and its zh-TW edition
(alibabacloud.com/help/tc/model-studio/qwen-audio-tts-voice-list, "更新時間: Jul 16, 2026"),
which lists the plus voices (2) and the flash voices (12) apart. Public copies of the flash
table in GitHub code name the same 12 and no other. Every voice is served in China
(Beijing) and Singapore.
"""

from __future__ import annotations

from typing import Final

from .model import Voice

_ZH_EN: Final = ("zh", "en")


def _zh_en(voice_id: str, gender: str, note: str, name: str) -> Voice:
    return Voice(voice_id, gender, _ZH_EN, note=note, name=name)


QWEN_AUDIO_PLUS: Final = (
    _zh_en("longanlingxin", "female", "warm, empathetic", "Longan Lingxin"),
    _zh_en("longanlufeng", "male", "bright, cheerful", "Longan Lufeng"),
)
"""qwen-audio-3.0-tts-plus: the zh-TW edition's plus table (the first is the default)."""

QWEN_AUDIO_FLASH: Final = (
    # The vendor's zh-TW list gives plus and flash disjoint tables: the two plus voices are
    # not in the flash table. They stay here for now (as the catalog had them); a later pass
    # decides whether flash keeps them.
    *QWEN_AUDIO_PLUS,
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
"""qwen-audio-3.0-tts-flash: the flash table's 12 voices, after the two plus voices."""
