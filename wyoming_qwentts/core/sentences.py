"""Cutting streamed text into sentences: the speaker sends runs of them as its segments
(which lets a request resume after a fault), and the simulator cuts ``server_commit`` text
the same way."""

from __future__ import annotations

from typing import Final

_SENTENCE_ENDS: Final = frozenset("。！？；…!?;\n")
_WESTERN_ENDS: Final = frozenset(".")  # a boundary only when whitespace follows
_CLAUSE_BREAKS: Final = frozenset("，、,： :")
_CLAUSE_ENDS: Final = frozenset("，、,：:")


class SentenceSplitter:
    """Cuts appended text into sentences at sentence punctuation or a length threshold.

    ``first_cut`` lets the first sentence end early, at the first clause break (a comma, a
    colon) after that many characters, or at a space after three times as many: the first
    audio then starts before the first sentence is complete.
    """

    def __init__(self, max_chars: int = 120, first_cut: int | None = None) -> None:
        self._max_chars = max_chars
        self._first_cut = first_cut
        self._first = True
        self._buffer = ""

    @property
    def pending(self) -> str:
        """Text not yet cut."""
        return self._buffer

    def feed(self, text: str) -> list[str]:
        """Add text and return every sentence that is complete now."""
        self._buffer += text
        sentences: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                return sentences
            sentences.append(self._buffer[:cut])
            self._buffer = self._buffer[cut:]
            self._first = False

    def flush(self) -> str:
        """Return and forget everything pending."""
        sentence, self._buffer = self._buffer, ""
        self._first = self._first and not sentence
        return sentence

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
            if self._first and self._first_cut is not None:
                if char in _CLAUSE_ENDS and index + 1 >= self._first_cut:
                    return index + 1
                if char.isspace() and index >= 3 * self._first_cut:
                    return index + 1
            if index + 1 >= self._max_chars:
                window = buffer[: index + 1]
                breaks = [window.rfind(mark) for mark in _CLAUSE_BREAKS]
                best = max(breaks)
                return best + 1 if best > 0 else index + 1
        return None
