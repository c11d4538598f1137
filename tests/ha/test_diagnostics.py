"""Diagnostics never contain the key."""

from __future__ import annotations

import json
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from tests.ha.helpers import API_KEY, stream
from wyoming_qwentts import catalog


async def test_diagnostics(
    hass: HomeAssistant, hass_client: Any, loaded_entry: MockConfigEntry
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    before = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert before["last_session"] is None
    assert [voice["outage"] for voice in before["voices"].values()] == [None]
    await stream(hass, ["Hello ", "there."])
    result = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert API_KEY not in json.dumps(result)
    assert result["entry"]["data"]["api_key"] == "**REDACTED**"
    assert result["entry"]["data"]["url"] == "**REDACTED**"  # where the key goes
    assert result["catalog_version"] == catalog.CATALOG_VERSION
    (voice,) = result["voices"].values()
    assert (voice["model"], voice["protocol"]) == ("qwen3-tts-flash-realtime", "realtime")
    assert voice["settings"]["voice"] == "Cherry"
    assert voice["warm_connections"]["opened"] >= 1
    assert result["account_voices"] == []
    session = result["last_session"]
    assert (session["model"], session["protocol"]) == ("qwen3-tts-flash-realtime", "realtime")
    assert session["characters"] == len("Hello there.")
    assert session["time_to_first_audio"] > 0
    assert session["connect_time"] > 0
    assert session["audio_seconds"] > 0
