"""The inference-protocol client against the simulator: every family, parameters, SSML,
errors, timeouts, reuse and the workspace."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from tests.helpers import API_KEY, pieces, until
from wyoming_qwentts import catalog
from wyoming_qwentts.core import (
    AccessDeniedError,
    AuthenticationError,
    ConnectionClosedError,
    InvalidParameterError,
    QwenTimeoutError,
    RateLimitError,
    ResponseMetrics,
    ServiceError,
    SpeechParams,
    Timeouts,
)
from wyoming_qwentts.inference import InferenceClient, InferenceSession, wire
from wyoming_qwentts.realtime import QwenRealtimeClient
from wyoming_qwentts.simulator import QwenSimulator, decode, decode_wav
from wyoming_qwentts.speech import Speaker, synthesize
from wyoming_qwentts.speech.pool import WarmPool

TEXT = "Good evening. The front door is locked, and the lights are off. 晚安！"
FAMILIES = [
    ("qwen-audio-3.0-tts-flash", "singapore"),
    ("qwen-audio-3.0-tts-plus", "singapore"),
    ("cosyvoice-v3-flash", "singapore"),
    ("cosyvoice-v3-plus", "beijing"),
    ("cosyvoice-v2", "beijing"),
    ("sambert-zhichu-v1", "beijing"),
]


def inference(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    model: str = "cosyvoice-v3-flash",
    region: str = "singapore",
    **kwargs: Any,
) -> InferenceClient:
    return InferenceClient(http, API_KEY, model=model, region=region, url=simulator.url, **kwargs)


async def respond(session: Any, text: str, received: list[bytes] | None = None) -> None:
    """One response of ``session``, its audio kept in ``received`` (also when it fails)."""
    async for audio in session.respond(text):
        if received is not None:
            received.append(audio)


async def speak(source: Any, text: str = TEXT, params: SpeechParams | None = None) -> bytes:
    speaker = Speaker(source, params or SpeechParams())
    return b"".join([chunk async for chunk in speaker.speak(pieces(text, 7))])


@pytest.mark.parametrize(("model", "region"), FAMILIES)
async def test_every_family_speaks_streamed_text_exactly(
    http: aiohttp.ClientSession, simulator: QwenSimulator, model: str, region: str
) -> None:
    client = inference(http, simulator, model, region)
    assert decode(await speak(client)) == TEXT
    records = simulator.sessions
    assert {record.protocol for record in records} == {"inference"}
    assert {record.model for record in records} == {model}
    tasks = [task for record in records for task in record.tasks]
    assert len(tasks) == len(set(tasks)) >= 2  # one task per segment, each with a new id
    for record in records:
        actions = record.event_types()
        if catalog.MODELS[model].streaming_input:
            assert actions == ["run-task", "continue-task", "finish-task"] * len(record.tasks)
        else:  # Sambert: the whole segment in run-task
            assert actions == ["run-task"] * len(record.tasks)
            assert "voice" not in record.config


async def test_text_waits_for_task_started(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.task_start_delay = 0.05
    assert decode(await speak(inference(http, simulator))) == TEXT


async def test_whole_text_and_its_figures(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = inference(http, simulator, "qwen-audio-3.0-tts-flash")
    result = await synthesize(client, TEXT, SpeechParams(voice="longanlufeng"))
    assert decode(result.audio) == TEXT
    metrics = result.metrics
    assert (metrics.model, metrics.protocol) == ("qwen-audio-3.0-tts-flash", "inference")
    assert metrics.characters == catalog.billed_characters(TEXT)
    assert metrics.time_to_first_audio is not None
    assert metrics.audio_seconds > 1
    assert simulator.sessions[0].config["voice"] == "longanlufeng"


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 24000, 44100, 48000])
async def test_every_sample_rate(
    http: aiohttp.ClientSession, simulator: QwenSimulator, rate: int
) -> None:
    result = await synthesize(inference(http, simulator), "Rate.", SpeechParams(sample_rate=rate))
    assert decode(result.audio) == "Rate."
    assert result.metrics.sample_rate == rate
    assert simulator.sessions[0].config["sample_rate"] == rate


async def test_parameters_reach_the_service(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    params = SpeechParams(
        voice="longanyang",
        language="en",
        rate=1.5,
        pitch=0.8,
        volume=80,
        instructions="你说话的情感是happy。",
        seed=42,
    )
    result = await synthesize(inference(http, simulator), "Parameters.", params)
    assert decode(result.audio) == "Parameters."
    config = simulator.sessions[0].config
    assert config == {
        "text_type": "PlainText",
        "format": "pcm",
        "sample_rate": 24000,
        "voice": "longanyang",
        "enable_ssml": False,
        "rate": 1.5,
        "pitch": 0.8,
        "volume": 80,
        "seed": 42,
        "instruction": "你说话的情感是happy。",
        "language_hints": ["en"],
    }


async def test_wav_frames_carry_one_header(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = inference(http, simulator)
    connection = await client.connect()
    parameters = wire.to_wire(client.model, SpeechParams(format="wav"), ssml=False)
    metrics = ResponseMetrics("")
    audio = b"".join(
        [a async for a in connection.run(parameters, "A wav.", metrics, voice="longanyang")]
    )
    assert decode_wav(audio) == "A wav."
    await connection.close()


async def test_invalid_parameters_fail_before_anything_is_sent(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = inference(http, simulator, "cosyvoice-v2", "beijing")
    with pytest.raises(InvalidParameterError, match="system voice of another model") as err:
        await client.open_session(SpeechParams(voice="longanyang"))
    assert err.value.code == "invalid-voice"
    with pytest.raises(InvalidParameterError, match="bit_rate applies only to format 'opus'"):
        await client.open_session(SpeechParams(bit_rate=64))
    assert simulator.sessions == []


async def test_a_voice_the_service_refuses_is_the_invalid_voice_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    """The catalog may lag behind the service: its refusal maps to the same error."""
    client = inference(http, simulator, "cosyvoice-v2", "beijing")
    connection = await client.connect()
    parameters = {**wire.to_wire(client.model, SpeechParams(), ssml=False), "voice": "Cherry"}
    run = connection.run(parameters, "Hi.", ResponseMetrics(""), voice="Cherry")
    with pytest.raises(InvalidParameterError, match="refused voice 'Cherry'") as err:
        await anext(run)
    assert err.value.field == "voice"
    assert not connection.reusable
    await simulator.sessions[0].closed.wait()  # the service closes the socket after task-failed


async def test_an_id_the_catalog_does_not_list_is_the_services_to_judge(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    """The vendor's lists are longer than the catalog's, and cloned voices exist: such an id
    is sent, spoken when the service has it, and its refusal names the closest known ones."""
    simulator.options.service_voices = frozenset({"longnewvoice_v3"})
    client = inference(http, simulator)
    result = await synthesize(client, "Not in the catalog.", SpeechParams(voice="longnewvoice_v3"))
    assert decode(result.audio) == "Not in the catalog."
    assert simulator.sessions[0].config["voice"] == "longnewvoice_v3"
    with pytest.raises(InvalidParameterError) as err:
        await synthesize(client, "Mistyped.", SpeechParams(voice="longanyan"))
    assert err.value.code == "invalid-voice"
    assert "cosyvoice-v3-flash refused voice 'longanyan'" in err.value.message
    assert "did you mean 'longanyang'" in err.value.message


@pytest.mark.parametrize("style", ["header", "top-level", "error-event"])
async def test_task_failed_wherever_it_puts_its_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator, style: Any
) -> None:
    simulator.options.failure_style = style
    simulator.options.error_after_deltas = 1
    simulator.options.delta_bytes = 960
    session = await inference(http, simulator).open_session(SpeechParams())
    received: list[bytes] = []
    with pytest.raises(ServiceError, match="Simulated internal error") as err:
        await respond(session, "One fault, please.", received)
    assert err.value.service_code == "InternalError"
    assert err.value.transient
    assert len(b"".join(received)) == 960
    assert session.closed


async def test_rate_limited_in_band(http: aiohttp.ClientSession, simulator: QwenSimulator) -> None:
    simulator.options.max_sessions = 0
    simulator.options.throttle_style = "event"
    session = await inference(http, simulator).open_session(SpeechParams())
    with pytest.raises(RateLimitError, match="rate limit exceeded") as err:
        await respond(session, "Throttled.")
    assert err.value.code == "rate-limited"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AccessDeniedError),
        (429, RateLimitError),
        (500, ServiceError),
    ],
)
async def test_handshake_rejections(
    http: aiohttp.ClientSession, simulator: QwenSimulator, status: int, error: type[Exception]
) -> None:
    simulator.options.reject_handshake = status
    with pytest.raises(error):
        await inference(http, simulator).open_session(SpeechParams())


async def test_a_wrong_key_is_an_authentication_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = InferenceClient(
        http, "sk-wrong", model="cosyvoice-v3-flash", region="beijing", url=simulator.url
    )
    with pytest.raises(AuthenticationError, match="region 'beijing'"):
        await client.connect()


async def test_a_close_without_task_finished_is_a_connection_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.drop_after_deltas = 2
    simulator.options.delta_bytes = 960
    session = await inference(http, simulator).open_session(SpeechParams())
    with pytest.raises(ConnectionClosedError, match="before task-finished"):
        await respond(session, "Dropped halfway through.")
    assert session.closed


@pytest.mark.parametrize(
    ("options", "phase"),
    [({"stall_after_deltas": 1}, "audio_gap"), ({"first_audio_delay": 5.0}, "first_audio")],
)
async def test_timeouts(
    http: aiohttp.ClientSession, simulator: QwenSimulator, options: dict[str, Any], phase: str
) -> None:
    for name, value in options.items():
        setattr(simulator.options, name, value)
    timeouts = Timeouts(first_audio=0.2, audio_gap=0.2)
    session = await inference(http, simulator, timeouts=timeouts).open_session(SpeechParams())
    with pytest.raises(QwenTimeoutError) as err:
        await respond(session, "Too slow.")
    assert err.value.phase == phase
    assert session.closed


async def test_ssml_goes_as_one_piece_to_a_model_that_takes_it(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    document = '<speak rate="1.2">Hello <break time="300ms"/>there, &amp; welcome.</speak>'
    result = await synthesize(inference(http, simulator), document, SpeechParams())
    assert decode(result.audio) == "Hello there, & welcome."
    record = simulator.sessions[0]
    assert record.config["enable_ssml"] is True
    assert record.event_types() == ["run-task", "continue-task", "finish-task"]
    assert record.events[1]["payload"]["input"]["text"] == document


async def test_ssml_is_spoken_as_its_words_by_a_model_without_it(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = inference(http, simulator, "qwen-audio-3.0-tts-flash")
    result = await synthesize(client, "<speak>Plain <b>words</b>.</speak>", SpeechParams())
    assert decode(result.audio) == "Plain words."
    record = simulator.sessions[0]
    assert record.config["enable_ssml"] is False
    assert record.events[1]["payload"]["input"]["text"] == "Plain words."


async def test_a_streamed_ssml_document_is_never_cut(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    document = "  <speak>First, a long clause. Then <emphasis>a second</emphasis>.</speak>"
    assert decode(await speak(inference(http, simulator), document)) == (
        "First, a long clause. Then a second."
    )
    record = simulator.sessions[0]
    assert record.event_types() == ["run-task", "continue-task", "finish-task"]
    assert record.config["enable_ssml"] is True


async def test_plain_text_never_enables_ssml(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    text = "<b> is a tag, and 1 < 2. It is spoken as written."
    assert decode(await speak(inference(http, simulator), text)) == text
    configs = [record.config for record in simulator.sessions]
    assert configs
    assert all(config["enable_ssml"] is False for config in configs)


async def test_a_warm_server_pays_no_handshake_after_the_first_request(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    pool: WarmPool[Any] = WarmPool(inference(http, simulator), minimum=2, maximum=4)
    pool.start()
    await until(pool, lambda: pool.ready == 2)
    for n in range(5):
        assert decode(await speak(pool, f"Request {n}. It has two sentences.")) == (
            f"Request {n}. It has two sentences."
        )
    assert len(simulator.sessions) == 2  # every request ran on the two warm sockets
    tasks = [task for record in simulator.sessions for task in record.tasks]
    assert len(tasks) == len(set(tasks)) == 10
    assert pool.stats.cold == 0
    assert pool.stats.reused == 10
    await pool.close()


async def test_a_socket_is_never_reused_after_task_failed(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.error_after_deltas = 0
    simulator.options.fault_sessions = 1
    pool: WarmPool[Any] = WarmPool(inference(http, simulator), minimum=1, maximum=1)
    pool.start()
    await until(pool, lambda: pool.ready == 1)
    session = await pool.open_session(SpeechParams())
    assert isinstance(session, InferenceSession)
    with pytest.raises(ServiceError):
        await respond(session, "Fails.")
    await until(pool, lambda: pool.ready == 1)  # a fresh socket replaced it
    assert decode(await speak(pool, "Works.")) == "Works."
    assert len(simulator.sessions) == 2
    assert simulator.sessions[0].closed.is_set()
    await pool.close()


async def test_sockets_are_renewed_before_the_idle_limit(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.task_idle_timeout = 0.05  # the service hangs up on idle sockets
    pool: WarmPool[Any] = WarmPool(inference(http, simulator), minimum=1, maximum=1)
    pool.start()
    await until(pool, lambda: pool.stats.retired >= 1 and pool.ready == 1)
    assert decode(await speak(pool, "Still warm.")) == "Still warm."
    await pool.close()


async def test_the_workspace_header_and_endpoint(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = inference(http, simulator, workspace="ws-home-1")
    assert client.url == simulator.inference_url  # an explicit URL wins over the domain
    await synthesize(client, "Workspace.", SpeechParams())
    assert simulator.sessions[0].headers["x-dashscope-workspace"] == "ws-home-1"
    remote = InferenceClient(http, API_KEY, model="cosyvoice-v3-flash", workspace="ws-home-1")
    assert remote.url == "wss://ws-home-1.ap-southeast-1.maas.aliyuncs.com/api-ws/v1/inference"
    assert "sk-" not in repr(remote)


def test_a_realtime_model_needs_the_realtime_client(http: aiohttp.ClientSession) -> None:
    with pytest.raises(ValueError, match="speaks the realtime protocol, not inference"):
        InferenceClient(http, API_KEY, model="qwen3-tts-flash-realtime")
    with pytest.raises(ValueError, match="API key is required"):
        InferenceClient(http, "", model="cosyvoice-v3-flash")
    with pytest.raises(ValueError, match="speaks the inference protocol, not realtime"):
        QwenRealtimeClient(http, API_KEY, model="cosyvoice-v3-flash")
