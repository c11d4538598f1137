"""SSML documents: telling one from plain text, and its words without the markup."""

from __future__ import annotations

import html
import re
from typing import Final
from xml.etree import ElementTree

from .errors import InvalidParameterError

MAX_SSML_CHARS: Final = 2000
"""The longest text taken as an SSML document: a document is one segment, synthesized (and
its audio held for a slow client) whole, so a longer one is treated as text."""
TEXT_FORMATS: Final = ("text", "ssml")
"""What a request may say its text is (Wyoming's ``text_format``)."""
_OPEN: Final = re.compile(r"<speak[\s>/]")
_ALIAS: Final = re.compile(r"<sub\b[^>]*\balias\s*=\s*([\"'])(.*?)\1[^>]*>.*?</sub\s*>", re.S)
_BOUNDARY: Final = re.compile(r"</?(?:break|p|s|paragraph|sentence)\b[^>]*>", re.I)
_TAG: Final = re.compile(r"<[^>]*>")
_SPACES: Final = re.compile(r"\s+")


def opens_ssml(text: str) -> bool | None:
    """Whether ``text`` starts an SSML document (``<speak`` then a space, ``>`` or ``/``);
    None while it is too short to tell."""
    start = text.lstrip()
    if len(start) < len("<speak>") and "<speak>".startswith(start):
        return None
    return bool(_OPEN.match(start))


def is_ssml(text: str) -> bool:
    """Whether ``text`` is a well-formed SSML document of at most ``MAX_SSML_CHARS``: one
    ``<speak>`` element and nothing around it but whitespace."""
    stripped = text.strip()
    if len(stripped) > MAX_SSML_CHARS or not opens_ssml(stripped):
        return False
    try:
        return ElementTree.fromstring(stripped).tag == "speak"
    except (ElementTree.ParseError, ValueError):  # not XML, or not valid Unicode
        return False


def ssml_text(document: str) -> str:
    """The words of an SSML document: ``<sub alias>`` read as its alias, a break or a
    paragraph a word boundary, other markup removed, entities decoded."""
    words = _ALIAS.sub(lambda match: match[2], document)
    words = _TAG.sub("", _BOUNDARY.sub(" ", words))
    return _SPACES.sub(" ", html.unescape(words)).strip()


def words_of(text: str, text_format: str | None = None) -> str:
    """What of a whole text is spoken as words: an SSML document's words (one told by its
    form, or one ``text_format`` says it is), any other text as it is.

    Raises InvalidParameterError when ``text_format`` is ``"ssml"`` and the text is not a
    document.
    """
    if text_format == "text":
        return text
    if is_ssml(text):
        return ssml_text(text)
    if text_format == "ssml":
        too_long = len(text.strip()) > MAX_SSML_CHARS
        raise not_a_document(
            f"is longer than {MAX_SSML_CHARS} characters"
            if too_long
            else "is not a well-formed <speak>…</speak> document"
        )
    return text


def not_a_document(problem: str) -> InvalidParameterError:
    """The error of a text sent as SSML that is not an SSML document (``problem``: why)."""
    return InvalidParameterError("text_format", f"The text was sent as SSML but {problem}.")
