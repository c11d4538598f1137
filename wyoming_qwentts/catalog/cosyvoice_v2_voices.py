"""The system voices of cosyvoice-v2.

Source, read 2026-12-02: the cosyvoice-v2 table of the vendor's "CosyVoice音色列表"
(help.aliyun.com/zh/model-studio/cosyvoice-voice-list; the stored copy shows "更新时间"
without a date), read whole from a Markdown copy of the page kept in a public GitHub
repository: 106 voices. They are kept in the list's order, except that ``longxiaochun_v2``,
the default voice, comes first. Notes translate the list's 特质 (trait) column; the older
CosyVoice v2 table of the Intelligent Speech Interaction reference (help.aliyun.com/zh/isi,
streaming-text synthesis) describes seven of them differently (``longxiaochun_v2`` "gentle
big sister", ``longhua_v2`` "lively girl" …); the Model Studio list wins here. Gender as in
:mod:`.cosyvoice_voices`.
"""

from __future__ import annotations

from typing import Final

from .model import Voice

_ZH_EN: Final = ("zh", "en")


def _zh(voice_id: str, gender: str, note: str, name: str, dialect: str | None = None) -> Voice:
    """A voice of Chinese (Mandarin, or the dialect) and English."""
    return Voice(voice_id, gender, _ZH_EN, dialect=dialect, note=note, name=name)


def _only(language: str, voice_id: str, gender: str, note: str, name: str) -> Voice:
    """A voice of one foreign language."""
    return Voice(voice_id, gender, (language,), note=note, name=name)


COSYVOICE_V2: Final = (
    _zh("longxiaochun_v2", "female", "intellectual, upbeat", "Long Xiaochun"),
    # Telemarketing, short-video dubbing
    _zh("longyingxiao", "female", "sweet saleswoman", "Long Yingxiao"),
    _zh("longjiqi", "unspecified", "cute robot", "Long Jiqi"),
    _zh("longhouge", "male", "classic Monkey King", "Long Houge"),
    _zh("longjixin", "female", "sharp-tongued schemer", "Long Jixin"),
    _zh("longanyue", "male", "cheerful", "Longan Yue", "Cantonese"),
    _zh("longshange", "male", "northern Shaanxi", "Long Shange", "Shaanxi"),
    _zh("longanmin", "female", "sweet", "Longan Min", "Minnan"),
    _zh("longdaiyu", "female", "coy, talented lady", "Long Daiyu"),
    _zh("longgaoseng", "male", "enlightened monk", "Long Gaoseng"),
    # Voice assistant
    _zh("longanli", "female", "brisk, composed", "Longan Li"),
    _zh("longanlang", "male", "fresh, crisp", "Longan Lang"),
    _zh("longanwen", "female", "elegant, intellectual", "Longan Wen"),
    _zh("longanyun", "male", "warm homebody", "Longan Yun"),
    _zh("longyumi_v2", "female", "earnest young woman", "YUMI"),
    _zh("longxiaoxia_v2", "female", "calm, authoritative", "Long Xiaoxia"),
    # Audiobooks
    _zh("longyichen", "male", "free-spirited, energetic", "Long Yichen"),
    _zh("longwanjun", "female", "delicate, soft", "Long Wanjun"),
    _zh("longlaobo", "male", "weathered old man", "Long Laobo"),
    _zh("longlaoyi", "female", "easygoing older auntie", "Long Laoyi"),
    _zh("longbaizhi", "female", "astute narrator", "Long Baizhi"),
    _zh("longsanshu", "male", "steady, textured", "Long Sanshu"),
    _zh("longxiu_v2", "male", "erudite storyteller", "Long Xiu"),
    _zh("longmiao_v2", "female", "expressive cadence", "Long Miao"),
    _zh("longyue_v2", "female", "warm, magnetic", "Long Yue"),
    _zh("longnan_v2", "male", "wise young man", "Long Nan"),
    _zh("longyuan_v2", "female", "warm, soothing", "Long Yuan"),
    # Social companion
    _zh("longanqin", "female", "friendly, lively", "Longan Qin"),
    _zh("longanya", "female", "graceful, elegant", "Longan Ya"),
    _zh("longanshuo", "male", "clean, fresh", "Longan Shuo"),
    _zh("longanling", "female", "quick-witted", "Longan Ling"),
    _zh("longanzhi", "male", "wise, mature", "Longan Zhi"),
    _zh("longanrou", "female", "gentle best friend", "Longan Rou"),
    _zh("longqiang_v2", "female", "romantic, charming", "Long Qiang"),
    _zh("longhan_v2", "male", "warm, devoted", "Long Han"),
    _zh("longxing_v2", "female", "gentle girl-next-door", "Long Xing"),
    _zh("longhua_v2", "female", "energetic, sweet", "Long Hua"),
    _zh("longwan_v2", "female", "upbeat, intellectual", "Long Wan"),
    _zh("longcheng_v2", "male", "smart young man", "Long Cheng"),
    _zh("longfeifei_v2", "female", "sweet, coy", "Long Feifei"),
    _zh("longxiaocheng_v2", "male", "magnetic bass", "Long Xiaocheng"),
    _zh("longzhe_v2", "male", "awkward, warm-hearted", "Long Zhe"),
    _zh("longyan_v2", "female", "warm, gentle", "Long Yan"),
    _zh("longtian_v2", "male", "magnetic, rational", "Long Tian"),
    _zh("longze_v2", "male", "warm, energetic", "Long Ze"),
    _zh("longshao_v2", "male", "positive, upbeat", "Long Shao"),
    _zh("longhao_v2", "male", "emotional, melancholic", "Long Hao"),
    _zh("kabuleshen_v2", "male", "accomplished singer", "Long Shen"),
    # Children's voices, education
    _zh("longhuhu", "female", "innocent little girl", "Long Huhu"),
    _zh("longanpei", "female", "teen's teacher", "Longan Pei"),
    _zh("longwangwang", "child", "Taiwanese youth voice", "Long Wangwang"),
    _zh("longpaopao", "child", "floaty bubble voice", "Long Paopao"),
    _zh("longshanshan", "child", "dramatic child voice", "Long Shanshan"),
    _zh("longniuniu", "male", "sunny boy", "Long Niuniu"),
    # Customer service
    _zh("longyingmu", "female", "elegant, intellectual", "Long Yingmu"),
    _zh("longyingxun", "male", "young, inexperienced", "Long Yingxun"),
    _zh("longyingcui", "male", "stern debt collector", "Long Yingcui"),
    _zh("longyingda", "female", "cheerful, high-pitched", "Long Yingda"),
    _zh("longyingjing", "female", "low-key, calm", "Long Yingjing"),
    _zh("longyingyan", "female", "stern, righteous", "Long Yingyan"),
    _zh("longyingtian", "female", "gentle, sweet", "Long Yingtian"),
    _zh("longyingbing", "female", "sharp, assertive", "Long Yingbing"),
    _zh("longyingtao", "female", "gentle, composed", "Long Yingtao"),
    _zh("longyingling", "female", "gentle, empathetic", "Long Yingling"),
    # Livestream selling
    _zh("longanran", "female", "lively, textured", "Longan Ran"),
    _zh("longanxuan", "female", "classic livestreamer", "Longan Xuan"),
    _zh("longanchong", "male", "passionate salesman", "Longan Chong"),
    _zh("longanping", "female", "high-energy livestreamer", "Longan Ping"),
    # Children's voices
    _zh("longjielidou_v2", "male", "sunny, mischievous boy", "Longjie Lidou"),
    _zh("longling_v2", "female", "childish, deadpan girl", "Long Ling"),
    _zh("longke_v2", "female", "naive, well-behaved girl", "Long Ke"),
    _zh("longxian_v2", "female", "bold, cute girl", "Long Xian"),
    # Dialects
    _zh("longlaotie_v2", "male", "straightforward", "Long Laotie", "Northeastern"),
    _zh("longjiayi_v2", "female", "intellectual", "Long Jiayi", "Cantonese"),
    _zh("longtao_v2", "female", "upbeat", "Long Tao", "Cantonese"),
    # Poetry recitation
    _zh("longfei_v2", "male", "passionate, magnetic", "Long Fei"),
    _zh("libai_v2", "male", "ancient poet", "Li Bai"),
    _zh("longjin_v2", "male", "elegant, mellow", "Long Jin"),
    # News
    _zh("longshu_v2", "male", "steady young man", "Long Shu"),
    _zh("loongbella_v2", "female", "precise, capable", "Bella 2.0"),
    _zh("longshuo_v2", "male", "erudite, capable", "Long Shuo"),
    _zh("longxiaobai_v2", "female", "steady newsreader", "Long Xiaobai"),
    _zh("longjing_v2", "female", "classic announcer", "Long Jing"),
    _zh("loongstella_v2", "female", "brisk, confident", "Stella"),
    # Overseas marketing: foreign-language voices
    _only("ja", "loongyuuna_v2", "female", "energetic Japanese", "Yuuna"),
    _only("ja", "loongyuuma_v2", "male", "capable Japanese", "Yuuma"),
    _only("ko", "loongjihun_v2", "male", "sunny Korean", "Jihun"),
    _only("en", "loongeva_v2", "female", "intellectual British", "Eva"),
    _only("en", "loongbrian_v2", "male", "steady British", "Brian"),
    _only("en", "loongluna_v2", "female", "British", "Luna"),
    _only("en", "loongluca_v2", "male", "British", "Luca"),
    _only("en", "loongemily_v2", "female", "British", "Emily"),
    _only("en", "loongeric_v2", "male", "British", "Eric"),
    _only("en", "loongabby_v2", "female", "American", "Abby"),
    _only("en", "loongannie_v2", "female", "American", "Annie"),
    _only("en", "loongandy_v2", "male", "American", "Andy"),
    _only("en", "loongava_v2", "female", "American", "Ava"),
    _only("en", "loongbeth_v2", "female", "American", "Beth"),
    _only("en", "loongbetty_v2", "female", "American", "Betty"),
    _only("en", "loongcindy_v2", "female", "American", "Cindy"),
    _only("en", "loongcally_v2", "female", "American", "Cally"),
    _only("en", "loongdavid_v2", "male", "American", "David"),
    _only("en", "loongdonna_v2", "female", "American", "Donna"),
    _only("ko", "loongkyong_v2", "female", "Korean", "Kyong"),
    _only("ja", "loongtomoka_v2", "female", "Japanese", "Tomoka"),
    _only("ja", "loongtomoya_v2", "male", "Japanese", "Tomoya"),
)
"""cosyvoice-v2: the list's 106 voices (the first is the default)."""
