"""The retry policy as every stream applies it (:class:`Retries`) and as a warm pool
reconnects."""

from __future__ import annotations

import pytest

from wyoming_qwentts.core import (
    AuthenticationError,
    ConnectionClosedError,
    Retries,
    RetryPolicy,
)

POLICY = RetryPolicy(deadline=1.0, max_resumes=2, backoff=0.2, backoff_max=0.4)
DROP = ConnectionClosedError("dropped")


def test_before_audio_a_transient_failure_is_retried_until_the_deadline() -> None:
    retries = Retries(POLICY)
    for attempt in range(1, 6):  # any number of times, while within the deadline
        pause = retries.pause(DROP, attempt=attempt, failing_for=0.9, heard=False)
        assert pause is not None
        assert 0 < pause <= POLICY.backoff_max
    assert retries.pause(DROP, attempt=6, failing_for=1.01, heard=False) is None


def test_a_key_problem_is_never_retried() -> None:
    retries = Retries(POLICY)
    assert retries.pause(AuthenticationError(None), attempt=1, failing_for=0, heard=False) is None


def test_after_audio_only_max_resumes_failures_are_recovered() -> None:
    retries = Retries(POLICY)
    pauses = [retries.pause(DROP, attempt=1, failing_for=0, heard=True) for _ in range(3)]
    assert [pause is not None for pause in pauses] == [True, True, False]


def test_a_stream_that_cannot_resume_gives_up_once_audio_was_heard() -> None:
    retries = Retries(POLICY, resumable=False)
    assert retries.pause(DROP, attempt=1, failing_for=0, heard=False) is not None
    assert retries.pause(DROP, attempt=2, failing_for=0, heard=True) is None


@pytest.mark.parametrize("attempt", [1, 2, 3, 8])
def test_backoff_is_jittered_and_capped(attempt: int) -> None:
    base = min(POLICY.backoff_max, POLICY.backoff * 2 ** (attempt - 1))
    assert base / 2 <= POLICY.delay(attempt) <= base


def test_a_pool_reconnects_with_doubling_waits_between_its_bounds() -> None:
    policy = RetryPolicy(reconnect_backoff=1.0, reconnect_backoff_max=30.0)
    waits = [0.0]
    for _ in range(7):
        waits.append(policy.reconnect_delay(waits[-1]))
    assert waits[1:] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
