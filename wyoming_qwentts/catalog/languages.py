"""Languages: the realtime ``language_type`` names, and the one rule that turns what a
user or a client gives (``en``, ``en-US``, ``zh_CN``, ``English``) into an ISO 639-1 code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

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
"""The realtime ``language_type`` values and the ISO 639-1 code each one stands for."""


def language_code(language: str) -> str | None:
    """The ISO 639-1 code of a language tag (``en``, ``en-US``, ``zh_CN``) or of a realtime
    ``language_type`` (``English``); None for ``Auto`` or an empty tag (detected)."""
    if language in LANGUAGE_TYPES:
        return LANGUAGE_TYPES[language]
    return language.replace("_", "-").split("-")[0].lower() or None
