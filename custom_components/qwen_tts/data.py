"""Runtime data of a Qwen TTS config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from homeassistant.config_entries import ConfigEntry

from wyoming_qwentts.realtime import QwenRealtimeClient, SessionMetrics


@dataclass(slots=True)
class QwenTtsData:
    """The entry's client (key, region and model) and the last session's figures."""

    client: QwenRealtimeClient
    last_metrics: SessionMetrics | None = None


QwenTtsConfigEntry: TypeAlias = ConfigEntry[QwenTtsData]
