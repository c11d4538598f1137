"""Diagnostics of a Qwen TTS config entry (the key and its endpoints are redacted)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant

from wyoming_qwentts import __version__, catalog
from wyoming_qwentts.core import QwenTtsError

from .const import CONF_URL, CONF_WORKSPACE
from .data import QwenTtsConfigEntry, voice_subentries

TO_REDACT = {CONF_API_KEY, CONF_URL, CONF_WORKSPACE}
"""The key, and where it is sent (a proxy's or workspace's address says who you are)."""


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: QwenTtsConfigEntry
) -> dict[str, Any]:
    """Entry settings, each voice (its settings, model and warm connections), versions, the
    last session's figures, and whether Model Studio is out for a voice (the code of the
    fault that said so: its message may name the endpoint)."""
    runtime = entry.runtime_data
    metrics = runtime.last_metrics
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
        "voices": {
            subentry_id: {
                "title": subentry.title,
                "settings": dict(subentry.data),
                "model": runtime.pools[subentry_id].model.id,
                "protocol": runtime.pools[subentry_id].model.protocol,
                "warm_connections": asdict(runtime.pools[subentry_id].stats),
                "outage": _code(runtime.breakers[subentry_id].error),
            }
            for subentry_id, subentry in voice_subentries(entry).items()
            if subentry_id in runtime.pools
        },
        "account_voices": [
            {"id": voice.id, "model": voice.model, "name": voice.name}
            for voice in runtime.account.voices
        ],
        "library_version": __version__,
        "catalog_version": catalog.CATALOG_VERSION,
        "last_session": last_session,
    }


def _code(error: QwenTtsError | None) -> str | None:
    return None if error is None else error.code
