"""Setting up, unloading and reloading an entry."""

from __future__ import annotations

import asyncio

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    CONF_MODEL,
    CONF_REGION,
    CONF_URL,
    CONF_VOICE,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from tests.ha.helpers import API_KEY, BEIJING_KEY, ENTITY_ID, add_voice
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
    (voice,) = loaded_entry.subentries.values()
    assert entity.unique_id == voice.subentry_id
    assert entity.config_subentry_id == voice.subentry_id
    # The key check (a handshake) and the warm connection: nothing was synthesized.
    assert simulator.sessions[0].events == []
    assert all(not session.events for session in simulator.sessions)
    (pool,) = loaded_entry.runtime_data.pools.values()
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


async def test_a_voice_added_or_removed_reloads_the_entry(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    subentry = await add_voice(
        hass, loaded_entry, "cosyvoice-v3-flash", "longanyang", "Qwen TTS Longan Yang"
    )
    assert loaded_entry.state is ConfigEntryState.LOADED
    models = {pool.model.id for pool in loaded_entry.runtime_data.pools.values()}
    assert models == {"qwen3-tts-flash-realtime", "cosyvoice-v3-flash"}
    assert hass.states.get("tts.qwen_tts_longan_yang_speech") is not None
    hass.config_entries.async_remove_subentry(loaded_entry, subentry.subentry_id)
    await hass.async_block_till_done()
    assert list(loaded_entry.runtime_data.pools) == [
        s for s in loaded_entry.subentries if s != subentry.subentry_id
    ]
    assert er.async_get(hass).async_get("tts.qwen_tts_longan_yang_speech") is None


async def test_a_version_1_entry_becomes_a_voice_keeping_its_entity(
    hass: HomeAssistant, simulator: QwenSimulator
) -> None:
    """Before voices were subentries an entry held one voice in its options: it migrates to
    one subentry with those settings, and its entity (and entity id) and device stay."""
    options = {**DEFAULT_OPTIONS, CONF_MODEL: "cosyvoice-v3-flash", CONF_VOICE: "longanhuan"}
    entry = MockConfigEntry(
        domain=DOMAIN, version=1, title="Qwen TTS Singapore (international)",
        data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_URL: simulator.url},
        options=options,
    )  # fmt: skip
    entry.add_to_hass(hass)
    devices = dr.async_get(hass)
    device = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, entry.entry_id)}, name="Qwen TTS"
    )
    old = er.async_get(hass).async_get_or_create(
        "tts", DOMAIN, entry.entry_id, config_entry=entry, device_id=device.id,
        suggested_object_id="kitchen_speaker",
    )  # fmt: skip
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (entry.version, dict(entry.options)) == (2, {})
    (voice,) = entry.subentries.values()
    assert dict(voice.data) == options
    assert voice.title == "Qwen TTS Longan Huan"
    moved = er.async_get(hass).async_get(old.entity_id)
    assert moved is not None  # the same entity id: automations keep working
    assert (moved.unique_id, moved.config_subentry_id) == (voice.subentry_id, voice.subentry_id)
    kept = devices.async_get(device.id)
    assert kept is not None
    assert kept.identifiers == {(DOMAIN, voice.subentry_id)}
    if hasattr(kept, "config_subentry_id"):  # Home Assistant 2026.10+: one entry, one subentry
        assert (kept.config_entry_id, kept.config_subentry_id) == (
            entry.entry_id,
            voice.subentry_id,
        )
    else:
        assert kept.config_entries_subentries == {entry.entry_id: {voice.subentry_id}}
    state = hass.states.get(old.entity_id)
    assert state is not None  # and it speaks
    assert len(hass.states.async_entity_ids("tts")) == 1


async def test_an_entry_of_a_newer_version_is_not_touched(
    hass: HomeAssistant, simulator: QwenSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, version=3, data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore"}
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


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
    (pool,) = loaded_entry.runtime_data.pools.values()
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


async def test_a_voice_of_a_model_no_longer_known_leaves_the_others_speaking(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    await add_voice(hass, loaded_entry, "qwen9-tts-retired", "Ghost", "Qwen TTS Ghost")
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(ENTITY_ID) is not None  # the other voice still speaks
    assert hass.states.get("tts.qwen_tts_ghost_speech") is None
    assert "has an unknown model 'qwen9-tts-retired': remove it" in caplog.text
