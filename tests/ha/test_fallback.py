"""A voice's fallback entity: what Model Studio cannot speak, another TTS entity speaks
(here a Qwen TTS voice of another account, on a simulator of its own, whose audio decodes);
a repair issue tells the user while the cloud is out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.qwen_tts.const import (
    CONF_FALLBACK,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    DEFAULT_OPTIONS,
    DOMAIN,
)
from tests.ha.helpers import API_KEY, ENTITY_ID, entity, pcm_of, stream, voice_entry
from tests.helpers import TEXT, chunks, split_anywhere
from wyoming_qwentts.simulator import QwenSimulator, decode

LOCAL = "tts.qwen_tts_local_speech"
"""The fallback: the voice of another entry (titled ``Qwen TTS Local``)."""


@pytest.fixture
async def local(hass: HomeAssistant, simulator: QwenSimulator) -> AsyncIterator[QwenSimulator]:
    """The fallback entity's own entry, loaded first, on a simulator of its own."""
    async with QwenSimulator() as other:
        other.options.api_key = API_KEY
        assert await async_setup_component(hass, "homeassistant", {})
        entry = voice_entry(other.url, "Qwen TTS Local", "local-test", {CONF_VOICE: "Ethan"})
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert hass.states.get(LOCAL) is not None
        yield other


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """No warm connection: each request meets the outage when it connects."""
    return {**DEFAULT_OPTIONS, CONF_FALLBACK: LOCAL, CONF_WARM_CONNECTIONS: 0}


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, local: QwenSimulator, mock_entry: MockConfigEntry
) -> MockConfigEntry:
    """The entry whose voice falls back on ``LOCAL`` (set up after it)."""
    mock_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    return mock_entry


def spoken(local: QwenSimulator) -> str:
    """What the fallback's simulator was given to speak."""
    return "".join(text for record in local.sessions for text in record.spoken)


@pytest.mark.parametrize("outage", ["key refused", "throttled", "unreachable"])
async def test_what_model_studio_cannot_speak_the_fallback_entity_speaks(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    local: QwenSimulator,
    outage: str,
) -> None:
    if outage == "unreachable":
        await simulator.stop()
    simulator.options.reject_handshake = 401 if outage == "key refused" else 429
    rate, _, pcm = pcm_of(await stream(hass, split_anywhere(TEXT, 7)))
    assert (rate, decode(pcm)) == (24000, TEXT)  # all of it, once, in the other voice
    assert sorted("".join(spoken(local).split())) == sorted("".join(TEXT.split()))
    extension, whole = await entity(hass).async_get_tts_audio("Whole.", "en", {})
    assert extension == "wav"
    assert decode(pcm_of(whole)[2]) == "Whole."
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flows == []  # spoken: no error, and no reauthentication asked mid-alarm


async def test_a_drop_mid_announcement_is_finished_by_the_fallback_entity(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    local: QwenSimulator,
) -> None:
    simulator.options.delta_bytes = 960
    simulator.options.drop_after_deltas = 80  # the first segment whole, then every drop
    heard = decode(pcm_of(await stream(hass, split_anywhere(TEXT, 7)))[2])
    given = spoken(local)
    start = TEXT.index(given[:12])  # the fallback's first session: where Model Studio stopped
    assert start >= TEXT.index("the garage door")  # Model Studio spoke at least its first
    words = "".join(heard.split())
    assert words.startswith("".join(TEXT[:start].split()))  # Model Studio's, whole
    assert words.endswith("".join(TEXT[start:].split()))  # the rest in order, nothing skipped
    assert sorted("".join(given.split())) == sorted("".join(TEXT[start:].split()))


async def test_at_another_rate_the_fallback_is_resampled(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 403
    direct = await stream(hass, ["Ten seconds."])  # the fallback at 24 kHz, as it speaks
    response = await entity(hass).async_stream_tts_audio(
        TTSAudioRequest(
            "en",
            {**DEFAULT_OPTIONS, tts.ATTR_PREFERRED_SAMPLE_RATE: 16000},
            chunks(["Ten seconds."]),
        )
    )  # as Home Assistant asks an entity that takes the rate
    rate, _, pcm = pcm_of(b"".join([chunk async for chunk in response.data_gen]))
    assert rate == 16000
    assert len(pcm) // 2 == pytest.approx(len(pcm_of(direct)[2]) // 2 * 2 / 3, abs=64)


async def test_the_breaker_skips_the_cloud_and_a_repair_issue_stands_while_it_is_out(
    hass: HomeAssistant,
    hass_client: Any,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    local: QwenSimulator,
) -> None:
    issues = ir.async_get(hass)
    issue_id = f"cloud_unreachable_{loaded_entry.entry_id}"
    (voice,) = loaded_entry.subentries
    breaker = loaded_entry.runtime_data.breakers[voice]
    simulator.options.reject_handshake = 429
    for number in range(2):
        assert decode(pcm_of(await stream(hass, [f"Alarm {number}."]))[2]) == f"Alarm {number}."
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert (issue.severity, issue.translation_key) == (
        ir.IssueSeverity.WARNING,
        "cloud_unreachable",
    )
    assert await async_setup_component(hass, "diagnostics", {})
    found = await get_diagnostics_for_config_entry(hass, hass_client, loaded_entry)
    assert found["voices"][voice]["outage"] == "rate-limited"
    tried = simulator.handshakes
    assert decode(pcm_of(await stream(hass, ["Alarm 2."]))[2]) == "Alarm 2."
    assert simulator.handshakes == tried  # the fallback spoke at once
    simulator.options.reject_handshake = None
    async with asyncio.timeout(10):
        await breaker.wait_closed()  # the background probe found it answering
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    before = len(local.sessions)
    assert decode(pcm_of(await stream(hass, ["Back."]))[2]) == "Back."
    assert len(local.sessions) == before  # Model Studio speaks again


async def test_when_the_fallback_fails_too_the_clouds_error_stands(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    hass.states.async_remove(LOCAL)
    await hass.config_entries.async_unload(
        next(
            e.entry_id
            for e in hass.config_entries.async_entries(DOMAIN)
            if e.unique_id == "local-test"
        )
    )
    simulator.options.reject_handshake = 429
    with pytest.raises(HomeAssistantError) as err:
        await stream(hass, ["Anyone?"])
    assert err.value.translation_key == "rate_limited"


async def test_the_settings_offer_every_other_tts_entity(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    (voice,) = loaded_entry.subentries.values()
    result = await loaded_entry.start_subentry_reconfigure_flow(hass, voice.subentry_id)
    field = next(key for key in result["data_schema"].schema if key == CONF_FALLBACK)
    selector = result["data_schema"].schema[field]
    assert selector.config["domain"] == ["tts"]
    assert selector.config["exclude_entities"] == [ENTITY_ID]  # not a voice of this account
    asked = {str(key) for key in result["data_schema"].schema}
    answers = {k: v for k, v in DEFAULT_OPTIONS.items() if k in asked and v not in (None, "")}
    answers[CONF_FALLBACK] = ENTITY_ID
    with pytest.raises(InvalidData):
        await hass.config_entries.subentries.async_configure(result["flow_id"], answers)
    answers[CONF_FALLBACK] = LOCAL
    result = await hass.config_entries.subentries.async_configure(result["flow_id"], answers)
    assert result["type"] is FlowResultType.ABORT
    await hass.async_block_till_done()
    assert loaded_entry.subentries[voice.subentry_id].data[CONF_FALLBACK] == LOCAL


async def test_a_message_over_the_limit_while_the_fallback_speaks_is_refused_as_itself(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 429
    for _ in range(2):  # the breaker opens: the text goes to the fallback entity at once
        await stream(hass, ["Short."])
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["The door is open. " * 100] * 12)  # 21,600 characters
    assert err.value.translation_key == "invalid_option"
    assert "longer than the limit of 20000 characters" in str(err.value.translation_placeholders)


async def test_two_voices_that_fall_back_on_each_other_end_with_the_clouds_error(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    local: QwenSimulator,
) -> None:
    """The fallback's own entry falls back on this voice: when both clouds are out, the
    message fails once instead of going round for ever."""
    other = next(
        e for e in hass.config_entries.async_entries(DOMAIN) if e.unique_id == "local-test"
    )
    (subentry,) = other.subentries.values()
    hass.config_entries.async_update_subentry(
        other, subentry, data={**subentry.data, CONF_FALLBACK: ENTITY_ID}
    )
    await hass.async_block_till_done()  # it reloads
    simulator.options.reject_handshake = 429
    local.options.reject_handshake = 429
    with pytest.raises(HomeAssistantError) as err:
        await stream(hass, ["Anyone?"])
    assert err.value.translation_key == "rate_limited"
