"""The text tape: a request's text read in turn by the speaker and the fallback, nothing lost
or read twice, its error raised to every reader that reaches it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wyoming_qwentts.speech import TextTape
from wyoming_qwentts.speech.tape import remainder


class _Reader:
    """A task reading a tape; ``arrived`` is set at each piece (the reader then goes on, and
    waits when it has read all there is)."""

    def __init__(self, tape: TextTape) -> None:
        self.pieces: list[str] = []
        self.arrived = asyncio.Event()
        self.task = asyncio.create_task(self._read(tape))

    async def next_pieces(self) -> list[str]:
        """What arrived since the last call (waits for at least one piece)."""
        await asyncio.wait_for(self.arrived.wait(), 5)
        self.arrived.clear()
        pieces, self.pieces = self.pieces, []
        return pieces

    async def _read(self, tape: TextTape) -> None:
        async for piece in tape.read():
            self.pieces.append(piece)
            self.arrived.set()


def test_the_rest_of_a_text_after_what_was_spoken() -> None:
    assert remainder("Hello there. How are you?", "Hello there.") == "How are you?"
    assert remainder("Hello  there.\n How are you?", "Hello there. ") == "How are you?"
    assert remainder("Short.", "Short.") == ""
    assert remainder("Any text.", "") == "Any text."


async def test_text_pushed_is_read_in_order_up_to_the_end() -> None:
    tape = TextTape()
    tape.push("One. ")
    tape.push("")  # nothing to read
    tape.push("Two. ")
    reader = _Reader(tape)
    assert await reader.next_pieces() == ["One. ", "Two. "]
    tape.push("Three.")  # the reader waits for it
    assert await reader.next_pieces() == ["Three."]
    tape.end()
    tape.push("Never read.")
    await asyncio.wait_for(reader.task, 5)
    assert reader.pieces == []


async def test_a_reader_cancelled_while_it_waits_loses_no_text() -> None:
    tape = TextTape()
    tape.push("One. ")
    reader = _Reader(tape)
    assert await reader.next_pieces() == ["One. "]
    reader.task.cancel()  # while it waits for the next piece
    with pytest.raises(asyncio.CancelledError):
        await reader.task
    tape.push("Two. ")
    tape.end()
    assert [piece async for piece in tape.rest_after("One.")] == ["Two. "]


async def test_what_was_taken_but_not_spoken_goes_to_the_next_reader() -> None:
    tape = TextTape()
    tape.push("Spoken. ")
    tape.push("Taken, not spoken. ")
    tape.push("Still to come.")
    tape.end()
    first = tape.read()
    assert [await anext(first), await anext(first)] == ["Spoken. ", "Taken, not spoken. "]
    rest = [piece async for piece in tape.rest_after("Spoken.")]
    assert rest == ["Taken, not spoken. ", "Still to come."]


async def test_a_failure_reaches_every_reader_after_the_text_before_it() -> None:
    tape = TextTape()
    tape.push("Heard. ")
    tape.fail(ValueError("too long"))
    tape.fail(RuntimeError("a second failure is not kept"))
    reader = tape.read()
    assert await anext(reader) == "Heard. "
    with pytest.raises(ValueError, match="too long"):
        await anext(reader)
    with pytest.raises(ValueError, match="too long"):  # the fallback's reader too
        await anext(tape.rest_after("Heard."))


async def test_a_tape_filled_from_an_iterable_keeps_its_text_and_its_error() -> None:
    async def texts() -> AsyncIterator[str]:
        yield "One. "
        yield "Two. "
        raise ValueError("the source broke")

    tape = TextTape.of(texts())
    reader = tape.read()
    assert [await anext(reader), await anext(reader)] == ["One. ", "Two. "]
    with pytest.raises(ValueError, match="the source broke"):
        await anext(reader)


async def test_a_tape_filled_from_an_iterable_ends_with_it() -> None:
    async def texts() -> AsyncIterator[str]:
        yield "One. "
        yield "Two."

    assert [piece async for piece in TextTape.of(texts()).read()] == ["One. ", "Two."]


async def test_a_source_cancelled_on_its_own_ends_the_text_with_an_error() -> None:
    gone: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    gone.cancel()

    async def texts() -> AsyncIterator[str]:
        yield "One. "
        yield await gone  # the source's own wait is cancelled, not the tape's filler

    reader = TextTape.of(texts()).read()
    assert await anext(reader) == "One. "
    with pytest.raises(RuntimeError, match="text stream was cancelled"):
        await asyncio.wait_for(anext(reader), 5)


async def test_closing_ends_every_wait_and_stops_the_filler() -> None:
    source: asyncio.Queue[str] = asyncio.Queue()
    stopped = asyncio.Event()

    async def texts() -> AsyncIterator[str]:
        try:
            while True:
                yield await source.get()
        finally:
            stopped.set()

    tape = TextTape.of(texts())
    source.put_nowait("One. ")
    reader = _Reader(tape)
    assert await reader.next_pieces() == ["One. "]
    tape.close()  # the reader was waiting: its read ends
    await asyncio.wait_for(reader.task, 5)
    await asyncio.wait_for(stopped.wait(), 5)
    source.put_nowait("Never read.")
    assert [piece async for piece in tape.read()] == []
    assert reader.pieces == []
