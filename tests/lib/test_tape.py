"""The text tape: a request's text read in turn by the speaker and the fallback, nothing lost
or read twice, its error raised where it is met."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from wyoming_qwentts.speech import TextTape
from wyoming_qwentts.speech.tape import remainder


def test_the_rest_of_a_text_after_what_was_spoken() -> None:
    assert remainder("Hello there. How are you?", "Hello there.") == "How are you?"
    assert remainder("Hello  there.\n How are you?", "Hello there. ") == "How are you?"
    assert remainder("Short.", "Short.") == ""
    assert remainder("Any text.", "") == "Any text."


async def test_text_pushed_is_read_in_order_up_to_the_end() -> None:
    tape = TextTape()
    reader = tape.read()
    tape.push("One. ")
    tape.push("Two. ")
    assert [await anext(reader), await anext(reader)] == ["One. ", "Two. "]
    waiting = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)  # let the reader reach its wait
    assert not waiting.done()
    tape.push("Three.")
    assert await waiting == "Three."
    tape.end()
    tape.push("Never read.")
    assert [piece async for piece in reader] == []


async def test_a_reader_cancelled_while_it_waits_loses_no_text() -> None:
    tape = TextTape()
    first = tape.read()
    tape.push("One. ")
    assert await anext(first) == "One. "
    waiting = asyncio.ensure_future(anext(first))
    await asyncio.sleep(0)  # the reader waits for the next piece
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
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


async def test_a_failure_is_raised_once_after_the_text_before_it() -> None:
    tape = TextTape()
    tape.push("Heard. ")
    failure = ValueError("too long")
    tape.fail(failure)
    tape.fail(RuntimeError("a second failure is not kept"))
    reader = tape.read()
    assert await anext(reader) == "Heard. "
    with pytest.raises(ValueError, match="too long"):
        await anext(reader)
    assert [piece async for piece in tape.read()] == []  # the next reader sees the end


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
    reader = tape.read()
    assert await anext(reader) == "One. "
    waiting = asyncio.ensure_future(anext(reader))
    await asyncio.sleep(0)
    tape.close()
    with pytest.raises(StopAsyncIteration):
        await waiting
    await asyncio.wait_for(stopped.wait(), 5)
    source.put_nowait("Never read.")
    assert [piece async for piece in tape.read()] == []


async def test_a_tape_filled_from_an_iterable_ends_with_it() -> None:
    async def texts() -> AsyncIterator[str]:
        yield "One. "
        yield "Two."

    assert [piece async for piece in TextTape.of(texts()).read()] == ["One. ", "Two."]
