"""The realtime client against the simulator over loopback."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest

from tests.helpers import API_KEY
from wyoming_qwentts import catalog
from wyoming_qwentts.core import (
    AccessDeniedError,
    AuthenticationError,
    ConnectError,
    ConnectionClosedError,
    InvalidParameterError,
    QwenTimeoutError,
    RateLimitError,
    ServiceError,
    SpeechParams,
    Timeouts,
    UnknownModelError,
)
from wyoming_qwentts.realtime import QwenRealtimeClient, RealtimeSession
from wyoming_qwentts.simulator import QwenSimulator, decode, decode_wav
from wyoming_qwentts.speech import Synthesis

MIXED_TEXT = "Hello, 世界! Ünïcödé 😀 — 你好。Bye."


async def one_session(client: QwenRealtimeClient, text: str, params: SpeechParams) -> Synthesis:
    """A whole text in one ``server_commit`` session: the protocol at its plainest."""
    async with await client.open_session(params, mode="server_commit", wait=True) as session:
        await session.append(text)
        await session.finish()
        audio = await session.read_all()
    return Synthesis(audio, session.metrics)


async def test_synthesize_round_trip(client: QwenRealtimeClient, simulator: QwenSimulator) -> None:
    result = await one_session(client, MIXED_TEXT, SpeechParams(voice="Ethan"))

    assert decode(result.audio) == MIXED_TEXT
    record = simulator.sessions[0]
    assert record.event_types() == ["session.update", "input_text_buffer.append", "session.finish"]
    assert record.updates == [
        {"voice": "Ethan", "mode": "server_commit", "response_format": "pcm", "sample_rate": 24000}
    ]
    assert record.headers["authorization"] == f"Bearer {API_KEY}"
    assert record.finished
    assert result.metrics.characters == catalog.billed_characters(MIXED_TEXT)
    assert result.metrics.audio_bytes == len(result.audio)
    assert result.metrics.audio_seconds == pytest.approx(len(result.audio) / 48000)
    assert len(result.metrics.responses) == len(record.spoken) >= 2


async def test_audio_streams_before_the_text_is_finished(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    session = await client.open_session(SpeechParams(), mode="server_commit", wait=True)
    async with session:
        await session.append("First sentence. ")
        first = await anext(session)  # audio of a segment while the session is still open
        assert not session.finished
        await session.append("Second one")
        await session.finish()
        rest = await session.read_all()

    assert decode(first + rest) == "First sentence. Second one"
    assert simulator.sessions[0].spoken == ["First sentence.", " Second one"]
    assert session.finished


async def test_commit_mode_one_response_per_commit(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    session = await client.open_session(SpeechParams(), wait=True)
    async with session:
        await session.append("One, ")
        await session.append("two.")
        await session.commit()
        await session.append("Three!")
        await session.commit()
        await session.finish()
        audio = await session.read_all()

    assert decode(audio) == "One, two.Three!"
    assert simulator.sessions[0].spoken == ["One, two.", "Three!"]
    assert [r.characters for r in session.metrics.responses] == [9, 6]
    assert all(r.response_id.startswith("resp_") for r in session.metrics.responses)


async def test_clear_drops_pending_text(client: QwenRealtimeClient) -> None:
    session = await client.open_session(SpeechParams(), wait=True)
    async with session:
        await session.append("never spoken")
        await session.clear()
        await session.append("spoken")
        await session.finish()
        assert decode(await session.read_all()) == "spoken"


@pytest.mark.parametrize(("length", "rate"), [(5000, 24000), (12000, 8000)])
async def test_long_text(client: QwenRealtimeClient, length: int, rate: int) -> None:
    unit = "天气很好。The weather is fine, isn't it? 😀 "
    text = (unit * (length // len(unit) + 1))[:length]
    result = await one_session(client, text, SpeechParams(sample_rate=rate))
    assert decode(result.audio) == text


async def test_fifty_sessions_at_once(client: QwenRealtimeClient, simulator: QwenSimulator) -> None:
    texts = [f"Session {n}: 你好 {n * 7}." for n in range(50)]
    results = await asyncio.gather(*(one_session(client, t, SpeechParams()) for t in texts))
    assert [decode(r.audio) for r in results] == texts
    assert len(simulator.sessions) == 50
    await asyncio.wait_for(asyncio.gather(*(s.closed.wait() for s in simulator.sessions)), 10)
    assert all(record.finished for record in simulator.sessions)  # ended, none dropped
    assert all(s.finished for s in simulator.sessions)


async def test_prosody_and_format_reach_the_service(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    config = SpeechParams(
        voice="Eldric Sage",
        language="en",
        sample_rate=16000,
        rate=2.0,
        pitch=0.5,
        volume=100,
    )
    result = await one_session(client, "Slow down.", config)
    assert decode(result.audio) == "Slow down."
    assert simulator.sessions[0].config["voice"] == "Eldric Sage"
    assert simulator.sessions[0].config["speech_rate"] == 2.0
    assert result.metrics.sample_rate == 16000


async def test_wav_response_format(client: QwenRealtimeClient) -> None:
    result = await one_session(client, "Hi. There.", SpeechParams(format="wav"))
    assert result.audio.startswith(b"RIFF")
    assert decode_wav(result.audio) == "Hi. There."


async def test_time_to_first_audio_is_measured_from_the_text(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.first_audio_delay = 0.05
    result = await one_session(client, "Hi.", SpeechParams())
    ttfa = result.metrics.time_to_first_audio
    assert ttfa is not None
    assert ttfa >= 0.05
    assert result.metrics.connect_time > 0


@pytest.mark.parametrize(
    ("order", "detail", "response_id"),
    [("documented", "minimal", True), ("measured", "full", False)],
)
async def test_tolerates_every_documented_variant(
    client: QwenRealtimeClient,
    simulator: QwenSimulator,
    order: str,
    detail: str,
    response_id: bool,
) -> None:
    simulator.options.event_order = order  # type: ignore[assignment]
    simulator.options.error_detail = detail  # type: ignore[assignment]
    simulator.options.response_id_field = response_id
    result = await one_session(client, "A. B. C.", SpeechParams())
    assert decode(result.audio) == "A. B. C."
    assert len(result.metrics.responses) == 3


async def test_legacy_model_token_usage(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = QwenRealtimeClient(
        http, API_KEY, model="qwen-tts-realtime", region="beijing", url=simulator.url
    )
    result = await one_session(client, "你好", SpeechParams(voice="Chelsie"))
    assert decode(result.audio) == "你好"
    assert result.metrics.characters == 0  # token-based usage carries no characters
    assert simulator.sessions[0].model == "qwen-tts-realtime"


# Local validation -------------------------------------------------------------------------


async def test_voice_not_offered_by_snapshot_is_rejected_locally(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = QwenRealtimeClient(
        http, API_KEY, model="qwen3-tts-flash-realtime-2025-09-18", url=simulator.url
    )
    with pytest.raises(InvalidParameterError) as err:
        await client.open_session(SpeechParams(voice="Momo"), mode="server_commit", wait=True)
    assert err.value.field == "voice"
    assert "'Momo' is not offered by qwen3-tts-flash-realtime-2025-09-18" in str(err.value)
    assert "Cherry" in err.value.allowed
    assert simulator.sessions == []  # nothing was sent


async def test_instructions_need_an_instruct_model(client: QwenRealtimeClient) -> None:
    with pytest.raises(InvalidParameterError, match="does not accept instructions"):
        await client.open_session(
            SpeechParams(instructions="Speak softly"), mode="server_commit", wait=True
        )


def test_unknown_model_and_region_are_rejected(http: aiohttp.ClientSession) -> None:
    with pytest.raises(InvalidParameterError, match="Unknown model 'qwen-nope'"):
        QwenRealtimeClient(http, API_KEY, model="qwen-nope")
    with pytest.raises(InvalidParameterError, match="Unknown region 'mars'"):
        QwenRealtimeClient(http, API_KEY, region="mars")
    with pytest.raises(ValueError, match="API key is required"):
        QwenRealtimeClient(http, "")


# Failures ---------------------------------------------------------------------------------


async def test_wrong_key_is_an_authentication_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = QwenRealtimeClient(http, "sk-wrong", region="beijing", url=simulator.url)
    with pytest.raises(AuthenticationError) as err:
        await client.connect()
    assert err.value.region == "beijing"
    assert "per region" in str(err.value)
    assert simulator.sessions == []


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (401, AuthenticationError, "rejected"),
        (403, AccessDeniedError, "denied"),
        (429, RateLimitError, "rate limit"),
        (500, ServiceError, "unavailable"),
    ],
)
async def test_handshake_rejections(
    client: QwenRealtimeClient,
    simulator: QwenSimulator,
    status: int,
    error: type[Exception],
    text: str,
) -> None:
    simulator.options.reject_handshake = status
    with pytest.raises(error, match=text):
        await one_session(client, "Hello", SpeechParams())


async def test_unexpected_handshake_status(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = QwenRealtimeClient(
        http, API_KEY, url=simulator.url.replace("/api-ws/v1/realtime", "/nope")
    )
    with pytest.raises(ConnectError, match="HTTP 404"):
        await client.connect()


@pytest.mark.parametrize("style", ["handshake", "event"])
async def test_too_many_sessions_is_a_rate_limit(
    client: QwenRealtimeClient, simulator: QwenSimulator, style: str
) -> None:
    simulator.options.max_sessions = 1
    simulator.options.throttle_style = style  # type: ignore[assignment]
    async with RealtimeSession(await client.connect()):
        with pytest.raises(RateLimitError) as err:
            await one_session(client, "Hello", SpeechParams())
    assert err.value.service_code.startswith("Throttling")


async def test_unreachable_service_is_a_connect_error(http: aiohttp.ClientSession) -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = QwenRealtimeClient(http, API_KEY, url=f"ws://127.0.0.1:{port}/api-ws/v1/realtime")
    with pytest.raises(ConnectError, match=f"127.0.0.1:{port}"):
        await client.connect()


async def test_connect_timeout(http: aiohttp.ClientSession, simulator: QwenSimulator) -> None:
    simulator.options.handshake_delay = 5
    client = QwenRealtimeClient(http, API_KEY, url=simulator.url, timeouts=Timeouts(connect=0.05))
    with pytest.raises(QwenTimeoutError) as err:
        await client.connect()
    assert err.value.phase == "connect"
    assert "0.05 s connecting" in str(err.value)


async def test_error_event_mid_response(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.delta_bytes = 480
    simulator.options.error_after_deltas = 3
    session = await client.open_session(SpeechParams(), mode="server_commit", wait=True)
    received: list[bytes] = []

    async def consume() -> None:
        async with session:
            await session.append("A long enough sentence.")
            await session.finish()
            async for chunk in session:
                received.append(chunk)

    with pytest.raises(ServiceError) as err:
        await consume()
    assert err.value.service_code == "InternalError"
    assert len(received) == 3
    assert session.closed


async def test_dropped_connection_is_not_a_finished_session(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.delta_bytes = 480
    simulator.options.drop_after_deltas = 2
    with pytest.raises(ConnectionClosedError, match=r"before session\.finished .*960 audio bytes"):
        await one_session(client, "Dropped halfway.", SpeechParams())


async def test_stall_hits_the_gap_timeout(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.delta_bytes = 480
    simulator.options.stall_after_deltas = 1
    client = QwenRealtimeClient(http, API_KEY, url=simulator.url, timeouts=Timeouts(audio_gap=0.1))
    with pytest.raises(QwenTimeoutError) as err:
        await one_session(client, "Stalls after one delta.", SpeechParams())
    assert err.value.phase == "audio_gap"
    await asyncio.wait_for(simulator.sessions[0].closed.wait(), 5)


async def test_first_audio_timeout_starts_at_finish(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.first_audio_delay = 5
    client = QwenRealtimeClient(
        http, API_KEY, url=simulator.url, timeouts=Timeouts(first_audio=0.1)
    )
    session = await client.open_session(SpeechParams(), wait=True)
    async with session:
        reader = asyncio.ensure_future(session.read_all())
        await session.append("Waiting")
        await session.finish()  # arms the deadline of the read already waiting
        with pytest.raises(QwenTimeoutError) as err:
            await reader
    assert err.value.phase == "first_audio"


async def test_configure_timeout(http: aiohttp.ClientSession, simulator: QwenSimulator) -> None:
    client = QwenRealtimeClient(http, API_KEY, url=simulator.url, timeouts=Timeouts(configure=0.05))
    session = RealtimeSession(await client.connect())
    await session.append("text first")  # the service now rejects the update ...
    with pytest.raises(ServiceError, match="Session update error"):
        await session.configure(SpeechParams())
    assert session.closed
    simulator.options.update_delay = 5
    session = RealtimeSession(await client.connect())
    with pytest.raises(QwenTimeoutError) as err:
        await session.configure(SpeechParams())
    assert err.value.phase == "configure"


@pytest.mark.parametrize("behaviour", ["silent_close", "error"])
async def test_unknown_model(
    http: aiohttp.ClientSession, simulator: QwenSimulator, behaviour: str
) -> None:
    simulator.options.retired_models = frozenset({"qwen-tts-realtime"})
    simulator.options.unknown_model = behaviour  # type: ignore[assignment]
    client = QwenRealtimeClient(
        http, API_KEY, model="qwen-tts-realtime", region="beijing", url=simulator.url
    )
    if behaviour == "silent_close":
        with pytest.raises(UnknownModelError, match="'qwen-tts-realtime' is unknown") as err:
            await client.open_session(SpeechParams(), mode="server_commit", wait=True)
        assert "region 'beijing'" in str(err.value)
    else:
        with pytest.raises(ServiceError, match="ModelNotFound"):
            await client.open_session(SpeechParams(), mode="server_commit", wait=True)


async def test_simulator_rejects_what_it_cannot_encode(client: QwenRealtimeClient) -> None:
    with pytest.raises(ServiceError) as err:
        await client.open_session(SpeechParams(format="mp3"), mode="server_commit", wait=True)
    assert err.value.param == "session.response_format"  # the wire name, as the service says
    assert "only pcm and wav" in err.value.message


async def test_idle_session_is_closed_by_the_service(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.idle_timeout = 0.05
    session = await client.open_session(SpeechParams(), mode="server_commit", wait=True)
    with pytest.raises(ServiceError, match="RequestTimeout"):
        await session.read_all()
    assert session.closed


async def test_sending_on_a_closed_session(client: QwenRealtimeClient) -> None:
    session = await client.open_session(SpeechParams(), mode="server_commit", wait=True)
    await session.close()
    with pytest.raises(ConnectionClosedError, match="closed"):
        await session.append("late")


async def test_api_key_never_leaks(
    http: aiohttp.ClientSession, simulator: QwenSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = QwenRealtimeClient(http, API_KEY, url=simulator.url)
    texts = [repr(good)]
    session = await good.open_session(SpeechParams(), mode="server_commit", wait=True)
    texts.append(repr(session))
    await session.close()
    for status in (401, 403, 429, 500):
        simulator.options.reject_handshake = status
        with pytest.raises(Exception) as err:  # noqa: PT011 - every kind is checked below
            await good.connect()
        texts += [str(err.value), repr(err.value), repr(err.value.__cause__)]
    assert not any(API_KEY in text for text in texts)
    assert API_KEY not in caplog.text


async def test_deltas_of_odd_length_keep_samples_whole(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.odd_deltas = True
    simulator.options.delta_bytes = 1001
    result = await one_session(client, MIXED_TEXT, SpeechParams())
    assert simulator.sessions[0].deltas_sent > 10
    assert decode(result.audio) == MIXED_TEXT


async def test_respond_speaks_one_response_and_stops_at_its_end(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    session = await client.open_session(SpeechParams(), wait=True)
    async with session:
        first = b"".join([chunk async for chunk in session.respond("One response.")])
        second = b"".join([chunk async for chunk in session.respond("Another one.")])
        assert (decode(first), decode(second)) == ("One response.", "Another one.")
        assert session.responses_done == 2
        assert not session.finished


async def test_respond_after_finish_is_a_connection_error(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    session = await client.open_session(SpeechParams(), wait=True)
    await session.finish()  # the service answers session.finished, not the commit below
    with pytest.raises(ConnectionClosedError, match="finished before the response"):
        _ = [chunk async for chunk in session.respond("Too late.")]
    assert session.closed


@pytest.mark.parametrize("timeouts", [Timeouts(commit=0.2)])
async def test_an_unacknowledged_commit_times_out(
    client: QwenRealtimeClient, simulator: QwenSimulator, timeouts: Timeouts
) -> None:
    simulator.options.busy_text = "ignored"
    simulator.options.real_time_factor = 0.05
    session = await client.open_session(SpeechParams(), wait=True)
    await session.append("Spoken.")
    await session.commit()
    await session.append("Ignored, and so is its commit.")
    await session.commit()  # sent during the first response: never acknowledged
    with pytest.raises(QwenTimeoutError, match="acknowledge a commit") as err:
        await session.read_all()
    assert err.value.phase == "commit"
    assert session.closed


async def test_a_custom_voice_the_service_lacks_is_the_invalid_voice_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.service_voices = frozenset({"qwen-tts-vc-kitchen-voice-1"})
    model = "qwen3-tts-vc-realtime-2026-01-15"
    client = QwenRealtimeClient(http, API_KEY, model=model, url=simulator.url)
    cloned = await one_session(client, "Cloned.", SpeechParams(voice="qwen-tts-vc-kitchen-voice-1"))
    assert decode(cloned.audio) == "Cloned."
    with pytest.raises(InvalidParameterError) as err:
        await one_session(client, "Unknown.", SpeechParams(voice="qwen-tts-vc-nobody"))
    assert err.value.code == "invalid-voice"
    assert f"{model} refused voice 'qwen-tts-vc-nobody'" in err.value.message


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ws://proxy.example/api-ws/v1/realtime", "must be wss://"),
        ("http://127.0.0.1:9/x", "must be wss://"),
        ("wss://user:secret@proxy.example/tts", "must not hold a user name or password"),
        ("wss:///no-host", "needs a host"),
    ],
)
def test_an_endpoint_the_key_must_not_go_to(
    http: aiohttp.ClientSession, url: str, problem: str
) -> None:
    with pytest.raises(InvalidParameterError) as err:
        QwenRealtimeClient(http, API_KEY, url=url)
    assert problem in str(err.value)
    assert "the API key is sent to that host" in str(err.value)
    assert "secret" not in str(err.value)
    for fine in ("wss://proxy.example/tts", "ws://localhost:9/x", "ws://[::1]:9/x"):
        assert QwenRealtimeClient(http, API_KEY, url=fine).url.startswith(fine.split("/x")[0])
