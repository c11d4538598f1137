"""How hard and how long the library tries: the retry policy and the timeouts.

One :class:`RetryPolicy` says how a request retries and resumes and how a warm pool
reconnects; :class:`Retries` applies it to one request, so that every stream that retries
follows the same rule. :class:`Timeouts` bounds each wait of a connection.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final

from .errors import QwenTtsError


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: backoff between attempts and the limits on them."""

    deadline: float = 5.0
    """Seconds, from a segment's first failure, within which it may still be retried."""
    max_resumes: int = 3
    """Failures a request may recover from after its audio started."""
    empty_responses: int = 2
    """Times a segment whose response had no audio is sent again in the same session."""
    settle: float = 0.1
    """Seconds to wait after an empty response before sending its text again (times the
    empty responses so far): a field report has text right after a response dropped."""
    backoff: float = 0.2
    backoff_max: float = 2.0
    reconnect_backoff: float = 1.0
    """Seconds a warm pool waits after its first failed connection (doubling after each)."""
    reconnect_backoff_max: float = 30.0

    def delay(self, attempt: int) -> float:
        """Jittered exponential backoff before attempt ``attempt`` (1 = the first retry)."""
        base: float = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)

    def reconnect_delay(self, previous: float) -> float:
        """A warm pool's wait after a failed connection, given its previous wait (0: none)."""
        return min(self.reconnect_backoff_max, max(self.reconnect_backoff, 2 * previous))


def is_transient(err: BaseException) -> bool:
    """Whether another attempt may succeed (not a key, permission or parameter problem)."""
    return isinstance(err, QwenTtsError) and err.transient


_REQUEST_FAULTS: Final = ("invalid-parameter", "invalid-voice", "unknown-model")


def is_cloud_fault(err: BaseException) -> bool:
    """Whether a failure is the service's (unreachable, too slow, throttled, refusing the key
    or the account, failing mid-audio) rather than the request's (its voice or settings):
    what another engine may speak instead."""
    return isinstance(err, QwenTtsError) and err.code not in _REQUEST_FAULTS


class Retries:
    """One request's retries under a policy: each failure gets the pause before the next
    attempt, or None when the request must give up.

    A failure is retried while it is transient and its deadline (from the first failure of
    the same unit of text) has not passed; once audio was heard, at most ``max_resumes``
    failures are (none where ``resumable`` is False: the audio cannot be matched to text).
    """

    def __init__(self, policy: RetryPolicy, *, resumable: bool = True) -> None:
        self.policy = policy
        self._resumes_left = policy.max_resumes if resumable else 0

    def pause(
        self, err: BaseException, *, attempt: int, failing_for: float, heard: bool
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None: give up with ``err``.

        ``failing_for``: seconds since the first failure of this unit of text; ``heard``:
        whether the request's audio already started.
        """
        if not is_transient(err) or failing_for > self.policy.deadline:
            return None
        if heard:
            if self._resumes_left <= 0:
                return None
            self._resumes_left -= 1
        return self.policy.delay(attempt)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Client timeouts in seconds (every protocol)."""

    connect: float = 10.0
    """The handshake plus the first event (``session.created``; ``task-started`` of a task)."""
    configure: float = 10.0
    """``session.update`` to ``session.updated``."""
    commit: float = 5.0
    """From a commit to its acknowledgement (``input_text_buffer.committed``)."""
    first_audio: float = 15.0
    """From the text (a commit, a finish) to its first audio."""
    audio_gap: float = 15.0
    """Longest silence between server events while audio is being delivered."""
