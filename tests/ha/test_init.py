"""Setting up, unloading and reloading an entry."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import CONF_MODEL, CONF_VOICE, DOMAIN
from wyoming_qwentts.simulator import QwenSimulator

from .conftest import ENTITY_ID


async def test_setup_checks_the_key_and_adds_the_entity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    assert loaded_entry.state is ConfigEntryState.LOADED
    state = hass.states.get(ENTITY_ID)
    assert state is not None
    entity = er.async_get(hass).async_get(ENTITY_ID)
    assert entity is not None
    assert entity.unique_id == loaded_entry.entry_id
    # The key check (a handshake) and the warm connection: nothing was synthesized.
    assert simulator.sessions[0].events == []
    assert all(not session.events for session in simulator.sessions)
    pool = loaded_entry.runtime_data.pool
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert pool.ready == 0  # warm connections closed


async def test_rejected_key_starts_reauthentication(
    hass: HomeAssistant, mock_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 401
    mock_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_unreachable_service_retries_later(
    hass: HomeAssistant, mock_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    await simulator.stop()
    mock_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_RETRY
    assert "Cannot connect to 127.0.0.1" in str(mock_entry.reason)


async def test_changing_options_reloads_the_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    assert loaded_entry.runtime_data.pool.model.id == "qwen3-tts-flash-realtime"
    hass.config_entries.async_update_entry(
        loaded_entry,
        options={
            **loaded_entry.options,
            CONF_MODEL: "qwen3-tts-flash-realtime-2025-09-18",
            CONF_VOICE: "Ethan",
        },
    )
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.pool.model.id == "qwen3-tts-flash-realtime-2025-09-18"
