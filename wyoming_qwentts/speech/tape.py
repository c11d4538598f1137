"""A request's text as it arrives, recorded: what the cloud did not speak, the fallback can.

The producer writes the tape (:meth:`TextTape.push`, :meth:`~TextTape.end`,
:meth:`~TextTape.fail`), or :meth:`TextTape.of` fills it from an async iterable. A reader
waits only when it has read everything: a piece pushed wakes it in the loop's next turn, with
no task in between (under load every turn of the loop is every stream's work, so the first
sentence reaches the service turns sooner). Readers share one position: a reader that gives
up (a speaker cancelled while it waits) loses nothing, and the next reader goes on from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator

from ..core.tasks import Signal


class TextTape:
    """The text of one request: written once, read in turn, kept (see the module)."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._taken = 0
        """Pieces handed to a reader."""
        self._ended = False
        self._error: BaseException | None = None
        self._changes = Signal()
        self._filler: asyncio.Task[None] | None = None

    @classmethod
    def of(cls, texts: AsyncIterable[str]) -> TextTape:
        """A tape filled from ``texts`` by a task of its own (stopped by :meth:`close`); an
        error of ``texts`` reaches the reader that meets it."""
        tape = cls()
        tape._filler = asyncio.create_task(tape._fill(texts), name="text tape")
        return tape

    def push(self, text: str) -> None:
        """Add text (ignored once the tape ended, and when empty)."""
        if text and not self._ended:
            self._pieces.append(text)
            self._changes.notify()

    def end(self) -> None:
        """No more text."""
        self._ended = True
        self._changes.notify()

    def fail(self, error: BaseException) -> None:
        """End the text with ``error``: raised to every reader that reaches it (the request
        ends with it, whoever speaks the text)."""
        if not self._ended:
            self._error = error
            self.end()

    async def read(self) -> AsyncIterator[str]:
        """The text no reader has taken yet, as it arrives."""
        while True:
            if self._taken < len(self._pieces):
                self._taken += 1
                yield self._pieces[self._taken - 1]
            elif self._ended:
                if self._error is not None:
                    raise self._error
                return
            else:
                await self._changes.wait()  # cancelled: nothing was taken

    async def rest_after(self, spoken: str) -> AsyncIterator[str]:
        """What was taken after ``spoken`` (whitespace aside), then the text still to come."""
        if rest := remainder("".join(self._pieces[: self._taken]), spoken):
            yield rest
        async for piece in self.read():
            yield piece

    def close(self) -> None:
        """The request is over: stop filling, end every wait."""
        if self._filler is not None:
            self._filler.cancel()
        self._ended = True
        self._error = None
        self._changes.notify()

    async def _fill(self, texts: AsyncIterable[str]) -> None:
        try:
            async for text in texts:
                self.push(text)
        except asyncio.CancelledError:
            if not self._ended:  # the source was cancelled, not this tape: its reader ends
                self.fail(RuntimeError("The request's text stream was cancelled."))
            raise
        except Exception as err:
            self.fail(err)
        else:
            self.end()


def remainder(text: str, spoken: str) -> str:
    """What of ``text`` comes after ``spoken``, which is its beginning but for whitespace
    (the speaker's segments keep every character of the text but lone whitespace)."""
    left = sum(not char.isspace() for char in spoken)
    for index, char in enumerate(text):
        if not left:
            return text[index:].lstrip()
        if not char.isspace():
            left -= 1
    return ""
