"""The service actions qwen_tts.speak and qwen_tts.synthesize."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import yaml
from homeassistant.components.media_player import MediaPlayerEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.qwen_tts.const import (
    DOMAIN,
    PROSODY,
)
from tests.ha.helpers import ENTITY_ID, add_voice
from tests.helpers import used
from wyoming_qwentts import catalog
from wyoming_qwentts.simulator import QwenSimulator, decode_wav, synthesize

MESSAGE = "The garage door is open."
SERVICES_YAML = Path(__file__).parents[2] / "custom_components/qwen_tts/services.yaml"


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], response: bool) -> Any:
    return await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=response
    )


async def test_synthesize_returns_a_servable_file(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    hass_client: Any,
) -> None:
    deprecated = "homeassistant.components.tts.async_get_media_source_audio"
    with patch(deprecated, side_effect=AssertionError("the deprecated call was made")):
        first = await call(hass, "synthesize", {"message": MESSAGE, "voice": "Ethan"}, True)
    served = await (await hass_client()).get(first["url"])
    assert served.status == 200
    assert decode_wav(await served.read()) == MESSAGE
    assert first["media_content_id"].startswith("media-source://tts/")
    assert first["url"].startswith("/api/tts_proxy/")
    assert first["url"].endswith(".wav")
    assert first["mime_type"] == "audio/x-wav"
    spoken = sum(len(synthesize(text, 24000)) for text in used(simulator)[-1].spoken)
    assert first["duration"] == pytest.approx(spoken / 48000, abs=0.001)
    assert first["characters"] == catalog.billed_characters(MESSAGE)
    assert used(simulator)[-1].config["voice"] == "Ethan"
    sessions = len(used(simulator))
    again = await call(hass, "synthesize", {"message": MESSAGE, "voice": "Ethan"}, True)
    assert again["media_content_id"] == first["media_content_id"]
    assert again["characters"] == 0  # served from Home Assistant's cache: nothing billed
    assert len(used(simulator)) == sessions


async def test_concurrent_syntheses_each_report_their_own_figures(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.real_time_factor = 0.05  # both are in flight at once
    messages = ["Short.", ("A much longer message, so that its figures differ. " * 3).strip()]
    results = await asyncio.gather(
        *(call(hass, "synthesize", {"message": message}, True) for message in messages)
    )
    for message, result in zip(messages, results, strict=True):
        assert result["characters"] == catalog.billed_characters(message)
        spoken = len(synthesize(message, 24000))
        assert result["duration"] == pytest.approx(spoken / 48000, abs=0.01)
    # The same message twice at once: Home Assistant synthesizes it once, billed once.
    message = "Dinner is ready, everybody."
    twins = await asyncio.gather(
        *(call(hass, "synthesize", {"message": message}, True) for _ in range(2))
    )
    billed = [r for r in used(simulator) if any(message.startswith(s) for s in r.spoken)]
    assert len(billed) == 1
    assert sorted(t["characters"] for t in twins) == [0, catalog.billed_characters(message)]
    # The entry's last figures (diagnostics) are the last synthesis's.
    last = loaded_entry.runtime_data.last_metrics
    assert last is not None
    assert last.characters == catalog.billed_characters(message)


@pytest.mark.parametrize("service", ["synthesize", "speak"])
async def test_a_mistyped_voice_is_one_short_validation_error(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    caplog: pytest.LogCaptureFixture,
    service: str,
) -> None:
    data: dict[str, Any] = {"message": MESSAGE, "voice": "Cherri"}
    if service == "speak":
        add_players(hass)
        async_mock_service(hass, "media_player", "play_media")
        data["media_player_entity_id"] = ["media_player.garage"]
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, service, data, service == "synthesize")
    await hass.async_block_till_done()
    assert err.value.translation_key == "invalid_option"
    message = err.value.translation_placeholders["message"]
    assert "did you mean 'Cherry'" in message
    assert "Serena" not in message  # the closest voices, not all 49
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert used(simulator) == []  # nothing was sent upstream


async def test_tts_speak_with_a_mistyped_voice_is_one_short_validation_error(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    add_players(hass)
    async_mock_service(hass, "media_player", "play_media")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "tts",
            "speak",
            {
                "entity_id": ENTITY_ID,
                "media_player_entity_id": "media_player.garage",
                "message": MESSAGE,
                "options": {"voice": "Etan"},
            },
            blocking=True,
        )
    await hass.async_block_till_done()
    assert "did you mean 'Ethan'?" in err.value.translation_placeholders["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert used(simulator) == []


PLAYS = MediaPlayerEntityFeature.PLAY_MEDIA | MediaPlayerEntityFeature.VOLUME_SET


def add_players(hass: HomeAssistant) -> None:
    announce = int(MediaPlayerEntityFeature.MEDIA_ANNOUNCE | PLAYS)
    hass.states.async_set(
        "media_player.kitchen", "idle", {"volume_level": 0.3, "supported_features": announce}
    )
    hass.states.async_set(
        "media_player.garage", "idle", {"volume_level": 0.5, "supported_features": int(PLAYS)}
    )
    hass.states.async_set(  # a player that only plays: no volume control
        "media_player.radio",
        "idle",
        {"supported_features": int(MediaPlayerEntityFeature.PLAY_MEDIA)},
    )
    hass.states.async_set(  # a remote-like player that cannot play media at all
        "media_player.tv", "on", {"supported_features": int(MediaPlayerEntityFeature.VOLUME_SET)}
    )


@pytest.mark.parametrize(
    ("players", "volume", "unable"),
    [
        (["media_player.tv", "media_player.kitchen"], None, "media_player.tv"),
        (["media_player.gone"], None, "media_player.gone"),
        (["media_player.radio", "media_player.garage"], 0.4, "media_player.radio"),
    ],
)
async def test_speak_refuses_players_that_cannot_speak_it(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    caplog: pytest.LogCaptureFixture,
    players: list[str],
    volume: float | None,
    unable: str,
) -> None:
    add_players(hass)
    play = async_mock_service(hass, "media_player", "play_media")
    data: dict[str, Any] = {"message": MESSAGE, "media_player_entity_id": players}
    if volume is not None:
        data["player_volume"] = volume
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "speak", data, True)
    assert err.value.translation_key == "player_cannot_speak"
    assert err.value.translation_placeholders == {"players": unable}
    assert play == []  # no player was given anything
    assert used(simulator) == []  # and nothing was synthesized (or billed)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_speak_with_volume_override_and_response(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    add_players(hass)
    play = async_mock_service(hass, "media_player", "play_media")
    volume = async_mock_service(hass, "media_player", "volume_set")
    response = await call(
        hass,
        "speak",
        {
            "media_player_entity_id": ["media_player.kitchen", "media_player.garage"],
            "message": MESSAGE,
            "player_volume": 0.8,
            "speech_rate": 1.2,
        },
        True,
    )
    assert response["characters"] == catalog.billed_characters(MESSAGE)
    assert response["duration"] > 0
    # The kitchen announces natively (it ducks by itself): only the garage's volume is set.
    assert [c.data for c in volume] == [{"entity_id": ["media_player.garage"], "volume_level": 0.8}]
    assert [(c.data["entity_id"], c.data.get("announce")) for c in play] == [
        (["media_player.kitchen"], True),
        (["media_player.garage"], None),
    ]
    assert play[0].data["media_content_id"].startswith("media-source://tts/")
    # The garage plays the announcement (its volume changes on the way), then stops: its
    # volume is put back then, long before the fallback.
    garage = {"volume_level": 0.8, "supported_features": int(PLAYS)}
    hass.states.async_set("media_player.garage", "playing", {**garage, "media_content_id": "a"})
    hass.states.async_set("media_player.garage", "playing", {**garage, "media_content_id": "a",
                                                             "volume_level": 0.81})  # fmt: skip
    await hass.async_block_till_done()
    assert len(volume) == 1  # still playing it
    hass.states.async_set("media_player.garage", "idle", garage)
    await hass.async_block_till_done()
    assert [(c.data["entity_id"], c.data["volume_level"]) for c in volume[1:]] == [
        ("media_player.garage", 0.5)
    ]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=600))
    await hass.async_block_till_done()
    assert len(volume) == 2  # restored once


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(("playing", {"media_content_id": "music"}), id="it plays something else"),
        pytest.param(None, id="it goes away"),
        pytest.param("never", id="it never says (the fallback)"),
    ],
)
async def test_a_players_volume_is_restored_when_it_is_done(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, after: Any
) -> None:
    add_players(hass)
    async_mock_service(hass, "media_player", "play_media")
    volume = async_mock_service(hass, "media_player", "volume_set")
    data = {"media_player_entity_id": "media_player.garage", "message": MESSAGE,
            "player_volume": 0.9}  # fmt: skip
    response = await call(hass, "speak", data, True)
    garage = {"volume_level": 0.9, "supported_features": int(PLAYS)}
    hass.states.async_set("media_player.garage", "playing", {**garage, "media_content_id": "a"})
    await hass.async_block_till_done()
    if after == "never":
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=response["duration"]))
        await hass.async_block_till_done()
        assert len(volume) == 1  # not yet: it may still be playing
        async_fire_time_changed(
            hass, dt_util.utcnow() + timedelta(seconds=response["duration"] + 31)
        )
    elif after is None:
        hass.states.async_remove("media_player.garage")
    else:
        hass.states.async_set("media_player.garage", after[0], {**garage, **after[1]})
    await hass.async_block_till_done()
    assert [(c.data["entity_id"], c.data["volume_level"]) for c in volume] == [
        (["media_player.garage"], 0.9),
        ("media_player.garage", 0.5),
    ]


async def test_speak_without_waiting_for_the_audio(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    add_players(hass)
    play = async_mock_service(hass, "media_player", "play_media")
    sessions = len(used(simulator))
    response = await hass.services.async_call(
        DOMAIN,
        "speak",
        {"media_player_entity_id": "media_player.garage", "message": MESSAGE},
        blocking=True,
    )
    assert response is None
    assert len(play) == 1
    assert len(used(simulator)) == sessions  # the player streams it when it fetches it


async def test_which_voice(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    """The actions speak with a Qwen TTS entity (a voice): the one named, or the only one."""
    await add_voice(hass, loaded_entry, "cosyvoice-v3-flash", "longanyang", "Qwen TTS Longan Yang")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "synthesize", {"message": MESSAGE}, True)
    assert err.value.translation_key == "entity_required"
    assert err.value.translation_placeholders == {"count": "2"}
    hass.states.async_set("tts.somebody_else", "unknown")
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "synthesize", {"message": MESSAGE, "entity_id": "tts.somebody_else"}, True)
    assert err.value.translation_key == "not_a_voice"
    entity_id = "tts.qwen_tts_longan_yang_speech"
    result = await call(hass, "synthesize", {"message": MESSAGE, "entity_id": entity_id}, True)
    assert result["characters"] == catalog.billed_characters(MESSAGE)
    assert used(simulator)[-1].model == "cosyvoice-v3-flash"


def test_the_action_fields_take_their_ranges_from_the_catalog() -> None:
    """The UI's sliders (services.yaml) span exactly what the catalog's models accept; each
    call is then checked against its model's own ranges."""
    fields = yaml.safe_load(SERVICES_YAML.read_text())["speak"]["fields"]
    for key, name in PROSODY.items():
        ranges = [model.ranges[name] for model in catalog.MODELS.values() if name in model.ranges]
        number = fields[key]["selector"]["number"]
        assert (number["min"], number["max"]) == (
            min(bounds.low for bounds in ranges),
            max(bounds.high for bounds in ranges),
        )
