"""Runtime data of a Qwen TTS config entry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from homeassistant.config_entries import ConfigEntry

from wyoming_qwentts import catalog
from wyoming_qwentts.core import RetryPolicy, SessionMetrics
from wyoming_qwentts.speech import WarmPool


@dataclass(slots=True)
class QwenTtsData:
    """The entry's sessions (a warm pool of its model's client, and one of each other model
    a call's voice asked for) and the last session's figures."""

    pool: WarmPool[Any]
    open_pool: Callable[[catalog.Model], WarmPool[Any]]
    """A started pool of another model of the entry's region (no connection kept ahead)."""
    retry: RetryPolicy
    """How the entry's requests retry and its pools reconnect."""
    last_metrics: SessionMetrics | None = None
    others: dict[str, WarmPool[Any]] = field(default_factory=dict)

    def pool_for(self, model: catalog.Model) -> WarmPool[Any]:
        """The sessions of ``model``: the entry's pool, or one opened at its first call."""
        if model is self.pool.model:
            return self.pool
        if model.id not in self.others:
            self.others[model.id] = self.open_pool(model)
        return self.others[model.id]

    async def close(self) -> None:
        """Close every pool."""
        await asyncio.gather(self.pool.close(), *(pool.close() for pool in self.others.values()))


QwenTtsConfigEntry: TypeAlias = ConfigEntry[QwenTtsData]

SYNTHESES: ContextVar[list[SessionMetrics] | None] = ContextVar("qwen_tts_syntheses", default=None)
"""Set by a service call to a list that collects the figures of each synthesis it causes.

Home Assistant runs the synthesis in a task created from the caller's context, so the
entity appends to the caller's own list: a concurrent call, or one answered from Home
Assistant's cache (nothing appended), never lends it another call's figures."""
