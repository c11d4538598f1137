"""Runtime data of a Qwen TTS config entry."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeAlias

from homeassistant.config_entries import ConfigEntry

from wyoming_qwentts.core import SessionMetrics
from wyoming_qwentts.core.pool import WarmPool


@dataclass(slots=True)
class QwenTtsData:
    """The entry's sessions (a warm pool of its client) and the last session's figures."""

    pool: WarmPool[Any]
    last_metrics: SessionMetrics | None = None


QwenTtsConfigEntry: TypeAlias = ConfigEntry[QwenTtsData]

SYNTHESES: ContextVar[list[SessionMetrics] | None] = ContextVar("qwen_tts_syntheses", default=None)
"""Set by a service call to a list that collects the figures of each synthesis it causes.

Home Assistant runs the synthesis in a task created from the caller's context, so the
entity appends to the caller's own list: a concurrent call, or one answered from Home
Assistant's cache (nothing appended), never lends it another call's figures."""
