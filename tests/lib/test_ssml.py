"""SSML: only a well-formed ``<speak>`` document of bounded length is SSML; its words, read
to a model without SSML, keep their boundaries and their aliases."""

from __future__ import annotations

import pytest
from wyoming.error import Error
from wyoming.event import Event

from tests.helpers import WyomingServer, audio_of, chunks, read_until, split_anywhere
from wyoming_qwentts.core.ssml import MAX_SSML_CHARS, is_ssml, opens_ssml, ssml_text
from wyoming_qwentts.speech.text import TextFeed


@pytest.mark.parametrize(
    ("text", "document"),
    [
        ("<speak>Hello.</speak>", True),
        ('  <speak rate="1.2">Hello &amp; welcome.</speak>\n', True),
        ("<speak>Hello</speak> and more", False),
        ("<speak>Hello", False),
        ("<speaker notes> are not SSML </speaker notes>", False),
        ("<speak>1 & 2</speak>", False),  # not well-formed XML
        ("<speak>" + "x" * MAX_SSML_CHARS + "</speak>", False),  # too long for one segment
        ("Plain text.", False),
        ("<speak>\ud800</speak>", False),  # not valid Unicode: never an error here
    ],
)
def test_what_is_an_ssml_document(text: str, document: bool) -> None:
    assert is_ssml(text) is document


def test_telling_early_whether_a_stream_opens_a_document() -> None:
    assert opens_ssml("  <spe") is None  # too short to tell
    assert opens_ssml("<speak>") is True
    assert opens_ssml("<speak ") is True
    assert opens_ssml("<speaker") is False
    assert opens_ssml("Hello") is False


WORDS = [
    ("<speak>Hello<break time='300ms'/>there</speak>", "Hello there"),
    ('<speak>The <sub alias="World Wide Web">WWW</sub>.</speak>', "The World Wide Web."),
    ("<speak><p>One.</p><p>Two.</p></speak>", "One. Two."),
    ("<speak>Then <emphasis>a second</emphasis>.</speak>", "Then a second."),
    ("<speak>Fish &amp; chips</speak>", "Fish & chips"),
]  # fmt: skip


@pytest.mark.parametrize(("document", "words"), WORDS)
def test_the_words_of_a_document(document: str, words: str) -> None:
    assert ssml_text(document) == words


async def sentences_of(pieces: list[str]) -> list[str]:
    feed = TextFeed()
    await feed.start(chunks(pieces))
    while not feed.done:
        await feed.changed()
    return feed.sentences


async def test_a_document_streams_in_as_one_sentence_and_anything_else_as_text() -> None:
    document = "<speak>First, a long clause. Then <emphasis>a second</emphasis>.</speak>"
    assert await sentences_of(split_anywhere(document, 5)) == [document]
    broken = "<speak>First, a long clause. Then a second. And no end"
    cut = await sentences_of(split_anywhere(broken, 5))
    assert len(cut) > 1  # text: cut into sentences as it streams
    assert "".join(cut) == broken
    notes = "<speaker notes> are here. And more text."
    assert len(await sentences_of(split_anywhere(notes, 3))) == 2
    long = "<speak>" + "A sentence. " * 200 + "</speak>"  # over MAX_SSML_CHARS: text
    assert len(await sentences_of(split_anywhere(long, 50))) > 100


async def test_an_empty_document_is_empty_text_at_once(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        await client.write_event(Event("synthesize", {"text": "<speak> <break/> </speak>"}))
        events = await read_until(client, "audio-stop")
    errors = [Error.from_event(e) for e in events if Error.is_type(e.type)]
    assert [error.code for error in errors] == ["empty-text"]
    assert audio_of(events) == b""
