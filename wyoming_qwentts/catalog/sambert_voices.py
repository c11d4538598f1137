"""The Sambert voices: each one is a model of its own, ``sambert-<voice>-v1``.

Sources, read 2026-12-02: the model list (模型列表) of the vendor's "Sambert Python SDK"
page (help.aliyun.com/zh/model-studio/realtime-websocket-python-sdk-sambert and its English
edition help.aliyun.com/en/model-studio/realtime-websocket-python-sdk-sambert; the stored
copies show "更新时间"/"Updated at" without a date), read whole from a Markdown copy of the
same table in a public GitHub repository (the platform.qianwenai.com edition of that page);
the vendor's speech-synthesis overview names the same 43 models. Rows are in the list's
order. Notes translate its 特色 (feature) column; a gender is the one that column names
(…男声 male, …女声 female, 知心姐姐 big sister), ``child`` for 软萌童声 (a child's voice) and
``unspecified`` for the two narrators whose feature names none (悬疑解说, 激昂解说).
The list marks the first nine 48 kHz voices, the rest 16 kHz.
"""

from __future__ import annotations

from typing import Final

_ZH_EN: Final = ("zh", "en")

SAMBERT_VOICES: Final[tuple[tuple[str, str, tuple[str, ...], str, str], ...]] = (
    # (voice, gender, languages, display name, note)
    ("zhinan", "male", _ZH_EN, "Zhinan", "advertising"),
    ("zhiqi", "female", _ZH_EN, "Zhiqi", "gentle"),
    ("zhichu", "male", _ZH_EN, "Zhichu", "documentary narrator"),
    ("zhide", "male", _ZH_EN, "Zhide", "newsreader"),
    ("zhijia", "female", _ZH_EN, "Zhijia", "standard"),
    ("zhiru", "female", _ZH_EN, "Zhiru", "newsreader"),
    ("zhiqian", "female", _ZH_EN, "Zhiqian", "news and information"),
    ("zhixiang", "male", _ZH_EN, "Zhixiang", "magnetic"),
    ("zhiwei", "female", _ZH_EN, "Zhiwei", "girlish"),
    ("zhihao", "male", _ZH_EN, "Zhihao", "advisory"),
    ("zhijing", "female", _ZH_EN, "Zhijing", "stern"),
    ("zhiming", "male", _ZH_EN, "Zhiming", "humorous"),
    ("zhimo", "male", _ZH_EN, "Zhimo", "emotional"),
    ("zhina", "female", _ZH_EN, "Zhina", "Zhejiang-accented Mandarin"),
    ("zhishu", "male", _ZH_EN, "Zhishu", "news and information"),
    ("zhistella", "female", _ZH_EN, "Zhistella", "intellectual"),
    ("zhiting", "female", _ZH_EN, "Zhiting", "radio host"),
    ("zhixiao", "female", _ZH_EN, "Zhixiao", "news and information"),
    ("zhiya", "female", _ZH_EN, "Zhiya", "stern"),
    ("zhiye", "male", _ZH_EN, "Zhiye", "young man"),
    ("zhiying", "child", _ZH_EN, "Zhiying", "soft, cute child"),
    ("zhiyuan", "female", _ZH_EN, "Zhiyuan", "caring big sister"),
    ("zhiyue", "female", _ZH_EN, "Zhiyue", "gentle customer service"),
    ("zhigui", "female", _ZH_EN, "Zhigui", "livestreamer"),
    ("zhishuo", "male", _ZH_EN, "Zhishuo", "natural"),
    ("zhimiao-emo", "female", _ZH_EN, "Zhimiao", "multi-emotion"),
    ("zhimao", "female", _ZH_EN, "Zhimao", "livestreamer"),
    ("zhilun", "unspecified", _ZH_EN, "Zhilun", "suspense narrator"),
    ("zhifei", "unspecified", _ZH_EN, "Zhifei", "rousing narrator"),
    ("zhida", "male", _ZH_EN, "Zhida", "standard"),
    ("camila", "female", ("es",), "Camila", "Spanish"),
    ("perla", "female", ("it",), "Perla", "Italian"),
    ("indah", "female", ("id",), "Indah", "Indonesian"),
    ("clara", "female", ("fr",), "Clara", "French"),
    ("hanna", "female", ("de",), "Hanna", "German"),
    ("beth", "female", ("en",), "Beth", "American, advisory"),
    ("betty", "female", ("en",), "Betty", "American, customer service"),
    ("cally", "female", ("en",), "Cally", "American, natural"),
    ("cindy", "female", ("en",), "Cindy", "American, conversational"),
    ("eva", "female", ("en",), "Eva", "American, companion"),
    ("donna", "female", ("en",), "Donna", "American, educational"),
    ("brian", "male", ("en",), "Brian", "American, customer service"),
    ("waan", "female", ("th",), "Waan", "Thai"),
)
"""The list's 43 voices; ``sambert-zhinan-v1`` is the first."""
