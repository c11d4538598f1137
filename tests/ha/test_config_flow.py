"""Config, reauth and reconfigure flows (the key, its region and endpoints)."""

from __future__ import annotations

import socket
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    CONF_CONNECTION,
    CONF_REGION,
    CONF_URL,
    CONF_WORKSPACE,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from tests.ha.helpers import API_KEY, BEIJING_KEY
from wyoming_qwentts.simulator import QwenSimulator


async def start(hass: HomeAssistant) -> Any:
    return await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})


def section_fields(result: Any, name: str) -> list[str]:
    """The fields of a form's section (a collapsed group of fields)."""
    field = next(key for key in result["data_schema"].schema if str(key) == name)
    return [str(key) for key in result["data_schema"].schema[field].schema.schema]


async def test_user_creates_an_entry(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    result = await start(hass)
    assert result["type"] is FlowResultType.FORM
    assert CONF_URL not in result["data_schema"].schema  # not among the everyday fields ...
    assert section_fields(result, CONF_CONNECTION) == [CONF_WORKSPACE, CONF_URL]  # a section
    field = next(key for key in result["data_schema"].schema if str(key) == CONF_CONNECTION)
    assert result["data_schema"].schema[field].options == {"collapsed": True}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: BEIJING_KEY, CONF_REGION: "beijing"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Qwen TTS Beijing (Chinese mainland)"
    assert result["data"] == {
        CONF_API_KEY: BEIJING_KEY,
        CONF_REGION: "beijing",
        CONF_WORKSPACE: None,
        CONF_URL: None,
    }
    entry = result["result"]
    (voice,) = entry.subentries.values()  # a first voice: the default model's first
    assert (voice.subentry_type, voice.title) == (SUBENTRY_VOICE, "Qwen TTS Cherry")
    assert dict(voice.data) == DEFAULT_OPTIONS
    await hass.async_block_till_done()
    assert hass.states.get("tts.qwen_tts_cherry_speech") is not None
    assert entry.unique_id.startswith("beijing-")
    assert BEIJING_KEY not in entry.unique_id
    assert len(regions["beijing"].sessions) >= 1


async def test_invalid_key_then_fixed(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-nobody", CONF_REGION: "singapore"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY, CONF_REGION: "singapore"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_key_of_the_other_region(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: BEIJING_KEY, CONF_REGION: "singapore"}
    )
    assert result["errors"] == {"base": "wrong_region"}


async def test_cannot_connect_with_a_url_of_the_connection_section(
    hass: HomeAssistant, socket_enabled: Any
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await start(hass)
    url = f"ws://127.0.0.1:{port}/x"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_CONNECTION: {CONF_URL: url}},
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_a_workspace_reaches_the_service(
    hass: HomeAssistant, simulator: QwenSimulator
) -> None:
    result = await start(hass)
    connection = {CONF_WORKSPACE: "ws/1", CONF_URL: simulator.url}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_CONNECTION: connection},
    )
    assert result["errors"] == {"base": "invalid_workspace"}
    assert simulator.sessions == []  # refused before any connection
    connection[CONF_WORKSPACE] = " ws-home-42 "
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_CONNECTION: connection},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_WORKSPACE] == "ws-home-42"
    await hass.async_block_till_done()  # the entry is set up: its sessions send it too
    assert {s.headers.get("x-dashscope-workspace") for s in simulator.sessions} == {"ws-home-42"}


async def test_unexpected_error(hass: HomeAssistant) -> None:
    result = await start(hass)
    with patch(
        "custom_components.qwen_tts.config_flow.async_check_key", side_effect=RuntimeError("boom")
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_KEY: API_KEY, CONF_REGION: "singapore"}
        )
    assert result["errors"] == {"base": "unknown"}


async def test_duplicate_key_and_region(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    for expected in (FlowResultType.CREATE_ENTRY, FlowResultType.ABORT):
        result = await start(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_API_KEY: API_KEY, CONF_REGION: "singapore"}
        )
        assert result["type"] is expected
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    before = loaded_entry.runtime_data
    result = await loaded_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["region"] == "Singapore (international)"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    simulator.options.api_key = "sk-rotated-key"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-rotated-key"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert loaded_entry.data[CONF_API_KEY] == "sk-rotated-key"
    assert loaded_entry.data[CONF_URL] == simulator.url  # the rest of the data is kept
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.runtime_data is not before  # set up again, with the new key


@pytest.mark.parametrize("rotated", [False, True], ids=["same key accepted again", "new key"])
async def test_reauth_sets_a_failed_entry_up_again(
    hass: HomeAssistant, mock_entry: MockConfigEntry, simulator: QwenSimulator, rotated: bool
) -> None:
    simulator.options.reject_handshake = 401
    mock_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_ERROR
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    simulator.options.reject_handshake = None
    key = "sk-rotated-key" if rotated else API_KEY
    simulator.options.api_key = key
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {CONF_API_KEY: key})
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.LOADED
    assert mock_entry.data[CONF_API_KEY] == key


async def test_reconfigure_region(hass: HomeAssistant, regions: dict[str, QwenSimulator]) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, version=2, data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore"},
        unique_id="old",
    )  # fmt: skip
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: API_KEY, CONF_REGION: "beijing"}
    )
    assert result["errors"] == {"base": "wrong_region"}  # it is a Singapore key
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "sk-nobody", CONF_REGION: "beijing"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: BEIJING_KEY, CONF_REGION: "beijing"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data == {
        CONF_API_KEY: BEIJING_KEY,
        CONF_REGION: "beijing",
        CONF_WORKSPACE: None,
        CONF_URL: None,
    }
    assert entry.title == "Qwen TTS Beijing (Chinese mainland)"
    assert entry.unique_id.startswith("beijing-")


async def test_reconfigure_onto_another_entry_aborts(
    hass: HomeAssistant, regions: dict[str, QwenSimulator]
) -> None:
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: BEIJING_KEY, CONF_REGION: "beijing"}
    )
    other = MockConfigEntry(
        domain=DOMAIN, version=2, data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore"}
    )
    other.add_to_hass(hass)
    result = await other.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: BEIJING_KEY, CONF_REGION: "beijing"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_an_endpoint_the_key_must_not_go_to(
    hass: HomeAssistant, simulator: QwenSimulator
) -> None:
    result = await start(hass)
    for url in ("ws://proxy.example/tts", "wss://user:pass@proxy.example/tts"):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_CONNECTION: {CONF_URL: url}},
        )
        assert result["errors"] == {"base": "invalid_url"}
    assert simulator.sessions == []  # refused before any connection: the key went nowhere
