"""SSML documents: telling one from plain text, and its words without the markup."""

from __future__ import annotations

import html
import re
from typing import Final

_TAG: Final = re.compile(r"<[^>]*>")


def is_ssml(text: str) -> bool:
    """Whether ``text`` is an SSML document (``<speak …>…</speak>``)."""
    stripped = text.strip()
    return stripped.startswith("<speak") and stripped.endswith("</speak>")


def ssml_text(document: str) -> str:
    """The words of an SSML document: its markup removed, entities decoded."""
    return html.unescape(_TAG.sub("", document)).strip()
