"""Realtime session modes."""

from __future__ import annotations

from typing import Literal

Mode = Literal["server_commit", "commit"]
"""``commit``: the client decides when text is synthesized (the speaker's segments);
``server_commit``: the service cuts the appended text itself."""
