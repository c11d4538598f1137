"""Runtime data of a Qwen TTS config entry."""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant

from wyoming_qwentts import catalog
from wyoming_qwentts.core import RetryPolicy, SessionMetrics
from wyoming_qwentts.enrollment import AccountVoices, CustomizationClient, CustomVoice
from wyoming_qwentts.speech import WarmPool
from wyoming_qwentts.speech.failover import Breaker

from .const import SUBENTRY_VOICE
from .fallback import Outages


@dataclass(slots=True)
class QwenTtsData:
    """The entry's voices (a warm pool of each voice subentry's model), the account's own
    voices of those models, and the last session's figures."""

    pools: dict[str, WarmPool[Any]]
    """Each voice subentry's sessions, by subentry id."""
    studio: CustomizationClient
    """The key's customization API (cloned and designed voices)."""
    account: AccountVoices
    """The account's ready voices of the subentries' models (read at most every 30 s)."""
    retry: RetryPolicy
    """How the entry's requests retry and its pools reconnect."""
    breakers: dict[str, Breaker]
    """Each voice's: it hears the outages of its model; while it is open, a voice with a
    fallback entity skips the cloud."""
    outages: Outages
    """Whether Model Studio cannot speak a voice now, and the repair issue that says so."""
    last_metrics: SessionMetrics | None = None
    refreshing: set[asyncio.Task[Any]] = field(default_factory=set)

    def account_voices(self, model: catalog.Model) -> tuple[CustomVoice, ...]:
        """The account's voices of ``model`` (the last list read)."""
        return tuple(voice for voice in self.account.voices if voice.model == model.id)

    def refresh_account(self, hass: HomeAssistant) -> None:
        """Read the account's voices again in the background, if they are due."""
        if not self.refreshing:
            task = hass.async_create_background_task(
                self.account.refresh(), "qwen_tts account voices"
            )
            self.refreshing.add(task)
            task.add_done_callback(self.refreshing.discard)

    async def close(self) -> None:
        """Close every pool and stop a read of the account's voices."""
        for task in self.refreshing:
            task.cancel()
        await asyncio.gather(*(breaker.close() for breaker in self.breakers.values()))
        self.outages.clear()
        await asyncio.gather(*(pool.close() for pool in self.pools.values()))


QwenTtsConfigEntry: TypeAlias = ConfigEntry[QwenTtsData]


def voice_subentries(entry: ConfigEntry[Any]) -> dict[str, ConfigSubentry]:
    """The entry's voices (its subentries of type ``voice``), by subentry id."""
    return {
        subentry_id: subentry
        for subentry_id, subentry in entry.subentries.items()
        if subentry.subentry_type == SUBENTRY_VOICE
    }


def voice_title(model: catalog.Model, voice: str | None, name: str | None = None) -> str:
    """A voice subentry's title, which names its device and entity (``Qwen TTS Cherry``):
    a system voice's name, else the name an account voice was made with, else its id."""
    known = model.voice(voice) if voice else None
    shown = (known.name or known.id) if known else (name or voice or model.id)
    return f"Qwen TTS {shown}"


SYNTHESES: ContextVar[list[SessionMetrics] | None] = ContextVar("qwen_tts_syntheses", default=None)
"""Set by a service call to a list that collects the figures of each synthesis it causes.

Home Assistant runs the synthesis in a task created from the caller's context, so the
entity appends to the caller's own list: a concurrent call, or one answered from Home
Assistant's cache (nothing appended), never lends it another call's figures."""
