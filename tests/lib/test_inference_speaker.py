"""The speaker's guarantees on the inference protocol: every segment once, in order, or an
error; retry before audio, resume after it; faults; many requests at once."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.helpers import API_KEY, TEXT, sentences, speak
from wyoming_qwentts.core import (
    AuthenticationError,
    IncompleteAudioError,
    QwenTtsError,
    RetryPolicy,
    SpeechParams,
)
from wyoming_qwentts.inference import InferenceClient
from wyoming_qwentts.simulator import DISPUTED_BEHAVIOURS, QwenSimulator, decode
from wyoming_qwentts.simulator.voice import is_resumed
from wyoming_qwentts.speech import Speaker
from wyoming_qwentts.speech.pool import WarmPool

FAST = RetryPolicy(deadline=2.0, backoff=0.01, backoff_max=0.02)


@pytest.fixture
def client(http: aiohttp.ClientSession, simulator: QwenSimulator) -> InferenceClient:
    return InferenceClient(http, API_KEY, model="cosyvoice-v3-flash", url=simulator.url)


async def attempt(speaker: Speaker) -> tuple[str | None, QwenTtsError | None]:
    """What the listener heard, or the error the request ended with."""
    try:
        return decode(await speak(speaker)), None
    except QwenTtsError as err:
        return None, err


@pytest.mark.parametrize("behaviour", sorted(DISPUTED_BEHAVIOURS))
async def test_exact_under_every_disputed_behaviour(
    client: InferenceClient, simulator: QwenSimulator, behaviour: str
) -> None:
    simulator.options.adopt(behaviour)
    speaker = Speaker(client, SpeechParams(), policy=FAST)
    assert decode(await speak(speaker)) == TEXT


async def test_a_task_without_audio_is_sent_again(
    client: InferenceClient, simulator: QwenSimulator
) -> None:
    """A cloned voice still deploying finishes its task with no audio (a field report)."""
    simulator.options.silent_response = 0
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=1)
    assert decode(await speak(speaker)) == TEXT
    assert speaker.stats.empty_responses == 1
    assert simulator.sessions[0].dropped == [sentences(TEXT)[0]]


async def test_a_task_that_never_gets_audio_fails_the_request(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.silent_response = 0
    simulator.options.fault_sessions = None
    pool: WarmPool[Any] = WarmPool(
        InferenceClient(http, API_KEY, model="cosyvoice-v3-flash", url=simulator.url),
        minimum=0,
        maximum=0,
    )
    speaker = Speaker(pool, SpeechParams(), policy=RetryPolicy(empty_responses=0), lanes=1)
    with pytest.raises(IncompleteAudioError, match="returned no audio"):
        await speak(speaker)


@pytest.mark.parametrize(
    "fault",
    [{"drop_after_deltas": 5}, {"error_after_deltas": 5}, {"stall_after_deltas": 5}],
    ids=["drop", "task-failed", "stall"],
)
async def test_a_fault_mid_stream_is_resumed_on_a_new_socket(
    http: aiohttp.ClientSession, simulator: QwenSimulator, fault: dict[str, Any]
) -> None:
    from wyoming_qwentts.core import Timeouts

    simulator.options.delta_bytes = 960
    simulator.options.fault_sessions = 1
    for name, value in fault.items():
        setattr(simulator.options, name, value)
    client = InferenceClient(
        http,
        API_KEY,
        model="qwen-audio-3.0-tts-flash",
        url=simulator.url,
        timeouts=Timeouts(audio_gap=0.3),
    )
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=1)
    spoken = decode(await speak(speaker))
    assert is_resumed(spoken, sentences(TEXT)), spoken
    assert spoken != TEXT  # the cut-off segment was heard to restart
    assert speaker.stats.resumes == 1
    assert len(simulator.sessions) == 2
    assert simulator.sessions[0].closed.is_set()  # never reused after the fault


async def test_transient_handshake_faults_are_retried_unheard(
    client: InferenceClient, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 503
    simulator.options.fault_sessions = 2
    speaker = Speaker(client, SpeechParams(), policy=FAST)
    assert decode(await speak(speaker)) == TEXT
    assert speaker.stats.resumes == 0


async def test_a_rejected_key_is_never_retried(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = InferenceClient(http, "sk-wrong", model="cosyvoice-v3-flash", url=simulator.url)
    speaker = Speaker(client, SpeechParams(), policy=FAST)
    with pytest.raises(AuthenticationError):
        await speak(speaker)
    assert speaker.stats.attempts == 1


async def test_odd_frames_and_garbage_frames_still_decode_exactly(
    client: InferenceClient, simulator: QwenSimulator
) -> None:
    simulator.options.odd_deltas = True
    simulator.options.delta_bytes = 777
    simulator.options.garbage_after_deltas = 3
    assert decode(await speak(Speaker(client, SpeechParams(), policy=FAST))) == TEXT


async def test_chaos_never_loses_or_repeats_more_than_a_segment(
    client: InferenceClient, simulator: QwenSimulator
) -> None:
    simulator.options.chaos_rate = 0.3
    simulator.options.chaos_seed = 7
    simulator.options.delta_bytes = 960
    from wyoming_qwentts.core import Timeouts

    client.timeouts = Timeouts(audio_gap=0.3, first_audio=0.3)
    policy = RetryPolicy(deadline=5.0, max_resumes=10, backoff=0.01, backoff_max=0.02)
    outcomes = {"exact": 0, "resumed": 0, "failed": 0}
    for _ in range(8):
        speaker = Speaker(client, SpeechParams(), policy=policy)
        spoken, error = await attempt(speaker)
        if spoken is None:
            # A request that fails after audio says how far it got.
            assert not speaker.stats.resumes or "Speech stopped at" in str(error)
            outcomes["failed"] += 1
            continue
        assert is_resumed(spoken, sentences(TEXT), restarts=speaker.stats.resumes), spoken
        outcomes["exact" if spoken == TEXT else "resumed"] += 1
    assert outcomes["exact"] + outcomes["resumed"] >= 6, outcomes
    assert outcomes["resumed"] >= 1, outcomes  # chaos did strike mid-stream


async def test_fifty_requests_at_once_each_hear_their_own_text(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    pool: WarmPool[Any] = WarmPool(
        InferenceClient(http, API_KEY, model="cosyvoice-v3-flash", url=simulator.url),
        minimum=4,
        maximum=8,
    )
    pool.start()
    texts = [f"Request number {n} speaks. It ends here, {n}." for n in range(50)]

    async def one(text: str) -> str:
        return decode(await speak(Speaker(pool, SpeechParams(), policy=FAST), text))

    try:
        assert await asyncio.gather(*(one(text) for text in texts)) == texts
        tasks = [task for record in simulator.sessions for task in record.tasks]
        assert len(tasks) == len(set(tasks)) == 100  # two segments each, every task id new
        # The pool kept 8 of the sockets: 4 more requests (two lanes each) need no handshake.
        opened = len(simulator.sessions)
        assert await asyncio.gather(*(one(text) for text in texts[:4])) == texts[:4]
        assert len(simulator.sessions) == opened
    finally:
        await pool.close()
