"""How hard a request tries (retry, resume, resend) and what it went through."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .errors import QwenTtsError
from .metrics import SessionMetrics


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

    def delay(self, attempt: int) -> float:
        """Jittered exponential backoff before attempt ``attempt`` (1 = the first retry)."""
        base: float = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)


def is_transient(err: BaseException) -> bool:
    """Whether another attempt may succeed (not a key, permission or parameter problem)."""
    return isinstance(err, QwenTtsError) and err.transient


@dataclass(slots=True)
class SpeakerStats:
    """What a request went through."""

    attempts: int = 0
    """Sessions opened."""
    resumes: int = 0
    """Segments heard to restart after a fault."""
    segments: int = 0
    """Segments committed (one response each)."""
    empty_responses: int = 0
    sessions: list[SessionMetrics] = field(default_factory=list)

    @property
    def metrics(self) -> SessionMetrics | None:
        """The figures of all the request's sessions as one (None if none was opened)."""
        if not self.sessions:
            return None
        first = self.sessions[0]
        return SessionMetrics(
            connect_time=first.connect_time,
            sample_rate=first.sample_rate,
            model=first.model,
            protocol=first.protocol,
            responses=[response for session in self.sessions for response in session.responses],
        )
