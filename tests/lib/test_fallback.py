"""A local voice when Model Studio cannot speak: the server hands the request's text to
another Wyoming TTS server (here a second server on a simulator of its own), converted to
the request's format, and keeps the request's error when the fault is the request's."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import replace

import aiohttp
import numpy as np
import pytest
from wyoming.audio import AudioStart
from wyoming.error import Error
from wyoming.tts import Synthesize, SynthesizeVoice

from tests.helpers import (
    API_KEY,
    FAST_RETRY,
    TEXT,
    WyomingServer,
    audio_of,
    read_until,
    run,
    serving,
    split_anywhere,
    stream,
)
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.core.convert import PcmConverter
from wyoming_qwentts.server.requests import remainder
from wyoming_qwentts.server.upstream import UpstreamSettings
from wyoming_qwentts.simulator import QwenSimulator, decode

MODEL = "qwen3-tts-flash-realtime"
SETTINGS = UpstreamSettings(SpeechParams(), retry=FAST_RETRY)


@pytest.fixture
async def local_voice(
    http: aiohttp.ClientSession,
) -> AsyncIterator[tuple[WyomingServer, QwenSimulator]]:
    """The fallback: a Wyoming server of its own, on a simulator of its own."""
    async with QwenSimulator() as other:
        other.options.api_key = API_KEY
        async with serving(http, other.url, [MODEL], SETTINGS) as server:
            yield server, other


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"ws://127.0.0.1:{sock.getsockname()[1]}/api-ws/v1/realtime"


@pytest.mark.parametrize("outage", ["closed port", "key refused", "throttled"])
@pytest.mark.parametrize("streamed", [False, True], ids=["synthesize", "streamed"])
async def test_what_model_studio_cannot_speak_the_fallback_speaks(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    local_voice: tuple[WyomingServer, QwenSimulator],
    outage: str,
    streamed: bool,
) -> None:
    fallback, other = local_voice
    url = closed_port() if outage == "closed port" else simulator.url
    if outage == "key refused":
        simulator.options.reject_handshake = 401
    if outage == "throttled":
        simulator.options.reject_handshake = 429
    settings = replace(SETTINGS, fallback=f"tcp://127.0.0.1:{fallback.port}")
    async with serving(http, url, [MODEL], settings) as server, server.client() as client:
        if streamed:
            events = await stream(client, split_anywhere(TEXT, 7))
        else:
            await client.write_event(Synthesize(text=TEXT).event())
            events = await read_until(client, "audio-stop")
    assert [e for e in events if Error.is_type(e.type)] == []
    assert decode(audio_of(events)) == TEXT  # all of it, once, in the fallback's voice
    spoken = [text for record in other.sessions for text in record.spoken]  # by session
    assert sorted("".join(spoken)) == sorted(TEXT)  # the fallback was given all of it once
    assert len([e for e in events if AudioStart.is_type(e.type)]) == 1


async def test_a_drop_mid_announcement_is_finished_by_the_fallback(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    local_voice: tuple[WyomingServer, QwenSimulator],
) -> None:
    fallback, other = local_voice
    simulator.options.delta_bytes = 960
    simulator.options.drop_after_deltas = 80  # the first segment whole, then every session
    # drops in the second: its resumes run out, and the fallback takes over from there.
    settings = replace(SETTINGS, fallback=f"tcp://127.0.0.1:{fallback.port}")
    async with serving(http, simulator.url, [MODEL], settings) as server, server.client() as client:
        events = await stream(client, split_anywhere(TEXT, 7))
    assert [e for e in events if Error.is_type(e.type)] == []
    heard = decode(audio_of(events))
    taken_over = "".join(t for record in other.sessions for t in record.spoken)
    assert heard.startswith("Attention please,")  # Model Studio's voice first
    assert taken_over  # the fallback spoke the rest, and only the rest
    assert "Attention" not in taken_over
    # The text in order, nothing skipped: the segment that failed is heard from its start
    # again in the other voice, as after a resume.
    assert "".join(heard.split()).endswith("".join(taken_over.split()))
    assert "".join(TEXT.split()).endswith("".join(taken_over.split()))


async def test_the_requests_own_fault_keeps_its_error(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    local_voice: tuple[WyomingServer, QwenSimulator],
) -> None:
    fallback, other = local_voice
    settings = replace(SETTINGS, fallback=f"tcp://127.0.0.1:{fallback.port}")
    async with serving(http, simulator.url, [MODEL], settings) as server, server.client() as client:
        await client.write_event(
            Synthesize(text="Hi.", voice=SynthesizeVoice(name="sambert-zhichu-v1")).event()
        )
        events = await read_until(client, "audio-stop")
    errors = [Error.from_event(e) for e in events if Error.is_type(e.type)]
    assert [error.code for error in errors] == ["invalid-voice"]
    assert other.sessions == []  # the fallback was not asked


async def test_when_the_fallback_fails_too_the_original_error_stands(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 401
    nobody = closed_port().replace("ws://", "tcp://").split("/api")[0]
    settings = replace(SETTINGS, fallback=nobody)
    async with serving(http, simulator.url, [MODEL], settings) as server, server.client() as client:
        await client.write_event(Synthesize(text=TEXT).event())
        events = await read_until(client, "audio-stop")
    errors = [Error.from_event(e) for e in events if Error.is_type(e.type)]
    assert [error.code for error in errors] == ["auth-failed"]
    assert audio_of(events) == b""


def test_the_rest_of_a_text_after_what_was_spoken() -> None:
    assert remainder("Hello there. How are you?", "Hello there.") == "How are you?"
    assert remainder("Hello  there.\n How are you?", "Hello there. ") == "How are you?"
    assert remainder("Short.", "Short.") == ""
    assert remainder("Any text.", "") == "Any text."


@pytest.mark.parametrize(("rate", "width", "channels"), [(16000, 2, 1), (22050, 2, 2),
                                                         (48000, 4, 1), (44100, 3, 2)])  # fmt: skip
def test_audio_of_another_format_is_made_the_servers(rate: int, width: int, channels: int) -> None:
    t = np.arange(rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    ints = np.round(tone * (2 ** (8 * width - 1) - 1)).astype("<i4")
    frames = np.repeat(ints, channels)
    if width == 2:
        raw = frames.astype("<i2").tobytes()
    elif width == 4:
        raw = frames.astype("<i4").tobytes()
    else:
        raw = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in frames)
    converter = PcmConverter(rate, width, channels, 24000)
    step = 1000 * width * channels + width  # pieces that split frames: joined again
    out = b"".join(converter.push(raw[i : i + step]) for i in range(0, len(raw), step))
    out += converter.flush()
    samples = np.frombuffer(out, dtype="<i2") / 32768
    assert len(samples) == pytest.approx(24000, abs=64)  # a second, at the server's rate
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.fft.rfftfreq(len(samples), 1 / 24000)[np.argmax(spectrum)] == pytest.approx(
        440, abs=2
    )
    assert np.max(np.abs(samples)) == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("http://127.0.0.1:10300", "--fallback must be tcp://HOST:PORT or unix://PATH"),
        ("tcp://127.0.0.1", "needs a host and a port"),
    ],
)
async def test_a_fallback_it_cannot_reach_by_its_uri_stops_it_at_once(
    uri: str, message: str
) -> None:
    code, _, err = await run("--simulate", "--fallback", uri)
    assert code == 2
    assert message in err
