"""Model Studio's regions (API keys are per region)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .model import Region

SINGAPORE: Final = "singapore"
BEIJING: Final = "beijing"

REGIONS: Final[Mapping[str, Region]] = {
    SINGAPORE: Region(
        SINGAPORE,
        "Singapore (international)",
        "wss://dashscope-intl.aliyuncs.com",
        "ap-southeast-1.maas.aliyuncs.com",
    ),
    BEIJING: Region(
        BEIJING,
        "Beijing (Chinese mainland)",
        "wss://dashscope.aliyuncs.com",
        "cn-beijing.maas.aliyuncs.com",
    ),
}
DEFAULT_REGION: Final = SINGAPORE
