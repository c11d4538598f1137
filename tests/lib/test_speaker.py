"""The speaker: retries before the first audio, resumes after it, never repeats or skips more
than the one segment that was cut off."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from wyoming_qwentts.realtime import (
    AuthenticationError,
    ConnectionClosedError,
    QwenRealtimeClient,
    QwenTtsError,
    RetryPolicy,
    Segmentation,
    ServiceError,
    SessionConfig,
    Speaker,
)
from wyoming_qwentts.realtime.speaker import is_transient
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.simulator.speech import is_resumed

from .conftest import API_KEY

TEXT = (
    "Attention please, the garage door is open. It has been open for ten minutes. "
    "Please close it before you go to bed. 谢谢！ Good night."
)
FAST = RetryPolicy(deadline=2.0, backoff=0.01, backoff_max=0.02)


async def pieces(text: str, size: int = 9) -> AsyncIterator[str]:
    for i in range(0, len(text), size):
        yield text[i : i + size]


async def speak(speaker: Speaker, text: str = TEXT) -> bytes:
    return b"".join([chunk async for chunk in speaker.speak(pieces(text))])


def assert_resumed(spoken: str, segments: list[str], restarts: int = 1) -> None:
    assert is_resumed(spoken, segments, restarts), f"not {segments} with restarts: {spoken!r}"


def sent_segments(simulator: QwenSimulator) -> list[str]:
    """The segments of the first session (each was appended then committed)."""
    return [
        e["text"] for e in simulator.sessions[0].events if e["type"] == "input_text_buffer.append"
    ]


async def test_no_fault_every_segment_once(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    speaker = Speaker(client, SessionConfig(), policy=FAST)
    assert decode(await speak(speaker)) == TEXT
    segments = sent_segments(simulator)
    assert "".join(segments) == TEXT
    assert segments[0] == "Attention please,"  # the first segment ends early, at a clause
    assert simulator.sessions[0].config["mode"] == "commit"
    assert speaker.stats.attempts == 1
    assert speaker.stats.resumes == 0
    assert speaker.stats.metrics is not None
    assert len(speaker.stats.metrics.responses) == len(segments)


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
    speaker = Speaker(client, SessionConfig(), policy=FAST)
    spoken = decode(await speak(speaker))
    segments = sent_segments(simulator)
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


@pytest.mark.parametrize("timeouts", [pytest.param(None, id="default")])
async def test_resume_after_a_stall(http: Any, simulator: QwenSimulator, timeouts: Any) -> None:
    from wyoming_qwentts.realtime import Timeouts

    client = QwenRealtimeClient(
        http, simulator.options.api_key, url=simulator.url, timeouts=Timeouts(audio_gap=0.1)
    )
    simulator.options.delta_bytes = 960
    simulator.options.stall_after_deltas = 4
    simulator.options.fault_sessions = 1
    speaker = Speaker(client, SessionConfig(), policy=FAST)
    assert_resumed(decode(await speak(speaker)), sent_segments(simulator))
    assert speaker.stats.resumes == 1


@pytest.mark.parametrize("status", [429, 500])
async def test_transient_handshake_faults_are_retried_unheard(
    client: QwenRealtimeClient, simulator: QwenSimulator, status: int
) -> None:
    simulator.options.reject_handshake = status
    simulator.options.fault_sessions = 2
    speaker = Speaker(client, SessionConfig(), policy=FAST)
    assert decode(await speak(speaker)) == TEXT  # nothing was delivered before: nothing heard
    assert speaker.stats.attempts == 3
    assert speaker.stats.resumes == 0


async def test_a_rejected_key_is_never_retried(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 401
    speaker = Speaker(client, SessionConfig(), policy=FAST)
    with pytest.raises(AuthenticationError):
        await speak(speaker)
    assert speaker.stats.attempts == 1


async def test_retries_stop_at_the_deadline(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 500
    speaker = Speaker(client, SessionConfig(), policy=RetryPolicy(deadline=0.05, backoff=0.01))
    with pytest.raises(ServiceError, match="unavailable"):
        await speak(speaker)
    assert speaker.stats.attempts >= 2


async def test_resumes_are_limited(client: QwenRealtimeClient, simulator: QwenSimulator) -> None:
    simulator.options.delta_bytes = 960
    simulator.options.drop_after_deltas = 3  # every session
    policy = RetryPolicy(deadline=5, max_resumes=2, backoff=0.01)
    speaker = Speaker(client, SessionConfig(), policy=policy)
    received: list[bytes] = []

    async def consume() -> None:
        async for chunk in speaker.speak(pieces(TEXT)):
            received.append(chunk)

    with pytest.raises(ConnectionClosedError):
        await consume()
    assert speaker.stats.resumes == 2
    assert received  # what was heard before giving up was delivered


async def test_server_segmentation_retries_but_cannot_resume(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    speaker = Speaker(client, SessionConfig(), segmentation="server", policy=FAST)
    assert decode(await speak(speaker)) == TEXT
    assert simulator.sessions[0].config["mode"] == "server_commit"
    simulator.options.drop_after_deltas = 3
    simulator.options.delta_bytes = 960
    speaker = Speaker(client, SessionConfig(), segmentation="server", policy=FAST)
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
        async for _ in Speaker(client, SessionConfig(), policy=FAST).speak(broken()):
            heard.set()

    with pytest.raises(RuntimeError, match="the LLM stream broke"):
        await listen()
    await simulator.sessions[0].closed.wait()
    assert not simulator.sessions[0].finished


async def test_whitespace_only_text_opens_no_session(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    segmentation: Segmentation
    for segmentation in ("client", "server"):
        speaker = Speaker(client, SessionConfig(), segmentation=segmentation)
        assert await speak(speaker, " \n  ") == b""
    assert simulator.sessions == []


async def test_whitespace_around_the_text(client: QwenRealtimeClient) -> None:
    segmentation: Segmentation
    for segmentation in ("client", "server"):
        speaker = Speaker(client, SessionConfig(), segmentation=segmentation)
        text = "\n  Spoken, with spaces.  \n"
        spoken = decode(await speak(speaker, text))
        # Whitespace alone is never committed: a trailing run is dropped in client segmentation.
        assert spoken == (text if segmentation == "server" else text.rstrip())


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
    from wyoming_qwentts.realtime import Timeouts

    caplog.set_level(logging.DEBUG)
    client = QwenRealtimeClient(
        http, API_KEY, url=simulator.url, timeouts=Timeouts(first_audio=0.3, audio_gap=0.1)
    )
    simulator.options.chaos_rate = 1.0  # every session meets a fault
    simulator.options.delta_bytes = 960
    for n in range(12):
        with contextlib.suppress(QwenTtsError):
            await speak(Speaker(client, SessionConfig(), policy=FAST), f"Request {n}. {TEXT}")
    for status in (401, 403):
        simulator.options.chaos_rate = 0
        simulator.options.reject_handshake = status
        with pytest.raises(QwenTtsError) as err:
            await speak(Speaker(client, SessionConfig(), policy=FAST))
        assert API_KEY not in f"{err.value!s} {err.value!r}"
    assert "Session failed" in caplog.text  # the failures were logged ...
    assert API_KEY not in caplog.text  # ... without the key
