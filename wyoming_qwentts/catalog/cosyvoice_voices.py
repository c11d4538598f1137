"""The system voices of cosyvoice-v3-flash and cosyvoice-v3-plus.

Source, read 2026-12-02: the vendor's "CosyVoice音色列表" (CosyVoice voice list,
help.aliyun.com/zh/model-studio/cosyvoice-voice-list; the stored copy of the page shows
"更新时间" without a date), whole tables from a Markdown copy of that page kept in a public
GitHub repository; its opening matches the stored page. No English edition
(alibabacloud.com/help/en/model-studio/cosyvoice-voice-list) was in the stored material.
The list gives v3-flash 88 voices and v3-plus 2, in the order kept here (the first is the
default voice). Notes translate the list's 特质 (trait) column. A gender is the one the
trait names (…男 male, …女 female, or a role: 老伯/爷 old man, 老姨 auntie, 才女 lady,
猴哥 Monkey King, 高僧 monk); ``child`` for a child's voice whose trait names none, and
``unspecified`` where the trait says nothing of it (the robot).
"""

from __future__ import annotations

from typing import Final

from .model import Voice

_ZH_EN: Final = ("zh", "en")


def _zh(voice_id: str, gender: str, note: str, name: str, dialect: str | None = None) -> Voice:
    """A voice of Chinese (Mandarin, or the dialect) and English."""
    return Voice(voice_id, gender, _ZH_EN, dialect=dialect, note=note, name=name)


def _bj(language: str, voice_id: str, gender: str, note: str, name: str) -> Voice:
    """A foreign-language voice the list marks 'Beijing only, not yet Singapore'."""
    return Voice(voice_id, gender, (language,), note=f"{note}, Beijing only", name=name)


_LONGANYANG: Final = _zh("longanyang", "male", "sunny young man", "Longan Yang")
_LONGANHUAN: Final = _zh("longanhuan", "female", "cheerful, energetic", "Longan Huan")

COSYVOICE_V3_FLASH: Final = (
    # Social companion (flagship voices)
    _LONGANYANG,
    # Instruct picks one of nine dialects: Mandarin, Cantonese, Northeastern, Henan, Hunan,
    # Shaanxi, Shandong, Sichuan, Anhui.
    _zh("longanhuan_v3", "female", "cheerful, multi-dialect", "Longan Huan V3"),
    _LONGANHUAN,
    # Children's voices
    _zh("longhuhu_v3", "female", "innocent little girl", "Long Huhu"),
    _zh("longpaopao_v3", "child", "floaty bubble voice", "Long Paopao"),
    _zh("longjielidou_v3", "male", "sunny, mischievous boy", "Longjie Lidou"),
    _zh("longxian_v3", "female", "bold, cute girl", "Long Xian"),
    _zh("longling_v3", "female", "childish, deadpan girl", "Long Ling"),
    _zh("longshanshan_v3", "child", "dramatic child voice", "Long Shanshan"),
    _zh("longniuniu_v3", "male", "sunny boy", "Long Niuniu"),
    # Dialects
    _zh("longjiaxin_v3", "female", "elegant", "Long Jiaxin", "Cantonese"),
    _zh("longjiayi_v3", "female", "intellectual", "Long Jiayi", "Cantonese"),
    _zh("longanyue_v3", "male", "cheerful", "Longan Yue", "Cantonese"),
    _zh("longlaotie_v3", "male", "straightforward", "Long Laotie", "Northeastern"),
    _zh("longshange_v3", "male", "northern Shaanxi", "Long Shange", "Shaanxi"),
    _zh("longanmin_v3", "female", "innocent, girlish", "Longan Min", "Minnan"),
    # Overseas marketing: foreign-language voices, Beijing only
    _bj("ko", "loongkyong_v3", "female", "Korean", "Kyong"),
    _bj("ja", "loongriko_v3", "female", "anime-style Japanese", "Riko"),
    _bj("ja", "loongtomoka_v3", "female", "Japanese", "Tomoka"),
    _bj("en", "loongabby_v3", "female", "American", "Abby"),
    _bj("en", "loongandy_v3", "male", "American", "Andy"),
    _bj("en", "loongannie_v3", "female", "American", "Annie"),
    _bj("en", "loongava_v3", "female", "American", "Ava"),
    _bj("en", "loongbeth_v3", "female", "American", "Beth"),
    _bj("en", "loongbetty_v3", "female", "American", "Betty"),
    _bj("en", "loongcally_v3", "female", "American", "Cally"),
    _bj("en", "loongcindy_v3", "female", "American", "Cindy"),
    _bj("en", "loongdavid_v3", "male", "American", "David"),
    _bj("en", "loongdonna_v3", "female", "American", "Donna"),
    _bj("en", "loongemily_v3", "female", "British", "Emily"),
    _bj("en", "loongeric_v3", "male", "British", "Eric"),
    _bj("en", "loongluna_v3", "female", "British", "Luna"),
    _bj("en", "loongluca_v3", "male", "British", "Luca"),
    _bj("ja", "loongtomoya_v3", "male", "Japanese", "Tomoya"),
    _bj("ja", "loongyuuna_v3", "female", "Japanese", "Yuuna"),
    _bj("ja", "loongyuuma_v3", "male", "Japanese", "Yuuma"),
    _bj("ko", "loongjihun_v3", "male", "Korean", "Jihun"),
    _bj("id", "loongindah_v3", "female", "Indonesian", "Indah"),
    # Poetry recitation, telemarketing, customer service
    _zh("longfei_v3", "male", "passionate, magnetic", "Long Fei"),
    _zh("longyingxiao_v3", "female", "sweet saleswoman", "Long Yingxiao"),
    _zh("longyingxun_v3", "male", "young, inexperienced", "Long Yingxun"),
    _zh("longyingjing_v3", "female", "low-key, calm", "Long Yingjing"),
    _zh("longyingling_v3", "female", "gentle, empathetic", "Long Yingling"),
    _zh("longyingtao_v3", "female", "gentle, composed", "Long Yingtao"),
    # Voice assistant
    _zh("longxiaochun_v3", "female", "intellectual, upbeat", "Long Xiaochun"),
    _zh("longxiaoxia_v3", "female", "calm, authoritative", "Long Xiaoxia"),
    _zh("longyumi_v3", "female", "earnest young woman", "YUMI"),
    _zh("longanyun_v3", "male", "warm homebody", "Longan Yun"),
    _zh("longanwen_v3", "female", "elegant, intellectual", "Longan Wen"),
    _zh("longanli_v3", "female", "brisk, composed", "Longan Li"),
    _zh("longanlang_v3", "male", "fresh, crisp", "Longan Lang"),
    _zh("longyingmu_v3", "female", "elegant, intellectual", "Long Yingmu"),
    # Social companion
    _zh("longantai_v3", "female", "sweet Taiwanese girl", "Longan Tai"),
    _zh("longhua_v3", "female", "energetic, sweet", "Long Hua"),
    _zh("longcheng_v3", "male", "smart young man", "Long Cheng"),
    _zh("longze_v3", "male", "warm, energetic", "Long Ze"),
    _zh("longzhe_v3", "male", "awkward, warm-hearted", "Long Zhe"),
    _zh("longyan_v3", "female", "warm, gentle", "Long Yan"),
    _zh("longxing_v3", "female", "gentle girl-next-door", "Long Xing"),
    _zh("longtian_v3", "male", "magnetic, rational", "Long Tian"),
    _zh("longwan_v3", "female", "delicate, soft", "Long Wan"),
    _zh("longqiang_v3", "female", "romantic, charming", "Long Qiang"),
    _zh("longfeifei_v3", "female", "sweet, coy", "Long Feifei"),
    _zh("longhao_v3", "male", "emotional, melancholic", "Long Hao"),
    _zh("longanrou_v3", "female", "gentle best friend", "Longan Rou"),
    _zh("longhan_v3", "male", "warm, devoted", "Long Han"),
    _zh("longanzhi_v3", "male", "wise, mature", "Longan Zhi"),
    _zh("longanling_v3", "female", "quick-witted", "Longan Ling"),
    _zh("longanya_v3", "female", "graceful, elegant", "Longan Ya"),
    _zh("longanqin_v3", "female", "friendly, lively", "Longan Qin"),
    # Audiobooks
    _zh("longmiao_v3", "female", "expressive cadence", "Long Miao"),
    _zh("longsanshu_v3", "male", "steady, textured", "Long Sanshu"),
    _zh("longyuan_v3", "female", "warm, soothing", "Long Yuan"),
    _zh("longyue_v3", "female", "warm, magnetic", "Long Yue"),
    _zh("longxiu_v3", "male", "erudite storyteller", "Long Xiu"),
    _zh("longnan_v3", "male", "wise young man", "Long Nan"),
    _zh("longwanjun_v3", "female", "delicate, soft", "Long Wanjun"),
    _zh("longyichen_v3", "male", "free-spirited, energetic", "Long Yichen"),
    _zh("longlaobo_v3", "male", "weathered old man", "Long Laobo"),
    _zh("longlaoyi_v3", "female", "easygoing older auntie", "Long Laoyi"),
    # Short-video dubbing, livestream selling, news
    _zh("longjiqi_v3", "unspecified", "cute robot", "Long Jiqi"),
    _zh("longhouge_v3", "male", "classic Monkey King", "Long Houge"),
    _zh("longdaiyu_v3", "female", "coy, talented lady", "Long Daiyu"),
    _zh("longanran_v3", "female", "lively, textured", "Longan Ran"),
    _zh("longanxuan_v3", "female", "classic livestreamer", "Longan Xuan"),
    _zh("longshuo_v3", "male", "erudite, capable", "Long Shuo"),
    _zh("longshu_v3", "male", "steady young man", "Long Shu"),
    _zh("loongbella_v3", "female", "precise, capable", "Bella 3.0"),
)
"""cosyvoice-v3-flash: the list's 88 voices (the first is the default)."""

COSYVOICE_V3_PLUS: Final = (_LONGANYANG, _LONGANHUAN)
"""cosyvoice-v3-plus: the list's 2 voices, the same ids as on v3-flash."""
