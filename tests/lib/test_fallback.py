"""A local voice when Model Studio cannot speak: the server hands the request's text to
another Wyoming TTS server (here a second server on a simulator of its own), converted to
the request's format, and keeps the request's error when the fault is the request's."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import struct
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

import aiohttp
import numpy as np
import pytest
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, TtsProgram
from wyoming.server import AsyncEventHandler, AsyncServer
from wyoming.tts import Synthesize, SynthesizeVoice

from tests.helpers import (
    API_KEY,
    FAST_RETRY,
    TEXT,
    WyomingServer,
    audio_of,
    clean_env,
    handling,
    read_until,
    run,
    server,
    serving,
    split_anywhere,
    stream,
    until,
    upstream_of,
)
from wyoming_qwentts import catalog
from wyoming_qwentts.core import (
    AuthenticationError,
    ConnectError,
    InvalidParameterError,
    ServerBusyError,
    SpeechParams,
)
from wyoming_qwentts.core.convert import PcmConverter, WavStream
from wyoming_qwentts.protocols import client_for
from wyoming_qwentts.server.upstream import UpstreamSettings
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.speech import SpeechSession, SpeechSource, WarmPool
from wyoming_qwentts.speech.failover import Breaker, again, connection_probe

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


@pytest.mark.parametrize("outage", ["closed port", "black hole", "key refused", "throttled"])
@pytest.mark.parametrize("streamed", [False, True], ids=["synthesize", "streamed"])
async def test_what_model_studio_cannot_speak_the_fallback_speaks(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    local_voice: tuple[WyomingServer, QwenSimulator],
    silent_port: int,
    outage: str,
    streamed: bool,
) -> None:
    fallback, other = local_voice
    url = simulator.url
    if outage == "closed port":
        url = closed_port()
    if outage == "black hole":  # a loopback tarpit: it accepts, and never answers
        url = f"ws://127.0.0.1:{silent_port}/api-ws/v1/realtime"
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
    rest = TEXT[TEXT.index("It has been") :]  # the second segment on: what the fallback speaks
    assert heard.startswith("Attention please, the garage door is open.")  # Model Studio's
    # The text in order, nothing skipped: the segment that failed is heard from its start
    # again in the other voice, as after a resume; the fallback was given the rest once
    # (its sessions, one a segment, recorded in the order they opened).
    assert "".join(heard.split()).endswith("".join(rest.split()))
    assert sorted("".join(taken_over.split())) == sorted("".join(rest.split()))


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


async def spoken_by(client: Any, text: str, streamed: bool) -> list[Event]:
    """The events of one request of ``text``, streamed or whole."""
    if streamed:
        return await stream(client, split_anywhere(text, 5))
    await client.write_event(Synthesize(text=text).event())
    return await read_until(client, "audio-stop")


async def described(client: Any) -> str:
    await client.write_event(Describe().event())
    return str(Info.from_event((await read_until(client, "info"))[-1]).tts[0].description)


async def test_the_breaker_skips_model_studio_while_it_is_gone_and_returns_when_it_answers(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    local_voice: tuple[WyomingServer, QwenSimulator],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "wyoming_qwentts")
    fallback, other = local_voice
    simulator.options.reject_handshake = 401  # the key revoked
    settings = replace(
        SETTINGS,
        fallback=f"tcp://127.0.0.1:{fallback.port}",
        retry=replace(FAST_RETRY, reconnect_backoff=0.05),
    )
    texts = [f"Message {n}, the door is open." for n in range(1, 6)]
    async with serving(http, simulator.url, [MODEL], settings) as server, server.client() as client:
        breaker = server.upstream.failovers[MODEL].breaker
        assert breaker is not None
        assert " · " not in await described(client)
        heard = []
        for number, text in enumerate(texts[:2]):  # two failures: the breaker opens
            heard.append(decode(audio_of(await spoken_by(client, text, bool(number)))))
            assert simulator.handshakes == number + 1  # each tried Model Studio first
        assert breaker.is_open
        description = await described(client)
        assert description.endswith(
            f"· Model Studio cannot speak {MODEL} (auth-failed): the fallback {settings.fallback} "
            "speaks"
        )
        for number, text in enumerate(texts[2:4]):  # straight to the fallback
            heard.append(decode(audio_of(await spoken_by(client, text, bool(number)))))
        probed = simulator.handshakes
        simulator.options.reject_handshake = None  # the key works again
        async with asyncio.timeout(10):
            await breaker.wait_closed()
        assert simulator.handshakes > probed  # the background probe found it answering
        assert " · " not in await described(client)
        before = len(other.sessions)
        heard.append(decode(audio_of(await spoken_by(client, texts[4], True))))
        assert len(other.sessions) == before  # spoken by Model Studio again
    assert heard == texts
    outage = [r for r in caplog.records if "Model Studio cannot speak" in r.getMessage()]
    back = [r for r in caplog.records if "Model Studio answers again" in r.getMessage()]
    assert [r.levelname for r in outage] == ["WARNING"]  # each logged once
    assert [r.levelname for r in back] == ["INFO"]


async def test_a_fallback_at_another_rate_is_heard_at_the_servers_rate(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    async with QwenSimulator() as other:
        other.options.api_key = API_KEY
        low = UpstreamSettings(SpeechParams(sample_rate=16000), retry=FAST_RETRY)
        async with serving(http, other.url, [MODEL], low) as local:
            async with local.client() as direct:
                own = await spoken_by(direct, TEXT, False)
            simulator.options.reject_handshake = 403
            settings = replace(SETTINGS, fallback=f"tcp://127.0.0.1:{local.port}")
            async with (
                serving(http, simulator.url, [MODEL], settings) as main,
                main.client() as client,
            ):
                events = await spoken_by(client, TEXT, True)
    assert [AudioStart.from_event(e).rate for e in own if AudioStart.is_type(e.type)] == [16000]
    starts = [AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type)]
    assert [(s.rate, s.width, s.channels) for s in starts] == [(24000, 2, 1)]
    # All of the fallback's audio, resampled: 1.5 times its samples, give or take a frame.
    assert len(audio_of(events)) // 2 == pytest.approx(1.5 * len(audio_of(own)) // 2, abs=64)


async def test_the_servers_own_command_speaks_through_the_fallback(tmp_path: Path) -> None:
    """The issue's command: nothing listens upstream; every request, streamed or not, is
    spoken by the fallback at the server's own rate."""
    env = clean_env(DASHSCOPE_API_KEY=API_KEY)
    async with server("--simulate", "--voice", "Ethan") as (_, local_port):
        fallback = f"tcp://127.0.0.1:{local_port}"
        args = ("--url", "ws://127.0.0.1:9/api-ws/v1/realtime", "--fallback", fallback)
        async with server(*args, env=env) as (_, port), AsyncTcpClient("127.0.0.1", port) as client:
            for number, text in enumerate(["Smoke in the kitchen.", "Water in the cellar."] * 2):
                events = await spoken_by(client, text, bool(number % 2))
                assert decode(audio_of(events)) == text
                starts = [AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type)]
                assert [s.rate for s in starts] == [24000]
            assert await described(client) == (
                "Model Studio text-to-speech (qwen3-tts-flash-realtime) · Model Studio cannot "
                f"speak qwen3-tts-flash-realtime (upstream-unreachable): the fallback {fallback} "
                "speaks"
            )


async def test_a_request_fault_or_a_full_queue_never_opens_the_breaker(
    caplog: pytest.LogCaptureFixture,
) -> None:
    probes: list[None] = []

    async def probe() -> None:
        probes.append(None)

    changes: list[bool] = []
    breaker = Breaker(probe, failures=2, on_change=changes.append)
    for err in (InvalidParameterError("No such voice.", "voice"), ServerBusyError("Busy.")):
        breaker.failed(err)
        breaker.failed(err)
    breaker.failed(ConnectError("Unreachable."))
    breaker.succeeded()  # a success between two failures: not consecutive
    breaker.failed(ConnectError("Unreachable."))
    assert changes == []
    breaker.failed(AuthenticationError("intl"))
    assert changes == [True]
    assert breaker.is_open
    await breaker.close()  # at shutdown the probe stops
    assert not [r for r in caplog.records if "Model Studio answers" in r.getMessage()]


def riff(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"".join(kind + len(data).to_bytes(4, "little") + data + b"\0" * (len(data) & 1)
                    for kind, data in chunks)  # fmt: skip
    return b"RIFF" + (4 + len(body)).to_bytes(4, "little") + b"WAVE" + body


def fmt(rate: int, width: int, channels: int, tag: int = 1) -> tuple[bytes, bytes]:
    block = width * channels
    return b"fmt ", struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, 8 * width)


def test_a_streamed_wav_with_other_chunks_arrives_byte_by_byte() -> None:
    pcm = np.arange(-500, 500, dtype="<i2").tobytes()
    wav = riff(fmt(24000, 2, 1), (b"LIST", b"odd"), (b"data", pcm))
    stream = WavStream(24000)
    out = b"".join(stream.push(wav[i : i + 1]) for i in range(len(wav))) + stream.flush()
    assert out == pcm  # at the server's own format: the samples as they are


def test_a_wav_at_another_rate_and_in_stereo_is_made_mono_at_ours() -> None:
    tone = np.round(12000 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)).astype("<i2")
    stream = WavStream(24000)
    out = stream.push(riff(fmt(22050, 2, 2), (b"data", np.repeat(tone, 2).tobytes())))
    samples = np.frombuffer(out + stream.flush(), dtype="<i2")
    assert len(samples) == pytest.approx(24000, abs=64)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.fft.rfftfreq(len(samples), 1 / 24000)[np.argmax(spectrum)] == pytest.approx(
        440, abs=2
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"OggS" + bytes(60), "not a WAV file"),
        (riff(fmt(16000, 2, 1, tag=3), (b"data", bytes(4))), "WAV audio of format 3 (not PCM)"),
        (riff((b"data", bytes(4)), fmt(16000, 2, 1)), "data comes before its format"),
        (riff((b"LIST", bytes(1 << 16))), "no WAV audio data within the first 64 KiB"),
    ],
)
def test_what_is_not_pcm_wav_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        WavStream(24000).push(data)


def test_audio_that_ends_in_its_header_is_refused() -> None:
    stream = WavStream(24000)
    assert stream.push(riff(fmt(16000, 2, 1))[:30]) == b""
    with pytest.raises(ValueError, match="ended before its WAV data began"):
        stream.flush()


class FakePiper(AsyncEventHandler):
    """A Wyoming TTS server as the Piper add-on is: no streamed text, its own format (a
    440 Hz tone, a second per message, 22.05 kHz stereo); ``behaviour`` breaks it."""

    behaviour = "speaks"
    heard: ClassVar[list[str]] = []

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            if self.behaviour == "no info":
                return False
            program = TtsProgram(name="piper", attribution=Attribution(name="", url=""),
                                 installed=True, description=None, version=None, voices=[],
                                 supports_synthesize_streaming=False)  # fmt: skip
            await self.write_event(Info(tts=[program]).event())
        elif Synthesize.is_type(event.type):
            self.heard.append(Synthesize.from_event(event).text)
            if self.behaviour == "error":
                await self.write_event(Error(text="Voice not installed.").event())
                return True
            await self.write_event(AudioStart(22050, 2, 2).event())
            tone = np.round(9000 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050))
            frames = np.repeat(tone.astype("<i2"), 2).tobytes()
            for i in range(0, len(frames), 4096):
                await self.write_event(AudioChunk(22050, 2, 2, frames[i : i + 4096]).event())
                if self.behaviour == "closes":
                    return False
            await self.write_event(AudioStop().event())
        return True


@pytest.fixture
async def piper() -> AsyncIterator[str]:
    FakePiper.behaviour, FakePiper.heard = "speaks", []
    tcp = AsyncServer.from_uri("tcp://127.0.0.1:0")
    await tcp.start(FakePiper)
    try:
        yield f"tcp://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"  # type: ignore[attr-defined]
    finally:
        await tcp.stop()


async def test_a_fallback_that_takes_no_streams_is_sent_the_whole_text_and_resampled(
    http: aiohttp.ClientSession, simulator: QwenSimulator, piper: str
) -> None:
    simulator.options.reject_handshake = 401
    settings = replace(SETTINGS, fallback=piper)
    async with serving(http, simulator.url, [MODEL], settings) as main, main.client() as client:
        events = await spoken_by(client, TEXT, True)
    assert FakePiper.heard == [TEXT]  # once, whole, when the stream ended
    starts = [AudioStart.from_event(e) for e in events if AudioStart.is_type(e.type)]
    assert [(s.rate, s.width, s.channels) for s in starts] == [(24000, 2, 1)]
    samples = np.frombuffer(audio_of(events), dtype="<i2") / 32768
    assert len(samples) == pytest.approx(24000, abs=64)  # its second, at the server's rate
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.fft.rfftfreq(len(samples), 1 / 24000)[np.argmax(spectrum)] == pytest.approx(
        440, abs=2
    )


async def test_a_fallback_that_fails_leaves_the_clouds_error_and_says_so_once(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    piper: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "wyoming_qwentts")
    simulator.options.reject_handshake = 429
    settings = replace(SETTINGS, fallback=piper)
    async with serving(http, simulator.url, [MODEL], settings) as main, main.client() as client:
        for behaviour in ("no info", "error", "closes"):  # (its Info is kept once read)
            FakePiper.behaviour = behaviour
            events = await spoken_by(client, "Smoke in the hall.", False)
            errors = [Error.from_event(e) for e in events if Error.is_type(e.type)]
            assert [error.code for error in errors] == ["rate-limited"], behaviour
        FakePiper.behaviour = "speaks"
        events = await spoken_by(client, "Smoke in the hall.", False)
        assert audio_of(events)
        assert [e for e in events if Error.is_type(e.type)] == []
    failed = [r for r in caplog.records if "cannot speak either" in r.getMessage()]
    assert [r.levelname for r in failed] == ["WARNING"]
    assert failed[0].getMessage() == (
        f"The fallback {piper} cannot speak either: it cannot be reached (it closed the "
        "connection before its Info)"
    )
    again = [r for r in caplog.records if "speaks again" in r.getMessage()]
    assert [r.levelname for r in again] == ["INFO"]


async def test_a_request_the_cloud_speaks_closes_an_open_breaker() -> None:
    async def probe() -> None:
        raise ConnectError("Still gone.")

    changes: list[bool] = []
    breaker = Breaker(probe, failures=1, on_change=changes.append)
    breaker.failed(ConnectError("Gone."))
    assert changes == [True]
    breaker.succeeded()  # e.g. a voice without a fallback, spoken by the cloud meanwhile
    assert changes == [True, False]
    assert breaker.error is None
    await breaker.close()  # it awaits the cancelled probe


async def test_a_requests_own_fault_while_the_fallback_speaks_is_its_own(
    http: aiohttp.ClientSession, local_voice: tuple[WyomingServer, QwenSimulator]
) -> None:
    """Text over the server's limit, streamed while the fallback speaks: ``text-too-long``
    at once, not the cloud's error after the fallback's timeout."""
    fallback, _ = local_voice
    settings = replace(SETTINGS, fallback=f"tcp://127.0.0.1:{fallback.port}")
    async with serving(http, closed_port(), [MODEL], settings) as main, main.client() as client:
        async with asyncio.timeout(5):
            events = await stream(client, ["The door is open. " * 10] * 20)
    errors = [Error.from_event(e) for e in events if Error.is_type(e.type)]
    assert [error.code for error in errors] == ["text-too-long"]


def test_an_error_raised_again_is_a_new_one_equal_to_it() -> None:
    err = AuthenticationError("intl")
    copy = again(err)
    assert copy is not err
    assert (type(copy), str(copy), copy.code, copy.region) == (
        AuthenticationError,
        str(err),
        "auth-failed",
        "intl",
    )


async def test_the_probe_opens_a_new_connection_where_warm_ones_stand_ready(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    """A warm socket opened before the key was revoked proves nothing: the probe connects
    anew, so the breaker stays open."""
    client = client_for(http, API_KEY, catalog.MODELS[MODEL], url=simulator.url)
    pool = WarmPool(client, minimum=1, maximum=1)
    pool.start()
    await until(pool, lambda: pool.ready == 1)
    simulator.options.reject_handshake = 401
    with pytest.raises(AuthenticationError):
        await connection_probe(pool)()
    assert pool.ready == 1  # its warm socket untouched
    simulator.options.reject_handshake = None
    await connection_probe(client)()  # a bare client is probed as it is
    await pool.close()


class _Sourceless(SpeechSource):
    model = catalog.MODELS[MODEL]

    async def open_session(self, params: SpeechParams, **options: Any) -> SpeechSession:
        raise NotImplementedError


def test_a_source_without_a_client_cannot_be_probed() -> None:
    with pytest.raises(TypeError, match="no client to probe with"):
        connection_probe(_Sourceless())


async def test_a_warm_pool_that_cannot_reconnect_opens_the_breaker_before_any_request(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    local_voice: tuple[WyomingServer, QwenSimulator],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The internet went down a while ago: the first alarm goes to the fallback at once,
    without meeting the outage and its retries itself."""
    fallback, other = local_voice
    simulator.options.reject_handshake = 403  # the account in arrears
    policy = replace(FAST_RETRY, reconnect_backoff=0.01, reconnect_backoff_max=0.02)
    client = client_for(http, API_KEY, catalog.MODELS[MODEL], url=simulator.url)
    pool = WarmPool(client, minimum=1, maximum=1, max_idle=0.2, policy=policy)
    settings = replace(SETTINGS, fallback=f"tcp://127.0.0.1:{fallback.port}", retry=policy)
    upstream = upstream_of([pool], settings)
    breaker = upstream.failovers[MODEL].breaker
    assert breaker is not None
    pool.start()
    await until(pool, lambda: pool.stats.failures >= 2)
    assert breaker.is_open
    caplog.clear()
    async with handling(upstream) as port, AsyncTcpClient("127.0.0.1", port) as wyoming:
        events = await spoken_by(wyoming, "Smoke in the kitchen.", True)
    assert decode(audio_of(events)) == "Smoke in the kitchen."
    assert "".join(record.spoken[0] for record in other.sessions) == "Smoke in the kitchen."
    assert not [r for r in caplog.records if "retrying segment" in r.getMessage()]
    simulator.options.reject_handshake = None  # back: the pool's next connection closes it
    async with asyncio.timeout(10):
        await breaker.wait_closed()
    await pool.close()
    await upstream.close()


async def test_a_listener_that_fails_is_logged_and_the_breaker_works_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def probe() -> None:
        raise ConnectError("Still gone.")

    def listener(opened: bool) -> None:
        raise RuntimeError("a broken listener")

    breaker = Breaker(probe, failures=1, on_change=listener)
    breaker.heard(ConnectError("Gone."))  # a warm pool's reconnect failed
    assert breaker.is_open
    assert "A listener of the outage failed" in caplog.text
    breaker.heard(None)  # and then one opened
    assert breaker.error is None
    await breaker.close()
