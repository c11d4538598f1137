"""Runtime data of a Qwen TTS config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from homeassistant.config_entries import ConfigEntry

from wyoming_qwentts.realtime import SessionMetrics, WarmPool


@dataclass(slots=True)
class QwenTtsData:
    """The entry's sessions (a warm pool of its client) and the last session's figures."""

    pool: WarmPool
    last_metrics: SessionMetrics | None = None


QwenTtsConfigEntry: TypeAlias = ConfigEntry[QwenTtsData]
