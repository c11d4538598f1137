"""The voice subentry flow: Add voice (a system voice, one of the account's own, a clone of
an uploaded recording, a designed voice) and Reconfigure; each voice its own entity."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import aiohttp
import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigSubentry
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.qwen_tts.const import (
    CONF_DESCRIPTION,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LEADING_SILENCE,
    CONF_MODEL,
    CONF_NAME,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_PITCH_RATE,
    CONF_PREVIEW_TEXT,
    CONF_RECORDING,
    CONF_REGION,
    CONF_SPEECH_RATE,
    CONF_TRAILING_SILENCE,
    CONF_TRANSCRIPT,
    CONF_URL,
    CONF_VOICE,
    CONF_VOLUME,
    CONF_WARM_CONNECTIONS,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from tests.ha.helpers import API_KEY, WAV, pcm_of
from tests.recordings import SPOKEN, mp3, wav
from wyoming_qwentts.simulator import QwenSimulator, decode

VC = "qwen3-tts-vc-realtime-2026-01-15"
VD = "qwen3-tts-vd-realtime-2026-01-15"
COSY = "cosyvoice-v3-flash"
SETTINGS = {
    CONF_VOICE: "Ethan",
    CONF_LANGUAGE_TYPE: "English",
    CONF_SPEECH_RATE: 1.25,
    CONF_PITCH_RATE: 0.9,
    CONF_VOLUME: 70.0,
    CONF_LEADING_SILENCE: 200.0,
    CONF_TRAILING_SILENCE: 300.0,
    CONF_WARM_CONNECTIONS: 2.0,
}


async def add_voice(hass: HomeAssistant, entry: MockConfigEntry, kind: str) -> Any:
    """Start *Add voice* and choose ``kind`` in its menu."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_VOICE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["system", "account", "clone", "design"]
    return await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )


async def configure(hass: HomeAssistant, result: Any, answers: dict[str, Any]) -> Any:
    return await hass.config_entries.subentries.async_configure(result["flow_id"], answers)


def new_voice(entry: MockConfigEntry, known: set[str]) -> ConfigSubentry:
    (subentry,) = [s for s in entry.subentries.values() if s.subentry_id not in known]
    return subentry


async def upload(hass_client: ClientSessionGenerator, data: bytes, name: str) -> str:
    """Upload a file as the browser does; its file id."""
    client = await hass_client()
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name)
    response = await client.post("/api/file_upload", data=form)
    assert response.status == 200, await response.text()
    return str((await response.json())["file_id"])


async def speak(hass: HomeAssistant, entity_id: str, message: str) -> str:
    from homeassistant.components import tts

    media_id = tts.generate_media_source_id(hass, message, engine=entity_id, options=WAV)
    _, audio = await tts.async_get_media_source_audio(hass, media_id)
    return decode(pcm_of(audio)[2])


async def test_a_system_voice_gets_its_own_entity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    known = set(loaded_entry.subentries)
    result = await add_voice(hass, loaded_entry, "system")
    models = result["data_schema"].schema[CONF_MODEL].config["options"]
    assert "qwen-tts-realtime" not in [option["value"] for option in models]  # Beijing only
    assert VC not in [option["value"] for option in models]  # no system voice at all
    assert {"value": "cosyvoice-v3-flash", "label": "CosyVoice v3 · cosyvoice-v3-flash"} in models
    result = await configure(hass, result, {CONF_MODEL: "qwen3-tts-flash-realtime-2025-09-18"})
    assert result["step_id"] == "settings"
    voices = result["data_schema"].schema[CONF_VOICE].config["options"]
    assert len(voices) == 17
    assert {"value": "Rocky", "label": "Rocky (male, Cantonese dialect)"} in voices
    result = await configure(hass, result, SETTINGS)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Qwen TTS Ethan"
    await hass.async_block_till_done()
    voice = new_voice(loaded_entry, known)
    assert dict(voice.data) == {
        **DEFAULT_OPTIONS,
        **SETTINGS,
        CONF_MODEL: "qwen3-tts-flash-realtime-2025-09-18",
        CONF_VOLUME: 70,
        CONF_LEADING_SILENCE: 200,
        CONF_TRAILING_SILENCE: 300,
        CONF_WARM_CONNECTIONS: 2,
    }
    pool = loaded_entry.runtime_data.pools[voice.subentry_id]
    assert (pool.model.id, pool.minimum) == ("qwen3-tts-flash-realtime-2025-09-18", 2)
    assert await speak(hass, "tts.qwen_tts_ethan_speech", "A second voice.") == "A second voice."


async def test_instruction_fields_only_for_models_that_take_them(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await add_voice(hass, loaded_entry, "system")
    result = await configure(hass, result, {CONF_MODEL: "qwen3-tts-flash-realtime"})
    assert not {CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS} & set(result["data_schema"].schema)
    with pytest.raises(InvalidData):
        await configure(hass, result, {**SETTINGS, CONF_INSTRUCTIONS: "Whisper"})
    for model, fields in (
        ("qwen3-tts-instruct-flash-realtime", {CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS}),
        ("cosyvoice-v3-flash", {CONF_INSTRUCTIONS}),  # no rewriting on the inference protocol
    ):
        result = await add_voice(hass, loaded_entry, "system")
        result = await configure(hass, result, {CONF_MODEL: model})
        schema = set(result["data_schema"].schema)
        assert {CONF_INSTRUCTIONS, CONF_OPTIMIZE_INSTRUCTIONS} & schema == fields
    result = await add_voice(hass, loaded_entry, "system")
    result = await configure(hass, result, {CONF_MODEL: "qwen3-tts-instruct-flash-realtime"})
    result = await configure(
        hass, result, {**SETTINGS, CONF_INSTRUCTIONS: "Whisper", CONF_OPTIMIZE_INSTRUCTIONS: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_INSTRUCTIONS] == "Whisper"


async def test_a_beijing_model_shows_only_what_it_takes(
    hass: HomeAssistant, simulator: QwenSimulator
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        data={CONF_API_KEY: API_KEY, CONF_REGION: "beijing", CONF_URL: simulator.url},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await add_voice(hass, entry, "system")
    result = await configure(hass, result, {CONF_MODEL: "qwen-tts-realtime"})
    schema = result["data_schema"].schema
    voices = schema[CONF_VOICE].config["options"]
    assert [voice["value"] for voice in voices] == ["Cherry", "Serena", "Ethan", "Chelsie"]
    assert schema[CONF_LANGUAGE_TYPE].config["options"] == ["Auto", "Chinese", "English"]
    # The legacy model takes no prosody: the catalog has no range for it, so no slider.
    assert not {CONF_SPEECH_RATE, CONF_PITCH_RATE, CONF_VOLUME} & set(schema)
    step = {
        k: v
        for k, v in SETTINGS.items()
        if k not in (CONF_SPEECH_RATE, CONF_PITCH_RATE, CONF_VOLUME)
    }
    result = await configure(
        hass, result, {**step, CONF_VOICE: "Chelsie", CONF_LANGUAGE_TYPE: "Chinese"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_clone_from_an_upload_creates_a_voice_whose_entity_speaks(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    """The issue's flow: Add voice → clone from a recording → an entity that speaks."""
    known = set(loaded_entry.subentries)
    result = await add_voice(hass, loaded_entry, "clone")
    assert result["step_id"] == "clone"
    models = [o["value"] for o in result["data_schema"].schema[CONF_MODEL].config["options"]]
    assert VC in models
    assert "qwen3-tts-flash-realtime" not in models
    recording = await upload(hass_client, wav(), "kitchen.wav")
    result = await configure(
        hass,
        result,
        {CONF_MODEL: VC, CONF_NAME: "kitchen", CONF_RECORDING: recording, CONF_TRANSCRIPT: SPOKEN},
    )
    assert result["step_id"] == "settings"  # a Qwen3 VC voice is ready at once
    (made,) = simulator.account.voices
    voices = result["data_schema"].schema[CONF_VOICE].config["options"]
    assert voices == [{"value": made, "label": "kitchen (your voice)"}]
    result = await configure(hass, result, {**SETTINGS, CONF_VOICE: made})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Qwen TTS kitchen"
    await hass.async_block_till_done()
    voice = new_voice(loaded_entry, known)
    assert voice.data[CONF_MODEL] == VC
    assert voice.data[CONF_VOICE] == made
    assert await speak(hass, "tts.qwen_tts_kitchen_speech", "My own voice.") == "My own voice."


async def test_a_cosyvoice_clone_deploys_behind_a_progress_screen(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    simulator.options.voice_deploy_delay = 0.2
    result = await add_voice(hass, loaded_entry, "clone")
    recording = await upload(hass_client, mp3(12.0, 44100), "hall.mp3")
    result = await configure(
        hass, result, {CONF_MODEL: COSY, CONF_NAME: "hall", CONF_RECORDING: recording}
    )
    assert result["type"] is FlowResultType.SHOW_PROGRESS
    assert result["progress_action"] == "deploying"
    await hass.async_block_till_done()  # the flow moves on when the voice is OK
    result = await configure(hass, result, {})
    assert result["step_id"] == "settings"
    (made,) = simulator.account.voices
    assert simulator.account.speaks(made, COSY)
    voices = [o["value"] for o in result["data_schema"].schema[CONF_VOICE].config["options"]]
    assert voices[-1] == made
    assert voices[:-1] == [voice for voice in voices[:-1] if not voice.startswith(COSY)]


async def test_a_voice_that_fails_to_deploy_aborts(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    simulator.options.voice_deploy_delay = 0.05
    simulator.options.voice_deploy_status = "UNDEPLOYED"
    result = await add_voice(hass, loaded_entry, "clone")
    recording = await upload(hass_client, wav(), "bad.wav")
    result = await configure(
        hass, result, {CONF_MODEL: COSY, CONF_NAME: "bad", CONF_RECORDING: recording}
    )
    await hass.async_block_till_done()
    result = await configure(hass, result, {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "deploy_failed"
    assert "failed to deploy (status UNDEPLOYED)" in result["description_placeholders"]["message"]


@pytest.mark.parametrize(
    ("data", "name", "error", "message"),
    [
        (
            wav(rate=8000),
            "low.wav",
            "recording_sample_rate",
            "low.wav is sampled at 8000 Hz: this model needs at least 24 kHz",
        ),
        (wav(seconds=3.0), "short.wav", "recording_too_short", "short.wav lasts 3.0 s"),
        (
            b"these are not the droids",
            "notes.txt",
            "recording_format",
            "notes.txt is not a WAV, MP3 or M4A audio file",
        ),
    ],
    ids=["8kHz", "3s", "not-audio"],
)
async def test_a_bad_recording_is_a_form_error_and_creates_nothing(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: ClientSessionGenerator,
    data: bytes,
    name: str,
    error: str,
    message: str,
) -> None:
    result = await add_voice(hass, loaded_entry, "clone")
    recording = await upload(hass_client, data, name)
    result = await configure(
        hass, result, {CONF_MODEL: VC, CONF_NAME: "kitchen", CONF_RECORDING: recording}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_RECORDING: error}
    assert message in result["description_placeholders"]["message"]
    assert not simulator.customization.requests  # nothing was uploaded
    assert len(loaded_entry.subentries) == 1


async def test_names_quota_and_a_lost_upload(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    result = await add_voice(hass, loaded_entry, "clone")
    recording = await upload(hass_client, wav(), "kitchen.wav")
    answers = {CONF_MODEL: COSY, CONF_NAME: "Big Kitchen", CONF_RECORDING: recording}
    result = await configure(hass, result, answers)
    assert result["errors"] == {CONF_NAME: "invalid_name"}
    assert "(for example 'bigkitchen')" in result["description_placeholders"]["message"]
    simulator.options.voice_quota = 0
    result = await configure(hass, result, {**answers, CONF_NAME: "kitchen"})
    assert result["errors"] == {"base": "voice_quota"}
    result = await configure(
        hass, result, {**answers, CONF_NAME: "kitchen", CONF_RECORDING: str(uuid4())}
    )
    assert result["errors"] == {CONF_RECORDING: "upload_missing"}
    assert simulator.account.voices == {}


async def test_design_then_the_account_step_lists_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    result = await add_voice(hass, loaded_entry, "account")
    result = await configure(hass, result, {CONF_MODEL: VD})
    assert result["errors"] == {CONF_MODEL: "no_account_voices"}
    result = await add_voice(hass, loaded_entry, "design")
    answers = {CONF_MODEL: VD, CONF_NAME: "narrator", CONF_DESCRIPTION: "A calm, deep voice.",
               CONF_PREVIEW_TEXT: "Good evening."}  # fmt: skip
    result = await configure(hass, result, answers)
    assert result["step_id"] == "settings"
    (made,) = simulator.account.voices
    result = await configure(hass, result, {**SETTINGS, CONF_VOICE: made})
    assert result["title"] == "Qwen TTS narrator"
    await hass.async_block_till_done()
    assert await speak(hass, "tts.qwen_tts_narrator_speech", "Designed.") == "Designed."
    result = await add_voice(hass, loaded_entry, "account")
    result = await configure(hass, result, {CONF_MODEL: VD})
    assert result["step_id"] == "settings"
    voices = result["data_schema"].schema[CONF_VOICE].config["options"]
    assert voices == [{"value": made, "label": "narrator (your voice)"}]
    result = await add_voice(hass, loaded_entry, "design")
    result = await configure(hass, result, {**answers, CONF_PREVIEW_TEXT: "x" * 1025})
    assert result["errors"] == {"base": "customization_failed"}
    assert "at most 1024" in result["description_placeholders"]["message"]


async def test_the_account_step_when_the_service_fails(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.api_key = "sk-rotated"
    result = await add_voice(hass, loaded_entry, "account")
    result = await configure(hass, result, {CONF_MODEL: VC})
    assert result["errors"] == {"base": "customization_failed"}
    assert "The API key was rejected" in result["description_placeholders"]["message"]
    assert API_KEY not in result["description_placeholders"]["message"]


async def test_reconfigure_a_voice(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    (voice,) = loaded_entry.subentries.values()
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, voice.subentry_id)
    assert result["step_id"] == "settings"
    result = await configure(hass, result, {**SETTINGS, CONF_VOICE: "Nofish"})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    changed = loaded_entry.subentries[voice.subentry_id]
    assert changed.data[CONF_VOICE] == "Nofish"
    assert changed.title == "Qwen TTS Nofish"
    assert loaded_entry.runtime_data.pools[voice.subentry_id].minimum == 2  # reloaded


async def test_a_custom_voice_model_takes_a_typed_id_and_refuses_a_system_voice(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    result = await add_voice(hass, loaded_entry, "system")
    result = await configure(hass, result, {CONF_MODEL: COSY})
    assert result["data_schema"].schema[CONF_VOICE].config["custom_value"] is True
    result = await configure(hass, result, {**SETTINGS, CONF_VOICE: "Cherry"})
    assert result["errors"] == {CONF_VOICE: "invalid_voice"}
    assert (
        "'Cherry' is a system voice of another model"
        in result["description_placeholders"]["message"]
    )
    result = await configure(hass, result, {**SETTINGS, CONF_VOICE: "cosyvoice-v3-flash-x-0a"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_adding_a_voice_to_an_entry_that_is_not_loaded(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    mock_entry.add_to_hass(hass)
    result = await hass.config_entries.subentries.async_init(
        (mock_entry.entry_id, SUBENTRY_VOICE), context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_reconfiguring_an_own_voice_when_the_service_cannot_list(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: ClientSessionGenerator,
) -> None:
    known = set(loaded_entry.subentries)
    result = await add_voice(hass, loaded_entry, "clone")
    recording = await upload(hass_client, wav(), "kitchen.wav")
    result = await configure(
        hass, result, {CONF_MODEL: VC, CONF_NAME: "kitchen", CONF_RECORDING: recording}
    )
    (made,) = simulator.account.voices
    await configure(hass, result, {**SETTINGS, CONF_VOICE: made})
    await hass.async_block_till_done(wait_background_tasks=True)
    voice = new_voice(loaded_entry, known)
    simulator.options.api_key = "sk-rotated"  # listing fails from now on
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, voice.subentry_id)
    assert result["step_id"] == "settings"
    options = result["data_schema"].schema[CONF_VOICE].config["options"]
    assert options == [{"value": made, "label": "kitchen (your voice)"}]  # the last list read


async def test_reconfiguring_a_voice_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    (voice,) = loaded_entry.subentries.values()
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, voice.subentry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"
