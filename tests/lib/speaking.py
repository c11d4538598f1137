"""Text sources and listeners shared by the speaker tests of both protocols."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from wyoming_qwentts.core.segmenter import Segmenter

TEXT = (
    "Attention please, the garage door is open. It has been open for ten minutes. "
    "Please close it before you go to bed. 谢谢！ Good night."
)


async def pieces(text: str, size: int = 9) -> AsyncIterator[str]:
    """``text`` in pieces of ``size`` characters, as a stream."""
    for i in range(0, len(text), size):
        yield text[i : i + size]


async def speak(speaker: Any, text: str = TEXT) -> bytes:
    """All the audio of ``speaker`` (a Speaker or a ServerCommitStream) for ``text``."""
    return b"".join([chunk async for chunk in speaker.speak(pieces(text))])


def sentences(text: str) -> list[str]:
    """The speaker's sentences of ``text`` (segments are runs of them)."""
    segmenter = Segmenter(first_cut=12)
    return [s for s in (*segmenter.feed(text), segmenter.flush()) if s]
