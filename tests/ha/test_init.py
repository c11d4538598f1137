"""Setting up, unloading and reloading an entry."""

from __future__ import annotations

import asyncio

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    CONF_INSTRUCTIONS,
    CONF_MODEL,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_REGION,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from tests.ha.helpers import BEIJING_KEY, ENTITY_ID
from tests.helpers import until
from wyoming_qwentts.simulator import QwenSimulator


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
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MODEL: "qwen3-tts-flash-realtime-2025-09-18", CONF_WARM_CONNECTIONS: 1},
    )
    voice_step = {
        key: value
        for key, value in DEFAULT_OPTIONS.items()
        # the instruction fields are not shown for this model
        if key
        not in (CONF_MODEL, CONF_WARM_CONNECTIONS, CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS)
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**voice_step, CONF_VOICE: "Ethan"}
    )
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data.pool.model.id == "qwen3-tts-flash-realtime-2025-09-18"
    # Changing the entry's options by other means than the flow does not reload it.
    pool = loaded_entry.runtime_data.pool
    hass.config_entries.async_update_entry(loaded_entry, title="Renamed")
    await hass.async_block_till_done()
    assert loaded_entry.runtime_data.pool is pool


async def test_access_denied_raises_a_repair_issue_until_it_works(
    hass: HomeAssistant, mock_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 403
    mock_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_RETRY
    issue_id = f"access_denied_{mock_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "title": mock_entry.title,
        "region": "Singapore (international)",
    }
    simulator.options.reject_handshake = None  # the account was settled
    assert await hass.config_entries.async_reload(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert await hass.config_entries.async_unload(mock_entry.entry_id)


async def test_a_key_of_the_other_region_raises_a_repair_issue(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: BEIJING_KEY, CONF_REGION: "singapore"},
        options=DEFAULT_OPTIONS,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"wrong_region_{entry.entry_id}")
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_a_rejected_key_that_works_nowhere_raises_no_issue(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data={CONF_API_KEY: "sk-nobody", CONF_REGION: "singapore"}
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert [key for key in ir.async_get(hass).issues if key[0] == DOMAIN] == []


async def test_stopping_home_assistant_closes_the_warm_connections(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    pool = loaded_entry.runtime_data.pool
    await until(pool, lambda: pool.ready == 1)
    opened = len(simulator.sessions)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    assert pool.ready == 0
    warm = simulator.sessions[-1]
    await asyncio.wait_for(warm.closed.wait(), 5)
    assert warm.finished  # retired with session.finish, not dropped with Home Assistant
    pool._fill()  # a refresh after the stop opens nothing
    await hass.async_block_till_done()
    assert len(simulator.sessions) == opened
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)  # still unloads
