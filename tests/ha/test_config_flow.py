"""Config, reauth, reconfigure and options flows."""

from __future__ import annotations

import socket
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    CONF_CONNECTION,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LEADING_SILENCE,
    CONF_MODEL,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_PITCH_RATE,
    CONF_REGION,
    CONF_SPEECH_RATE,
    CONF_TRAILING_SILENCE,
    CONF_URL,
    CONF_VOICE,
    CONF_VOLUME,
    CONF_WARM_CONNECTIONS,
    CONF_WORKSPACE,
    DEFAULT_OPTIONS,
    DOMAIN,
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
    assert result["options"] == DEFAULT_OPTIONS
    entry = result["result"]
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


async def test_reconfigure_region(hass: HomeAssistant, regions: dict[str, QwenSimulator]) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore"},
        options=DEFAULT_OPTIONS,
        unique_id="old",
    )
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
    other = MockConfigEntry(domain=DOMAIN, data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore"})
    other.add_to_hass(hass)
    result = await other.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: BEIJING_KEY, CONF_REGION: "beijing"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


VOICE_STEP = {
    CONF_VOICE: "Ethan",
    CONF_LANGUAGE_TYPE: "English",
    CONF_SPEECH_RATE: 1.25,
    CONF_PITCH_RATE: 0.9,
    CONF_VOLUME: 70.0,
    CONF_LEADING_SILENCE: 200.0,
    CONF_TRAILING_SILENCE: 300.0,
}


async def test_options_model_then_voice(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["step_id"] == "init"
    models = result["data_schema"].schema[CONF_MODEL].config["options"]
    assert "qwen-tts-realtime" not in [option["value"] for option in models]  # Beijing only
    assert {"value": "cosyvoice-v3-flash", "label": "CosyVoice v3 · cosyvoice-v3-flash"} in models
    assert {
        "value": "qwen-audio-3.0-tts-flash",
        "label": "Qwen-Audio-3.0-TTS · qwen-audio-3.0-tts-flash",
    } in models
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MODEL: "qwen3-tts-flash-realtime-2025-09-18", CONF_WARM_CONNECTIONS: 2.0},
    )
    assert result["step_id"] == "voice"
    voices = result["data_schema"].schema[CONF_VOICE].config["options"]
    assert len(voices) == 17
    assert {"value": "Rocky", "label": "Rocky (male, Cantonese dialect)"} in voices
    result = await hass.config_entries.options.async_configure(result["flow_id"], VOICE_STEP)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert loaded_entry.options == {
        **VOICE_STEP,
        CONF_MODEL: "qwen3-tts-flash-realtime-2025-09-18",
        CONF_WARM_CONNECTIONS: 2,
        CONF_INSTRUCTIONS: "",
        CONF_OPTIMIZE_INSTRUCTIONS: False,
        CONF_VOLUME: 70,
        CONF_LEADING_SILENCE: 200,
        CONF_TRAILING_SILENCE: 300,
    }
    assert loaded_entry.runtime_data.pool.model.id == "qwen3-tts-flash-realtime-2025-09-18"
    assert loaded_entry.runtime_data.pool.minimum == 2


async def test_instruction_fields_only_for_models_that_take_them(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MODEL: "qwen3-tts-flash-realtime", CONF_WARM_CONNECTIONS: 1}
    )
    assert not {CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS} & set(result["data_schema"].schema)
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {**VOICE_STEP, CONF_INSTRUCTIONS: "Whisper"}
        )
    for model, fields in (
        ("qwen3-tts-instruct-flash-realtime", {CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS}),
        ("cosyvoice-v3-flash", {CONF_INSTRUCTIONS}),  # no rewriting on the inference protocol
    ):
        result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_MODEL: model, CONF_WARM_CONNECTIONS: 1}
        )
        schema = set(result["data_schema"].schema)
        assert {CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS} & schema == fields
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MODEL: "qwen3-tts-instruct-flash-realtime", CONF_WARM_CONNECTIONS: 1},
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {**VOICE_STEP, CONF_INSTRUCTIONS: "Whisper", CONF_OPTIMIZE_INSTRUCTIONS: True},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_INSTRUCTIONS] == "Whisper"


async def test_options_custom_voice_models(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_MODEL: "qwen3-tts-vc-realtime-2026-01-15", CONF_WARM_CONNECTIONS: 1},
    )
    assert result["data_schema"].schema[CONF_VOICE].config["custom_value"] is True
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**VOICE_STEP, CONF_VOICE: "Cherry"}
    )
    assert result["errors"] == {CONF_VOICE: "invalid_voice"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**VOICE_STEP, CONF_VOICE: "qwen-tts-vc-my-voice-001"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.options[CONF_VOICE] == "qwen-tts-vc-my-voice-001"


async def test_options_show_only_what_the_model_takes(
    hass: HomeAssistant, simulator: QwenSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_API_KEY: API_KEY, CONF_REGION: "beijing", CONF_URL: simulator.url},
        options=DEFAULT_OPTIONS,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_MODEL: "qwen-tts-realtime", CONF_WARM_CONNECTIONS: 1}
    )
    schema = result["data_schema"].schema
    voices = schema[CONF_VOICE].config["options"]
    assert [voice["value"] for voice in voices] == ["Cherry", "Serena", "Ethan", "Chelsie"]
    assert schema[CONF_LANGUAGE_TYPE].config["options"] == ["Auto", "Chinese", "English"]
    # The legacy model takes no prosody: the catalog has no range for it, so no slider.
    assert not {CONF_SPEECH_RATE, CONF_PITCH_RATE, CONF_VOLUME} & set(schema)
    step = {
        key: value
        for key, value in VOICE_STEP.items()
        if key not in (CONF_SPEECH_RATE, CONF_PITCH_RATE, CONF_VOLUME)
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**step, CONF_VOICE: "Chelsie", CONF_LANGUAGE_TYPE: "Chinese"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
