"""Server-side text segmentation of ``server_commit`` mode."""

from __future__ import annotations

from typing import Final

_SENTENCE_ENDS: Final = frozenset("。！？；…!?;\n")
_WESTERN_ENDS: Final = frozenset(".")  # a boundary only when whitespace follows
_CLAUSE_BREAKS: Final = frozenset("，、,： :")


class Segmenter:
    """Cuts appended text into segments at sentence punctuation or a length threshold."""

    def __init__(self, max_chars: int = 120) -> None:
        self._max_chars = max_chars
        self._buffer = ""

    @property
    def pending(self) -> str:
        """Text not yet segmented."""
        return self._buffer

    def feed(self, text: str) -> list[str]:
        """Add text and return every segment that is complete now."""
        self._buffer += text
        segments: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                return segments
            segments.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]

    def flush(self) -> str:
        """Return and forget everything pending."""
        segment, self._buffer = self._buffer, ""
        return segment

    def _next_cut(self) -> int | None:
        buffer = self._buffer
        spoken = False  # a boundary needs something to speak before it
        for index, char in enumerate(buffer):
            if not spoken:
                spoken = not char.isspace() and char not in _SENTENCE_ENDS
                continue
            if char in _SENTENCE_ENDS:
                return index + 1
            if char in _WESTERN_ENDS and index + 1 < len(buffer) and buffer[index + 1].isspace():
                return index + 1
            if index + 1 >= self._max_chars:
                window = buffer[: index + 1]
                breaks = [window.rfind(mark) for mark in _CLAUSE_BREAKS]
                best = max(breaks)
                return best + 1 if best > 0 else index + 1
        return None
