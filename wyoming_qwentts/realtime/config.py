"""Realtime session modes and client timeouts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Mode = Literal["server_commit", "commit"]
"""``commit``: the client decides when text is synthesized (the speaker's segments);
``server_commit``: the service cuts the appended text itself."""


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Client timeouts in seconds (both protocols)."""

    connect: float = 10.0
    """Handshake plus the first event (``session.created``; ``task-started`` for a task)."""
    configure: float = 10.0
    """``session.update`` to ``session.updated``."""
    commit: float = 5.0
    """From a commit to its acknowledgement (``input_text_buffer.committed``)."""
    first_audio: float = 15.0
    """From a commit or finish (when the service owes audio) to its first audio."""
    audio_gap: float = 15.0
    """Longest silence between server events while a response is being delivered."""
