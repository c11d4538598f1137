"""Figures of a session and of each of its responses (time to first audio, characters)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .pcm import PCM_WIDTH


@dataclass(slots=True)
class ResponseMetrics:
    """Figures of one response (one synthesized segment)."""

    response_id: str
    time_to_first_audio: float | None = None
    """Seconds from the text that triggered the response to its first audio."""
    audio_bytes: int = 0
    characters: int | None = None
    """Characters billed for the response (``usage.characters``)."""


@dataclass(slots=True)
class SessionMetrics:
    """Figures of one session, on the monotonic clock."""

    connect_time: float = 0.0
    """Seconds from the start of the handshake to ``session.created``."""
    sample_rate: int = 24000
    model: str = ""
    protocol: str = ""
    responses: list[ResponseMetrics] = field(default_factory=list)

    @property
    def audio_bytes(self) -> int:
        """PCM bytes received in all responses."""
        return sum(response.audio_bytes for response in self.responses)

    @property
    def audio_seconds(self) -> float:
        """Duration of the audio received (PCM16 mono)."""
        return self.audio_bytes / (PCM_WIDTH * self.sample_rate)

    @property
    def characters(self) -> int:
        """Characters billed over the whole session."""
        return sum(response.characters or 0 for response in self.responses)

    @property
    def time_to_first_audio(self) -> float | None:
        """Time to first audio of the session's first response."""
        for response in self.responses:
            if response.time_to_first_audio is not None:
                return response.time_to_first_audio
        return None
