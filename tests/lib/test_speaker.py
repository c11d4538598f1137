"""The speaker: retries before the first audio, resumes after it, never repeats or skips more
than the one segment that was cut off."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from tests.helpers import API_KEY, TEXT, assert_resumed, pieces, sentences, speak
from wyoming_qwentts.core import (
    AuthenticationError,
    ConnectionClosedError,
    IncompleteAudioError,
    QwenTtsError,
    RateLimitError,
    RetryPolicy,
    ServiceError,
    SpeechParams,
    is_transient,
)
from wyoming_qwentts.realtime import QwenRealtimeClient, ServerCommitStream
from wyoming_qwentts.simulator import DISPUTED_BEHAVIOURS, QwenSimulator, decode
from wyoming_qwentts.speech import Speaker
from wyoming_qwentts.speech import speaker as speaker_module

FAST = RetryPolicy(deadline=2.0, backoff=0.01, backoff_max=0.02)


async def paced(text: str, size: int = 9, seconds: float = 0.002) -> AsyncIterator[str]:
    """Text as an LLM writes it: a piece every ``seconds``."""
    for i in range(0, len(text), size):
        await asyncio.sleep(seconds)
        yield text[i : i + size]


async def listen_into(received: list[bytes], speaker: Speaker, text: str = TEXT) -> None:
    """Speak ``text``, keeping what was heard in ``received`` (also when it fails)."""
    async for chunk in speaker.speak(pieces(text)):
        received.append(chunk)


def sent_segments(simulator: QwenSimulator) -> list[str]:
    """The segments of the first session (each was appended then committed)."""
    return [
        e["text"] for e in simulator.sessions[0].events if e["type"] == "input_text_buffer.append"
    ]


async def test_no_fault_every_segment_once(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=1)
    assert decode(await speak(speaker)) == TEXT
    segments = sent_segments(simulator)
    assert "".join(segments) == TEXT
    assert segments[0] == "Attention please,"  # the first segment ends early, at a clause
    assert simulator.sessions[0].config["mode"] == "commit"
    assert simulator.sessions[0].busy_inputs == 0  # one response at a time
    assert speaker.stats.attempts == 1
    assert speaker.stats.resumes == 0
    assert speaker.stats.empty_responses == 0
    assert speaker.stats.metrics is not None
    assert len(speaker.stats.metrics.responses) == len(segments) == speaker.stats.segments


@pytest.mark.parametrize("lanes", [1, 2])
@pytest.mark.parametrize("behaviour", sorted(DISPUTED_BEHAVIOURS))
async def test_client_segmentation_is_exact_under_every_disputed_behaviour(
    client: QwenRealtimeClient, simulator: QwenSimulator, behaviour: str, lanes: int
) -> None:
    simulator.options.adopt(behaviour)
    simulator.options.real_time_factor = 0.05  # responses take time: text arrives during them
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=lanes)
    audio = b"".join([chunk async for chunk in speaker.speak(paced(TEXT * 2))])
    assert decode(audio) == TEXT * 2  # once, in order, all of it
    assert speaker.stats.resumes == 0
    assert speaker.stats.segments > 2
    assert all(record.busy_inputs == 0 for record in simulator.sessions)  # never sent busy
    assert len(simulator.sessions) <= lanes
    lost = any(record.dropped for record in simulator.sessions)
    assert bool(speaker.stats.empty_responses) == lost  # every lost segment noticed, resent
    if lanes == 1 and behaviour in ("residue-after-done", "response-without-audio"):
        assert lost


async def test_a_segment_that_never_gets_audio_fails_the_request(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.silent_response = 0  # every session's first response is silent
    policy = RetryPolicy(deadline=0.3, backoff=0.01, backoff_max=0.02, empty_responses=0)
    speaker = Speaker(client, SpeechParams(), policy=policy, lanes=1)
    with pytest.raises(IncompleteAudioError, match=r"segment 1 \('Attention please,'\)"):
        await speak(speaker)
    assert speaker.stats.attempts >= 2  # retried in new sessions before giving up


async def test_a_lost_segment_after_audio_says_what_was_lost(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.residue_window = 60  # every segment after a session's first is dropped
    policy = RetryPolicy(deadline=5, max_resumes=0, backoff=0.01, settle=0, empty_responses=1)
    speaker = Speaker(client, SpeechParams(), policy=policy, lanes=1)
    received: list[bytes] = []

    with pytest.raises(IncompleteAudioError) as failure:
        await listen_into(received, speaker)
    assert decode(b"".join(received)) == "Attention please,"  # heard: the first segment only
    assert "segment 2" in str(failure.value)
    assert f"17 of {len(TEXT)} characters were spoken" in str(failure.value)


@pytest.mark.parametrize("behaviour", sorted(DISPUTED_BEHAVIOURS))
async def test_server_segmentation_is_exact_or_fails_under_every_disputed_behaviour(
    client: QwenRealtimeClient,
    simulator: QwenSimulator,
    behaviour: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    simulator.options.adopt(behaviour)
    speaker = ServerCommitStream(client, SpeechParams(), FAST)
    if behaviour in ("finish-does-not-drain", "response-without-audio"):
        with pytest.raises(IncompleteAudioError, match=r"spoke \d+ of the \d+ characters sent"):
            await speak(speaker)
        return
    assert decode(await speak(speaker)) == TEXT
    if behaviour == "no-response-done":
        assert "cannot be checked" in caplog.text  # said, since it cannot be verified


@pytest.mark.parametrize(
    "fault",
    [
        {"drop_after_deltas": 5},
        {"error_after_deltas": 5},
        {"garbage_after_deltas": 5},
    ],
)
async def test_resume_after_a_fault_mid_stream(
    client: QwenRealtimeClient, simulator: QwenSimulator, fault: dict[str, Any]
) -> None:
    simulator.options.delta_bytes = 960
    simulator.options.fault_sessions = 1
    for name, value in fault.items():
        setattr(simulator.options, name, value)
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=1)
    spoken = decode(await speak(speaker))
    segments = sentences(TEXT)
    assert speaker.stats.resumes == 1
    assert len(simulator.sessions) == 2
    assert_resumed(spoken, segments)
    assert spoken != TEXT  # the cut-off segment was heard to restart
    resumed = [
        e["text"] for e in simulator.sessions[1].events if e["type"] == "input_text_buffer.append"
    ]
    assert (
        "".join(resumed) == TEXT[len(TEXT) - len("".join(resumed)) :]
    )  # a suffix: nothing skipped


async def test_the_second_lane_opens_once_the_first_response_answered(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    # All the text is there at once: the second session could open at the first's side.
    simulator.options.first_audio_delay = 0.05
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=2)
    assert decode(await speak(speaker, TEXT)) == TEXT
    first, second, *_ = simulator.sessions
    assert first.first_delta_at is not None
    assert second.opened_at >= first.first_delta_at  # not during the first's wait for audio


async def test_audio_that_arrived_together_is_handed_out_together(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.delta_bytes = 960  # many deltas
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=1)
    chunks = speaker.speak(pieces("Hello there this is one sentence."))
    first = await anext(chunks)
    await simulator.sessions[0].closed.wait()  # every delta received while nobody read
    rest = [chunk async for chunk in chunks]
    assert len(rest) == 1  # one write for the lot, not one per delta
    assert decode(first + rest[0]) == "Hello there this is one sentence."
    assert simulator.sessions[0].deltas_sent > 10


async def test_a_first_response_refused_costs_one_session(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.first_audio_delay = 0.05
    simulator.options.error_after_deltas = 0  # an error where the first audio would be
    speaker = Speaker(client, SpeechParams(), policy=RetryPolicy(deadline=-1), lanes=2)
    with pytest.raises(QwenTtsError):
        await speak(speaker, TEXT)
    assert len(simulator.sessions) == 1


async def test_two_lanes_resume_a_fault_mid_stream(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.delta_bytes = 960
    simulator.options.drop_after_deltas = 5
    simulator.options.fault_sessions = 1
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=2)
    spoken = decode(b"".join([chunk async for chunk in speaker.speak(paced(TEXT))]))
    assert_resumed(spoken, sentences(TEXT))
    assert spoken != TEXT
    assert speaker.stats.resumes == 1
    assert speaker.stats.attempts == 3  # the failed session, its replacement, the other lane


@pytest.mark.parametrize("timeouts", [pytest.param(None, id="default")])
async def test_resume_after_a_stall(http: Any, simulator: QwenSimulator, timeouts: Any) -> None:
    from wyoming_qwentts.core import Timeouts

    client = QwenRealtimeClient(
        http, simulator.options.api_key, url=simulator.url, timeouts=Timeouts(audio_gap=0.1)
    )
    simulator.options.delta_bytes = 960
    simulator.options.stall_after_deltas = 4
    simulator.options.fault_sessions = 1
    speaker = Speaker(client, SpeechParams(), policy=FAST, lanes=1)
    assert_resumed(decode(await speak(speaker)), sentences(TEXT))
    assert speaker.stats.resumes == 1


@pytest.mark.parametrize("status", [429, 500])
async def test_transient_handshake_faults_are_retried_unheard(
    client: QwenRealtimeClient, simulator: QwenSimulator, status: int
) -> None:
    simulator.options.reject_handshake = status
    simulator.options.fault_sessions = 2
    speaker = Speaker(client, SpeechParams(), policy=FAST)
    assert decode(await speak(speaker)) == TEXT  # nothing was delivered before: nothing heard
    assert speaker.stats.attempts == 3 + 1  # two rejected, then one session per lane
    assert speaker.stats.resumes == 0


async def test_a_rejected_key_is_never_retried(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 401
    speaker = Speaker(client, SpeechParams(), policy=FAST)
    with pytest.raises(AuthenticationError):
        await speak(speaker)
    assert speaker.stats.attempts == 1


async def test_retries_stop_at_the_deadline(
    client: QwenRealtimeClient, simulator: QwenSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure is retried while the deadline from the segment's first failure has not
    passed: on a clock that moves 0.25 s per failure, with a 1 s deadline, the failures at
    0, 0.25, 0.5, 0.75 and 1.0 s are retried and the sixth (1.25 s) ends the request."""
    simulator.options.reject_handshake = 500
    ticks = itertools.count(100.0, 0.25)
    monkeypatch.setattr(speaker_module, "time", SimpleNamespace(monotonic=lambda: next(ticks)))
    policy = RetryPolicy(deadline=1.0, backoff=0.001, backoff_max=0.001)
    speaker = Speaker(client, SpeechParams(), policy=policy)
    with pytest.raises(ServiceError, match="unavailable"):
        await speak(speaker)
    assert speaker.stats.attempts == 6
    assert len(simulator.sessions) == 0  # every handshake was refused


async def test_resumes_are_limited(client: QwenRealtimeClient, simulator: QwenSimulator) -> None:
    simulator.options.delta_bytes = 960
    simulator.options.drop_after_deltas = 3  # every session
    policy = RetryPolicy(deadline=5, max_resumes=2, backoff=0.01)
    speaker = Speaker(client, SpeechParams(), policy=policy, lanes=1)
    received: list[bytes] = []

    with pytest.raises(ConnectionClosedError):
        await listen_into(received, speaker)
    assert speaker.stats.resumes == 2
    assert received  # what was heard before giving up was delivered


async def test_server_segmentation_retries_but_cannot_resume(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    speaker = ServerCommitStream(client, SpeechParams(), FAST)
    assert decode(await speak(speaker)) == TEXT
    assert simulator.sessions[0].config["mode"] == "server_commit"
    simulator.options.drop_after_deltas = 3
    simulator.options.delta_bytes = 960
    speaker = ServerCommitStream(client, SpeechParams(), FAST)
    with pytest.raises(ConnectionClosedError):
        await speak(speaker)
    assert speaker.stats.attempts == 1


async def test_a_failing_text_source_is_raised_as_itself(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    heard = asyncio.Event()

    async def broken() -> AsyncIterator[str]:
        yield "The first part of the answer, "
        await asyncio.wait_for(heard.wait(), 5)  # fail while the session is speaking
        raise RuntimeError("the LLM stream broke")

    async def listen() -> None:
        async for _ in Speaker(client, SpeechParams(), policy=FAST).speak(broken()):
            heard.set()

    with pytest.raises(RuntimeError, match="the LLM stream broke"):
        await listen()
    await simulator.sessions[0].closed.wait()
    assert not simulator.sessions[0].finished


async def test_whitespace_only_text_opens_no_session(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    segmentation: str
    for segmentation in ("client", "server"):
        speaker = _speaker(client, segmentation)
        assert await speak(speaker, " \n  ") == b""
    assert simulator.sessions == []


async def test_whitespace_around_the_text(client: QwenRealtimeClient) -> None:
    segmentation: str
    for segmentation in ("client", "server"):
        speaker = _speaker(client, segmentation)
        text = "\n  Spoken, with spaces.  \n"
        spoken = decode(await speak(speaker, text))
        # Whitespace alone is never committed: a trailing run is dropped in client segmentation.
        assert spoken == (text if segmentation == "server" else text.rstrip())


def _speaker(client: QwenRealtimeClient, segmentation: str) -> Speaker | ServerCommitStream:
    if segmentation == "server":
        return ServerCommitStream(client, SpeechParams())
    return Speaker(client, SpeechParams())


def test_what_is_transient() -> None:
    assert is_transient(ConnectionClosedError("x"))
    assert is_transient(ServiceError("InternalError", "boom"))
    assert not is_transient(ServiceError("invalid_value", "bad"))
    assert not is_transient(ServiceError("x", "bad", "session.voice"))
    assert not is_transient(AuthenticationError("singapore"))
    assert not is_transient(RuntimeError("not ours"))


async def test_the_key_never_reaches_the_logs_whatever_fails(
    http: Any, simulator: QwenSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    from wyoming_qwentts.core import Timeouts

    caplog.set_level(logging.DEBUG)
    client = QwenRealtimeClient(
        http, API_KEY, url=simulator.url, timeouts=Timeouts(first_audio=0.3, audio_gap=0.1)
    )
    simulator.options.chaos_rate = 1.0  # every session meets a fault
    simulator.options.delta_bytes = 960
    for n in range(12):
        with contextlib.suppress(QwenTtsError):
            await speak(Speaker(client, SpeechParams(), policy=FAST), f"Request {n}. {TEXT}")
    for status in (401, 403):
        simulator.options.chaos_rate = 0
        simulator.options.reject_handshake = status
        with pytest.raises(QwenTtsError) as err:
            await speak(Speaker(client, SpeechParams(), policy=FAST))
        assert API_KEY not in f"{err.value!s} {err.value!r}"
    assert "Session failed" in caplog.text  # the failures were logged ...
    assert API_KEY not in caplog.text  # ... without the key


async def test_server_segmentation_retries_a_fault_before_audio(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 500
    simulator.options.fault_sessions = 1
    speaker = ServerCommitStream(client, SpeechParams(), FAST)
    assert decode(await speak(speaker)) == TEXT
    assert speaker.stats.attempts == 2


async def test_server_segmentation_raises_a_failing_source_as_itself(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    async def broken() -> AsyncIterator[str]:
        yield "The first part of the answer, "
        raise RuntimeError("the LLM stream broke")

    speaker = ServerCommitStream(client, SpeechParams(), FAST)
    with pytest.raises(RuntimeError, match="the LLM stream broke"):
        _ = [chunk async for chunk in speaker.speak(broken())]
    await simulator.sessions[0].closed.wait()
    assert not simulator.sessions[0].finished


async def test_server_segmentation_that_speaks_nothing_fails(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.finish_drains = False  # the text never completes a sentence: all dropped
    speaker = ServerCommitStream(client, SpeechParams(), FAST)
    with pytest.raises(IncompleteAudioError, match="without speaking any of the 22 characters"):
        await speak(speaker, "no punctuation at all here")


async def test_a_lane_that_fails_ahead_lets_the_segments_before_it_finish(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.max_sessions = 1  # the second session is refused (429) at once
    simulator.options.real_time_factor = 0.05  # ... while the first one is still speaking
    no_retry = RetryPolicy(deadline=-1, backoff=0.01, backoff_max=0.02)
    speaker = Speaker(client, SpeechParams(), policy=no_retry, lanes=2)
    received: list[bytes] = []

    with pytest.raises(RateLimitError) as failure:
        await listen_into(received, speaker)
    # Segment 1 was heard to its end; the failure is the second segment's.
    assert decode(b"".join(received)) == "Attention please,"
    assert "Speech stopped at segment 2: 17 of" in str(failure.value)
