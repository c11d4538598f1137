"""Session configuration (what goes into ``session.update``) and client timeouts."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from .. import catalog

Mode = Literal["server_commit", "commit"]


@dataclass(frozen=True, slots=True)
class SessionConfig:
    """Every ``session.update`` field. ``None`` leaves the service's default in place."""

    voice: str = catalog.DEFAULT_VOICE
    mode: Mode = "server_commit"
    language_type: str | None = None
    response_format: str = "pcm"
    sample_rate: int = catalog.DEFAULT_SAMPLE_RATE
    speech_rate: float | None = None
    volume: int | None = None
    pitch_rate: float | None = None
    bit_rate: int | None = None
    instructions: str | None = None
    optimize_instructions: bool | None = None

    def to_session(self, model: catalog.Model) -> dict[str, Any]:
        """The ``session`` object for ``model``, validated against the catalog.

        Raises InvalidParameterError naming the field and the allowed values.
        """
        session = {name: value for name in _FIELDS if (value := getattr(self, name)) is not None}
        catalog.check_session(model, session)
        return session


_FIELDS = tuple(item.name for item in fields(SessionConfig))


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Client timeouts in seconds."""

    connect: float = 10.0
    """Handshake plus ``session.created``."""
    configure: float = 10.0
    """``session.update`` to ``session.updated``."""
    commit: float = 5.0
    """From a commit to its acknowledgement (``input_text_buffer.committed``)."""
    first_audio: float = 15.0
    """From a commit or finish (when the service owes audio) to its first audio."""
    audio_gap: float = 15.0
    """Longest silence between server events while a response is being delivered."""
