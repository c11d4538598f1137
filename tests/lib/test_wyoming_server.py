"""The Wyoming server over real TCP, driven by the wyoming package's own client."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

import pytest
from wyoming.audio import AudioChunk, AudioStart
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from tests.helpers import (
    FAST_RETRY,
    WyomingServer,
    audio_of,
    read_until,
    shape,
    split_anywhere,
    stream,
    types,
    until,
)
from wyoming_qwentts import catalog
from wyoming_qwentts.core import SpeechParams, Timeouts
from wyoming_qwentts.server.upstream import UpstreamSettings
from wyoming_qwentts.simulator import DISPUTED_BEHAVIOURS, QwenSimulator, decode
from wyoming_qwentts.speech.pool import WarmPool

TEXT = "Hello from Qwen. 你好，世界！ The weather is fine."


async def test_describe(wyoming_server: WyomingServer, simulator: QwenSimulator) -> None:
    async with wyoming_server.client() as client:
        await client.write_event(Describe().event())
        events = await read_until(client, "info")
    assert types(events) == ["info"]
    info = Info.from_event(events[0])
    assert len(info.tts) == 1
    program = info.tts[0]
    assert program.name == "qwen-tts"
    assert program.supports_synthesize_streaming
    assert program.installed
    assert len(program.voices) == 49
    cherry = next(voice for voice in program.voices if voice.name == "Cherry")
    assert cherry.description == "Cherry (female)"
    assert cherry.languages == ["zh", "en", "fr", "de", "ru", "it", "es", "pt", "ja", "ko"]
    assert any(voice.name == "Eldric Sage" for voice in program.voices)
    assert simulator.sessions == []  # answered from memory


async def test_standalone_synthesize(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        await client.write_event(Synthesize(text=TEXT).event())
        events = await read_until(client, "audio-stop")
    assert shape(events) == ["audio-start", "audio-chunk", "audio-stop"]
    start = AudioStart.from_event(events[0])
    assert (start.rate, start.width, start.channels) == (24000, 2, 1)
    chunks = [AudioChunk.from_event(e) for e in events if e.type == "audio-chunk"]
    assert all(len(c.audio) == 2048 for c in chunks[:-1])
    assert 0 < len(chunks[-1].audio) <= 2048
    assert {(c.rate, c.width, c.channels) for c in chunks} == {(24000, 2, 1)}
    assert decode(audio_of(events)) == TEXT


@pytest.mark.parametrize("warm_connections", [0, 1])
async def test_home_assistant_streaming_sequence(
    wyoming_server: WyomingServer, simulator: QwenSimulator, warm_connections: int
) -> None:
    (pool,) = wyoming_server.upstream.sources.values()
    assert isinstance(pool, WarmPool)
    if warm_connections:
        await until(pool, lambda: pool.ready == 1)
    chunks = split_anywhere(TEXT)
    async with wyoming_server.client() as client:
        events = await stream(client, chunks)
    assert shape(events) == ["audio-start", "audio-chunk", "audio-stop", "synthesize-stopped"]
    assert decode(audio_of(events)) == TEXT  # spoken once: the compat synthesize was ignored
    used = [record for record in simulator.sessions if record.events]
    assert 1 <= len(used) <= 2  # a second session synthesizes ahead while the first speaks
    appended = [
        [e["text"] for e in record.events if e["type"] == "input_text_buffer.append"]
        for record in used
    ]
    assert sorted(text for texts in appended for text in texts) == sorted(
        text for record in used for text in record.spoken
    )
    assert sum(len(text) for texts in appended for text in texts) == len(TEXT)
    # The server cuts and commits segments itself (so a session can resume after a fault);
    # the first one early, at the first sentence or clause break, and alone.
    assert appended[0][0] == "Hello from Qwen."
    for record, texts in zip(used, appended, strict=True):
        assert record.event_types() == [
            "session.update",
            *["input_text_buffer.append", "input_text_buffer.commit"] * len(texts),
            "session.finish",
        ]
        assert record.busy_inputs == 0  # one response at a time in each session
    assert pool.stats.warm >= warm_connections


@pytest.mark.parametrize("behaviour", sorted(DISPUTED_BEHAVIOURS))
async def test_streamed_text_is_spoken_exactly_under_every_disputed_behaviour(
    wyoming_server: WyomingServer, simulator: QwenSimulator, behaviour: str
) -> None:
    simulator.options.adopt(behaviour)
    simulator.options.real_time_factor = 0.05
    text = TEXT * 3
    async with wyoming_server.client() as client:
        events = await stream(client, split_anywhere(text))
    assert shape(events) == ["audio-start", "audio-chunk", "audio-stop", "synthesize-stopped"]
    assert decode(audio_of(events)) == text


async def test_single_chunk_stream_as_tts_speak_sends_it(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        events = await stream(client, ["Turn off the lights."])
    assert decode(audio_of(events)) == "Turn off the lights."


async def test_audio_starts_before_the_text_is_complete(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    async with wyoming_server.client() as client:
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="First sentence is here. ").event())
        early = await read_until(client, "audio-chunk")  # before any further text is sent
        assert types(early) == ["audio-start", "audio-chunk"]
        await client.write_event(SynthesizeChunk(text="And the rest.").event())
        await client.write_event(SynthesizeStop().event())
        rest = await read_until(client, "synthesize-stopped")
    assert decode(audio_of(early + rest)) == "First sentence is here. And the rest."
    assert types(rest).count("audio-start") == 0  # one audio-start per stream


async def test_debug_log_says_where_the_time_to_first_audio_went(
    wyoming_server: WyomingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="wyoming_qwentts.server.handler")
    async with wyoming_server.client() as client:
        events = await stream(client, ["Where did the time go? ", "Here."])
    assert decode(audio_of(events)) == "Where did the time go? Here."
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("First audio")]
    assert len(lines) == 1  # once per request, not per chunk
    total, upstream, bridge = (float(value) for value in re.findall(r"([\d.]+) ms", lines[0]))
    assert 0 < upstream <= total
    assert bridge == pytest.approx(total - upstream, abs=0.016)  # each of the three rounded to 0.01


async def test_several_requests_on_one_connection(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        first = await stream(client, ["One."])
        await client.write_event(Synthesize(text="Two.").event())
        second = await read_until(client, "audio-stop")
        third = await stream(client, ["Thr", "ee."])
        await client.write_event(Ping(text="still there?").event())
        pong = await read_until(client, "pong")
    assert [decode(audio_of(e)) for e in (first, second, third)] == ["One.", "Two.", "Three."]
    assert Pong.from_event(pong[-1]).text == "still there?"


async def test_requests_are_answered_in_order(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        for text in ("Alpha.", "Beta.", "Gamma."):
            await client.write_event(Synthesize(text=text).event())
        answers = [decode(audio_of(await read_until(client, "audio-stop"))) for _ in range(3)]
    assert answers == ["Alpha.", "Beta.", "Gamma."]


async def test_voice_and_language_of_the_request(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    async with wyoming_server.client() as client:
        await stream(client, ["Hi."], voice=SynthesizeVoice(name="Eldric Sage"))
        await client.write_event(
            Synthesize(text="Bonjour.", voice=SynthesizeVoice(language="fr-FR")).event()
        )
        await read_until(client, "audio-stop")
    assert simulator.sessions[0].config["voice"] == "Eldric Sage"
    assert simulator.sessions[1].config["voice"] == "Cherry"
    assert simulator.sessions[1].config["language_type"] == "French"


async def test_unknown_voice_names_the_closest_valid_ones(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    async with wyoming_server.client() as client:
        events = await stream(client, ["Hi."], voice=SynthesizeVoice(name="eldric sage"))
        await client.write_event(Synthesize(text="Hi.", voice=SynthesizeVoice(name="x")).event())
        standalone = await read_until(client, "audio-stop")
    assert types(events) == ["error", "audio-stop", "synthesize-stopped"]
    error = Error.from_event(events[0])
    assert error.code == "invalid-voice"
    assert "'eldric sage' is not offered" in error.text
    assert "did you mean 'Eldric Sage'?" in error.text
    assert "Cherry" not in error.text  # the closest voices, not all 49
    assert types(standalone) == ["error", "audio-stop"]
    assert simulator.sessions == []


async def test_empty_text(wyoming_server: WyomingServer, simulator: QwenSimulator) -> None:
    async with wyoming_server.client() as client:
        await client.write_event(Synthesize(text="  \n ").event())
        standalone = await read_until(client, "audio-stop")
        streamed = await stream(client, [" ", "\n"])
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeStop().event())
        nothing = await read_until(client, "synthesize-stopped")
    assert types(standalone) == ["error", "audio-stop"]
    assert Error.from_event(standalone[0]).code == "empty-text"
    assert types(streamed) == ["audio-stop", "synthesize-stopped"]
    assert types(nothing) == ["audio-stop", "synthesize-stopped"]
    assert simulator.sessions == []  # no upstream call at all


async def test_leading_whitespace_is_kept_with_the_text(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        events = await stream(client, ["\n", "  Spoken."])
    assert decode(audio_of(events)) == "\n  Spoken."


async def test_text_too_long(wyoming_server: WyomingServer, simulator: QwenSimulator) -> None:
    async with wyoming_server.client() as client:  # the fixture's limit is 2000 characters
        await client.write_event(Synthesize(text="x" * 2001).event())
        standalone = await read_until(client, "audio-stop")
        events = await stream(client, ["Fine so far. ", "y" * 1000, "z" * 1000])
        after = await stream(client, ["Still works."])
    assert types(standalone) == ["error", "audio-stop"]
    assert Error.from_event(standalone[0]).code == "text-too-long"
    assert "2000 characters" in Error.from_event(standalone[0]).text
    errors = [Error.from_event(e) for e in events if e.type == "error"]
    assert [e.code for e in errors] == ["text-too-long"]
    assert types(events)[-2:] == ["audio-stop", "synthesize-stopped"]
    assert decode(audio_of(after)) == "Still works."
    *cut, last = simulator.sessions  # the long stream's session, if it got one, was cut
    for record in cut:
        await asyncio.wait_for(record.closed.wait(), 5)
        assert not record.finished
    assert last.finished


async def test_malformed_events_get_errors_not_disconnects(wyoming_server: WyomingServer) -> None:
    """Every malformed event gets ``bad-request`` (never silence, never ``internal-error``);
    the connection goes on and speaks the next good request."""

    def errors(events: list[Event]) -> list[str]:
        return [Error.from_event(e).text or "" for e in events if Error.is_type(e.type)]

    async with wyoming_server.client() as client:
        await client.write_event(Event("synthesize", {"voice": None}))
        no_text = errors(await read_until(client, "audio-stop"))
        await client.write_event(Event("synthesize", {"text": "Hi.", "voice": "Cherry"}))
        string_voice = errors(await read_until(client, "audio-stop"))
        data = json.dumps({"text": "Bad \ud800 text."}).encode()  # escaped: valid JSON
        header = json.dumps({"type": "synthesize", "data_length": len(data)}).encode()
        writer = client._writer
        assert writer is not None
        writer.write(header + b"\n" + data)
        surrogate = errors(await read_until(client, "audio-stop"))
        await client.write_event(Event("synthesize", {"text": "Hi.", "voice": {"name": 5}}))
        voice_name = errors(await read_until(client, "audio-stop"))
        writer.write(b'{"type": "synthesize", "data": [1, 2]}\n')  # inline data, a list
        not_an_object = errors(await read_until(client, "error"))
        await client.write_event(Event("synthesize-chunk", {"text": "Outside."}))
        outside = errors(await read_until(client, "error"))
        await client.write_event(Event("synthesize-stop"))
        stop_outside = errors(await read_until(client, "error"))
        await client.write_event(Event("synthesize-start", {}))
        await client.write_event(Event("synthesize-chunk", {"text": 5}))
        await client.write_event(Event("synthesize-chunk", {"text": "Lost."}))
        await client.write_event(Event("synthesize-stop"))
        bad_chunk = await read_until(client, "synthesize-stopped")
        for kind in ("select-program", "transcribe"):  # other domains' events: ignored
            await client.write_event(Event(kind, {"text": "ignored"}))
        await client.write_event(Ping().event())
        assert types(await read_until(client, "pong")) == ["pong"]
        ok = await stream(client, ["Ok."])
    assert no_text == ["synthesize needs a text string."]
    assert string_voice == ['voice must be an object, e.g. {"name": "Cherry"}, not a string.']
    assert surrogate == ["The text is not valid Unicode."]
    assert voice_name == ["voice.name must be a string of valid Unicode."]
    assert not_an_object == ["The data of a synthesize event must be an object."]
    assert outside == ["synthesize-chunk outside a stream: send synthesize-start first."]
    assert stop_outside == ["synthesize-stop outside a stream."]
    assert errors(bad_chunk) == ["synthesize-chunk needs a text string."]
    assert audio_of(bad_chunk) == b""
    assert decode(audio_of(ok)) == "Ok."


async def test_start_inside_a_stream_ends_the_previous_one(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="First.").event())
        events = await stream(client, ["Second."])
        events += await read_until(client, "synthesize-stopped")
    assert types(events).count("synthesize-stopped") == 2
    assert decode(audio_of(events)) == "First.Second."


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ({"reject_handshake": 401}, "auth-failed", "per region"),
        ({"reject_handshake": 403}, "access-denied", "denied"),
        ({"reject_handshake": 429}, "rate-limited", "rate limit"),
        ({"reject_handshake": 500}, "upstream-failed", "unavailable"),
        ({"error_after_deltas": 2, "delta_bytes": 480}, "upstream-failed", "InternalError"),
        (
            {"drop_after_deltas": 2, "delta_bytes": 480},
            "upstream-failed",
            "before session.finished",
        ),
        ({"retired_models": frozenset({"qwen3-tts-flash-realtime"})}, "unknown-model", "unknown"),
    ],
)
async def test_upstream_failures_end_every_stream(
    wyoming_server: WyomingServer,
    simulator: QwenSimulator,
    options: dict[str, Any],
    code: str,
    message: str,
) -> None:
    for name, value in options.items():
        setattr(simulator.options, name, value)
    async with wyoming_server.client() as client:
        streamed = await stream(client, split_anywhere(TEXT))
        await client.write_event(Synthesize(text=TEXT).event())
        standalone = await read_until(client, "audio-stop")
        await client.write_event(Ping().event())
        await read_until(client, "pong")  # the connection survived
    for events in (streamed, standalone):
        errors = [Error.from_event(e) for e in events if e.type == "error"]
        assert [e.code for e in errors] == [code]
        assert message in errors[0].text
    assert types(streamed)[-2:] == ["audio-stop", "synthesize-stopped"]
    assert types(standalone)[-1] == "audio-stop"


@pytest.mark.parametrize("timeouts", [Timeouts(audio_gap=0.1)])
async def test_upstream_stall_is_a_timeout(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    simulator.options.stall_after_deltas = 1
    async with wyoming_server.client() as client:
        events = await stream(client, [TEXT])
    assert Error.from_event(next(e for e in events if e.type == "error")).code == "upstream-timeout"
    assert types(events)[-2:] == ["audio-stop", "synthesize-stopped"]


async def test_unreachable_upstream(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    port = simulator.url.split(":")[2].split("/")[0]
    await simulator.stop()
    async with wyoming_server.client() as client:
        events = await stream(client, ["Anyone?"])
    error = Error.from_event(events[0])
    assert error.code == "upstream-unreachable"
    # A client is not told where the upstream is (the log says).
    assert error.text == "The speech service cannot be reached; see the server's log."
    assert port not in (error.text or "")


@pytest.mark.parametrize(
    "upstream_settings",
    [UpstreamSettings(SpeechParams(), max_concurrency=1, queue_timeout=0.05, retry=FAST_RETRY)],
)
async def test_busy_server_answers_server_busy(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    async with wyoming_server.client() as holder, wyoming_server.client() as other:
        await holder.write_event(SynthesizeStart().event())
        await holder.write_event(SynthesizeChunk(text="Holding the only slot. ").event())
        await read_until(holder, "audio-chunk")  # its upstream session is open now
        events = await stream(other, ["Me too."])
        await holder.write_event(SynthesizeStop().event())
        held = await read_until(holder, "synthesize-stopped")
    assert Error.from_event(events[0]).code == "server-busy"
    assert "stayed busy for 0.05 s" in Error.from_event(events[0]).text
    assert "error" not in types(held)


@pytest.mark.parametrize(
    "upstream_settings",
    [UpstreamSettings(SpeechParams(), max_concurrency=2, queue_timeout=30, retry=FAST_RETRY)],
)
async def test_requests_over_the_limit_wait_for_a_slot(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    texts = [f"Request number {n}." for n in range(6)]

    async def one(text: str) -> str:
        async with wyoming_server.client() as client:
            return decode(audio_of(await stream(client, split_anywhere(text))))

    assert await asyncio.gather(*(one(t) for t in texts)) == texts
    assert len(simulator.sessions) == 6


@pytest.mark.parametrize(
    "upstream_settings",
    [UpstreamSettings(SpeechParams(), segmentation="server", retry=FAST_RETRY)],
)
async def test_server_segmentation_that_loses_text_answers_an_error(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    simulator.options.finish_drains = False  # the field report: finish drops the rest
    simulator.options.real_time_factor = 0.05
    async with wyoming_server.client() as client:
        events = await stream(client, split_anywhere(TEXT))
    assert types(events)[-3:] == ["error", "audio-stop", "synthesize-stopped"]
    error = Error.from_event(events[-3])
    assert error.code == "upstream-failed"
    expected = catalog.billed_characters("".join(TEXT.split()))
    pattern = rf"(spoke \d+ of|without speaking any of) the {expected} characters sent"
    assert re.search(pattern, error.text or "")
    assert decode(audio_of(events)) != TEXT  # what was heard, then the error: not a success


async def test_disconnect_mid_stream_closes_the_upstream_session(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    simulator.options.real_time_factor = 1.0  # keep the session busy while we leave
    async with wyoming_server.client() as client:
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="A long announcement. " * 20).event())
        await read_until(client, "audio-chunk")
    record = simulator.sessions[0]
    await asyncio.wait_for(record.closed.wait(), 5)
    assert not record.finished
    assert "session.finish" not in record.event_types()
    await asyncio.wait_for(_no_jobs(wyoming_server), 5)


async def _no_jobs(server: WyomingServer) -> None:
    while server.upstream.jobs:
        await asyncio.wait(set(server.upstream.jobs))


async def test_fifty_concurrent_clients(wyoming_server: WyomingServer) -> None:
    texts = [f"Client {n} says 你好 {n}." for n in range(50)]

    async def one(text: str) -> str:
        async with wyoming_server.client() as client:
            return decode(audio_of(await stream(client, split_anywhere(text, 5))))

    assert await asyncio.gather(*(one(t) for t in texts)) == texts


@pytest.mark.parametrize("samples_per_chunk", [100])
async def test_samples_per_chunk(wyoming_server: WyomingServer) -> None:
    async with wyoming_server.client() as client:
        events = await stream(client, ["Small chunks."])
    sizes = [len(AudioChunk.from_event(e).audio) for e in events if e.type == "audio-chunk"]
    assert set(sizes[:-1]) == {200}
    assert decode(audio_of(events)) == "Small chunks."
