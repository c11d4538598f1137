"""The text of one request as it streams in, cut into sentences for the speaker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator

from ..core.sentences import SentenceSplitter
from ..core.ssml import MAX_SSML_CHARS, is_ssml, not_a_document, opens_ssml
from ..core.tasks import Signal


class TextFeed:
    """Reads a text source and cuts it into ``sentences`` (or passes its pieces through).

    Whitespace never makes a sentence of its own: leading whitespace rides with the first
    text, and a whitespace run between sentences stays with the sentence before it only in
    pass-through mode. A text that starts as an SSML document (``<speak``) is one sentence,
    markup never cut — if it is a well-formed document of at most ``MAX_SSML_CHARS``; any
    other is cut as text. ``text_format`` says it instead of the text (Wyoming 1.10):
    ``"text"`` is never a document, ``"ssml"`` must be one (else the feed fails with
    :class:`~wyoming_qwentts.core.errors.InvalidParameterError`). :meth:`notify` wakes every
    task waiting in :meth:`changed`.
    """

    def __init__(
        self, *, first_cut: int = 12, split: bool = True, text_format: str | None = None
    ) -> None:
        self._splitter = SentenceSplitter(first_cut=first_cut) if split else None
        self.sentences: list[str] = []
        self.ssml = False
        """True when the text is an SSML document (its one sentence)."""
        self.done = False
        """True once the source ended (or failed)."""
        self.error: Exception | None = None
        """What the source raised, if it failed."""
        self._leading = ""
        self._declared = text_format == "ssml"
        self._document: str | None = "" if self._declared else None
        """An SSML document being read (it becomes one sentence at the end)."""
        self._undecided: str | None = "" if text_format is None else None
        """The start of the text, while it may still be the start of an SSML document."""
        self._changes = Signal()
        self._reader: asyncio.Task[None] | None = None

    async def start(self, texts: AsyncIterable[str]) -> bool:
        """Read here until the first sentence is cut, then on in a task; False: no text.

        The request's first text thus reaches the service without a task switch.
        """
        source = aiter(texts)
        while not self.sentences:
            try:
                text = await anext(source)
            except StopAsyncIteration:
                await self._read(source)  # nothing left to read: cuts the last sentence
                if self.error is not None:
                    raise self.error from None
                return bool(self.sentences)
            self._cut(text)
        self._reader = asyncio.create_task(self._read(source))
        return True

    async def stop(self) -> None:
        """Stop reading the source."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def changed(self) -> None:
        """Wait for the next :meth:`notify`."""
        await self._changes.wait()

    def notify(self) -> None:
        """Wake every task waiting in :meth:`changed`."""
        self._changes.notify()

    def _cut(self, text: str) -> None:
        if self._document is not None:
            self._document += text
            if len(self._document.strip()) <= MAX_SSML_CHARS:
                return
            if self._declared:
                raise not_a_document(f"is longer than {MAX_SSML_CHARS} characters")
            text, self._document = self._document, None  # too long for one segment: text
        elif self._undecided is not None:
            self._undecided += text
            opens = opens_ssml(self._undecided)
            if opens is None:
                return  # too short to tell yet
            if opens:
                self._document, self._undecided = self._undecided, None
                return
            text, self._undecided = self._undecided, None
        self._add(self._splitter.feed(text) if self._splitter is not None else [text])

    def _flush(self) -> None:
        """The source ended: the rest of the text is the last sentence."""
        document, undecided = self._document, self._undecided
        self._document = self._undecided = None
        if document is not None and is_ssml(document):
            self.ssml = True
            self._add([document])
            return
        if document is not None and self._declared and document.strip():
            raise not_a_document("is not a well-formed <speak>…</speak> document")
        for rest in (document, undecided):  # not a well-formed document: text
            if rest:
                self._cut(rest)
        if self._splitter is not None:
            self._add([self._splitter.flush()])

    async def _read(self, texts: AsyncIterator[str]) -> None:
        try:
            async for text in texts:
                self._cut(text)
            self._flush()
        except Exception as err:
            self.error = err
        finally:
            self.done = True
            self.notify()

    def _add(self, pieces: list[str]) -> None:
        for piece in pieces:
            if not piece.strip():
                if not self.sentences:
                    self._leading += piece
                elif self._splitter is None:
                    self.sentences.append(piece)
                continue  # a commit of whitespace alone would speak nothing
            self.sentences.append(self._leading + piece)
            self._leading = ""
        self.notify()


async def single_text(text: str) -> AsyncIterator[str]:
    """A whole text as a stream of one piece."""
    yield text
