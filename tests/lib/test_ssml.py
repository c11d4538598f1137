"""SSML: only a well-formed ``<speak>`` document of bounded length is SSML; its words, read
to a model without SSML, keep their boundaries and their aliases; Wyoming 1.10's
``text_format`` says what a text is instead of its form."""

from __future__ import annotations

import pytest
from wyoming.error import Error
from wyoming.event import Event
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from tests.helpers import WyomingServer, audio_of, chunks, read_until, split_anywhere
from wyoming_qwentts.core import InvalidParameterError, SpeechParams
from wyoming_qwentts.core.ssml import MAX_SSML_CHARS, is_ssml, opens_ssml, ssml_text
from wyoming_qwentts.realtime import QwenRealtimeClient, ServerCommitStream
from wyoming_qwentts.simulator import QwenSimulator, SimulatedSession, decode
from wyoming_qwentts.speech.text import TextFeed


async def read_all(feed: TextFeed, pieces: list[str]) -> None:
    """Read ``pieces`` into ``feed`` to the end; raise what it failed with."""
    await feed.start(chunks(pieces))
    while not feed.done:
        await feed.changed()
    if feed.error is not None:
        raise feed.error


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
    return (await feed_of(pieces, None)).sentences


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


async def feed_of(pieces: list[str], text_format: str | None) -> TextFeed:
    feed = TextFeed(text_format=text_format)
    await read_all(feed, pieces)
    return feed


async def test_text_format_says_what_the_text_is_instead_of_its_form() -> None:
    document = "<speak>First, a long clause. Then a second.</speak>"
    declared = await feed_of(split_anywhere(document, 5), "ssml")
    assert (declared.sentences, declared.ssml) == ([document], True)
    plain = await feed_of(split_anywhere(document, 5), "text")
    assert plain.ssml is False
    assert len(plain.sentences) > 1  # cut as text, markup and all
    assert "".join(plain.sentences) == document
    told = await feed_of(split_anywhere(document, 5), None)  # without the field: its form
    assert (told.sentences, told.ssml) == ([document], True)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Just words.", "is not a well-formed <speak>…</speak> document"),
        ("<speak>1 & 2</speak>", "is not a well-formed <speak>…</speak> document"),
        ("<speak>" + "x" * MAX_SSML_CHARS + "</speak>", f"is longer than {MAX_SSML_CHARS}"),
    ],
)
async def test_text_sent_as_ssml_that_is_no_document_is_refused(text: str, problem: str) -> None:
    feed = TextFeed(text_format="ssml")
    with pytest.raises(InvalidParameterError, match="was sent as SSML but") as refused:
        await read_all(feed, split_anywhere(text, 40))
    assert problem in str(refused.value)
    assert refused.value.code == "invalid-parameter"
    assert feed.sentences == []  # nothing of it was spoken


DOCUMENT = '<speak>Hello <break time="200ms"/>there, <sub alias="Doctor">Dr.</sub> Lee.</speak>'


@pytest.mark.parametrize("streamed", [False, True], ids=["synthesize", "synthesize-start"])
@pytest.mark.parametrize(
    ("text_format", "voice", "enable_ssml", "sent", "heard"),
    [
        ("ssml", "longanyang", True, DOCUMENT, "Hello there, Doctor Lee."),
        ("ssml", "Cherry", None, "Hello there, Doctor Lee.", "Hello there, Doctor Lee."),
        ("text", "longanyang", False, DOCUMENT, DOCUMENT),
    ],
    ids=["ssml-to-cosyvoice", "ssml-to-realtime-as-words", "text-never-ssml"],
)
async def test_text_format_over_wyoming(
    families_server: WyomingServer,
    simulator: QwenSimulator,
    text_format: str,
    voice: str,
    enable_ssml: bool | None,
    sent: str,
    heard: str,
    streamed: bool,
) -> None:
    voice_of = SynthesizeVoice(name=voice)
    async with families_server.client() as client:
        if streamed:
            await client.write_event(with_format(SynthesizeStart(voice_of).event(), text_format))
            for piece in split_anywhere(DOCUMENT, 9):
                await client.write_event(SynthesizeChunk(text=piece).event())
            await client.write_event(SynthesizeStop().event())
            events = await read_until(client, "synthesize-stopped")
        else:
            await client.write_event(
                with_format(Synthesize(text=DOCUMENT, voice=voice_of).event(), text_format)
            )
            events = await read_until(client, "audio-stop")
    assert [e.type for e in events if e.type == "error"] == []
    assert decode(audio_of(events)) == heard
    used = [record for record in simulator.sessions if record.spoken]
    assert "".join(sent_text(record) for record in used) == sent
    assert {record.config.get("enable_ssml") for record in used} == {enable_ssml}


def with_format(event: Event, text_format: str) -> Event:
    """``event`` with the ``text_format`` a Wyoming 1.10 client writes (on 1.7.2 too)."""
    return Event(event.type, {**(event.data or {}), "text_format": text_format})


def sent_text(record: SimulatedSession) -> str:
    """The text a session was sent: realtime appends, or inference tasks' pieces."""
    return "".join(
        event.get("text") or ((event.get("payload") or {}).get("input") or {}).get("text", "")
        for event in record.events
        if event.get("type") == "input_text_buffer.append"
        or (event.get("header") or {}).get("action") == "continue-task"
    )


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"text": "Hi.", "text_format": "markdown"}, "bad-request", "text_format must be"),
        ({"text": "Hi.", "text_format": 3}, "bad-request", "text_format must be"),
        ({"text": "Just words.", "text_format": "ssml"}, "invalid-parameter", "sent as SSML"),
        ({"text": "<speak> </speak>", "text_format": "ssml"}, "empty-text", "no text"),
        ({"text": "<speak> </speak>", "text_format": "text"}, None, None),  # spoken as written
    ],
)
async def test_a_text_format_it_cannot_be_is_an_error(
    families_server: WyomingServer, data: dict[str, object], code: str | None, message: str | None
) -> None:
    async with families_server.client() as client:
        await client.write_event(Event("synthesize", data))
        events = await read_until(client, "audio-stop")
    errors = [Error.from_event(e) for e in events if Error.is_type(e.type)]
    if code is None:
        assert errors == []
        assert decode(audio_of(events)) == data["text"]
    else:
        assert [error.code for error in errors] == [code]
        assert message is not None
        assert message in errors[0].text
        assert audio_of(events) == b""


@pytest.mark.parametrize("text_format", [None, "ssml"])
async def test_server_commit_mode_sends_a_documents_words(
    client: QwenRealtimeClient, simulator: QwenSimulator, text_format: str | None
) -> None:
    stream = ServerCommitStream(client, SpeechParams())
    pieces = chunks(split_anywhere(DOCUMENT, 9))
    audio = b"".join([chunk async for chunk in stream.speak(pieces, text_format=text_format)])
    assert decode(audio) == "Hello there, Doctor Lee."
    assert sent_text(simulator.sessions[0]) == "Hello there, Doctor Lee."
