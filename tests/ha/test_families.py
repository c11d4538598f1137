"""A model of each family speaks through every path of the integration: ``tts.speak``, an
Assist pipeline's stream, and the ``qwen_tts.speak`` and ``qwen_tts.synthesize`` actions."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from homeassistant.components import tts
from homeassistant.components.media_player import MediaPlayerEntityFeature
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.qwen_tts.const import (
    CONF_MODEL,
    CONF_REGION,
    CONF_URL,
    CONF_VOICE,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from tests.ha.helpers import API_KEY, WAV, pcm_of
from tests.helpers import used
from wyoming_qwentts import catalog
from wyoming_qwentts.simulator import QwenSimulator, decode

FAMILIES = [
    ("qwen3-tts-flash-realtime", "singapore"),
    ("qwen-audio-3.0-tts-flash", "singapore"),
    ("cosyvoice-v3-flash", "singapore"),
    ("sambert-zhichu-v1", "beijing"),
]
MESSAGE = "Every family speaks. 每个模型都能说话。"


async def entity_of(hass: HomeAssistant, model: str, region: str, url: str) -> str:
    """Set up an entry of ``region`` speaking ``model``; its TTS entity id."""
    options = {**DEFAULT_OPTIONS, CONF_MODEL: model}
    options[CONF_VOICE] = catalog.MODELS[model].default_voice
    voice = ConfigSubentryData(
        data=options, subentry_type=SUBENTRY_VOICE, title=f"Qwen TTS {model}", unique_id=None
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        version=2,
        data={CONF_API_KEY: API_KEY, CONF_REGION: region, CONF_URL: url},
        subentries_data=[voice],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (subentry_id,) = entry.subentries
    engine = er.async_get(hass).async_get_entity_id("tts", DOMAIN, subentry_id)
    assert engine is not None
    return engine


@pytest.mark.parametrize(("model", "region"), FAMILIES)
async def test_a_model_of_each_family_on_every_path(
    hass: HomeAssistant, simulator: QwenSimulator, model: str, region: str
) -> None:
    engine = await entity_of(hass, model, region, simulator.url)
    rate = catalog.MODELS[model].default_sample_rate
    protocol = catalog.MODELS[model].protocol

    # An Assist pipeline: text chunks in, a streaming WAV out.
    async def reply() -> AsyncGenerator[str]:
        for i in range(0, len(MESSAGE), 5):
            yield MESSAGE[i : i + 5]

    stream = tts.async_create_stream(hass, engine, None, WAV)
    stream.async_set_message_stream(reply())
    wav = b"".join([chunk async for chunk in stream.async_stream_result()])
    assert pcm_of(wav)[0] == rate
    assert decode(pcm_of(wav)[2]) == MESSAGE

    # tts.speak: the player gets a media source id; the audio is made when it is fetched.
    hass.states.async_set(
        "media_player.kitchen",
        "idle",
        {"supported_features": int(MediaPlayerEntityFeature.PLAY_MEDIA)},
    )
    played = async_mock_service(hass, "media_player", "play_media")
    data: dict[str, Any] = {
        "entity_id": engine,
        "media_player_entity_id": "media_player.kitchen",
        "message": f"tts.speak: {MESSAGE}",
        "options": {"preferred_format": "wav"},
    }
    await hass.services.async_call("tts", "speak", data, blocking=True)
    # qwen_tts.speak, on the same player.
    await hass.services.async_call(
        DOMAIN,
        "speak",
        {"media_player_entity_id": "media_player.kitchen", "message": f"qwen_tts.speak: {MESSAGE}"},
        blocking=True,
    )
    assert len(played) == 2
    for call, prefix in zip(played, ("tts.speak: ", "qwen_tts.speak: "), strict=True):
        _, audio = await tts.async_get_media_source_audio(hass, call.data["media_content_id"])
        assert decode(pcm_of(audio)[2]) == prefix + MESSAGE

    # qwen_tts.synthesize: a servable file, with the characters billed.
    result = await hass.services.async_call(
        DOMAIN, "synthesize", {"message": f"synthesize: {MESSAGE}"}, blocking=True,
        return_response=True,
    )  # fmt: skip
    assert result is not None
    assert result["characters"] == catalog.billed_characters(f"synthesize: {MESSAGE}")
    _, audio = await tts.async_get_media_source_audio(hass, str(result["media_content_id"]))
    assert decode(pcm_of(audio)[2]) == f"synthesize: {MESSAGE}"

    assert {(r.model, r.protocol) for r in used(simulator)} == {(model, protocol)}
