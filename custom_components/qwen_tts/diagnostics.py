"""Diagnostics of a Qwen TTS config entry (the key is redacted)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from wyoming_qwentts import __version__, catalog

from .data import QwenTtsConfigEntry

TO_REDACT = {CONF_API_KEY}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: QwenTtsConfigEntry
) -> dict[str, Any]:
    """Entry settings, versions and the last session's figures."""
    metrics = entry.runtime_data.last_metrics
    last_session = None
    if metrics is not None:
        last_session = {
            "model": metrics.model,
            "protocol": metrics.protocol,
            "connect_time": metrics.connect_time,
            "time_to_first_audio": metrics.time_to_first_audio,
            "audio_seconds": metrics.audio_seconds,
            "characters": metrics.characters,
            "responses": [asdict(response) for response in metrics.responses],
        }
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "library_version": __version__,
        "catalog_version": catalog.CATALOG_VERSION,
        "model": entry.runtime_data.pool.model.id,
        "protocol": entry.runtime_data.pool.model.protocol,
        "warm_connections": asdict(entry.runtime_data.pool.stats),
        "last_session": last_session,
    }
