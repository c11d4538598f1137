"""Announcements in Home Assistant: a voice's chime and loudness, in its settings or per
call; the chime heard at once on the streaming path; a chime file of the media folder."""

from __future__ import annotations

import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import CONF_CHIME, CONF_LOUDNESS, DEFAULT_OPTIONS, DOMAIN
from tests.ha.helpers import ENTITY_ID, pcm_of
from tests.helpers import chunks
from tests.loudness import reference_loudness
from wyoming_qwentts.core.chime import chime_pcm
from wyoming_qwentts.core.loudness import samples_of
from wyoming_qwentts.core.pcm import WAV_HEADER_SIZE
from wyoming_qwentts.simulator import QwenSimulator, decode

MESSAGE = "The front door has been open for ten minutes. Please close it."


async def synthesized(hass: HomeAssistant, hass_client: Any, **options: Any) -> bytes:
    """The PCM of the synthesize action's file, as Home Assistant serves it."""
    answer = await hass.services.async_call(
        DOMAIN, "synthesize", {"message": MESSAGE, **options}, blocking=True,
        return_response=True,
    )  # fmt: skip
    assert answer is not None
    served = await (await hass_client()).get(str(answer["url"]))
    return pcm_of(await served.read())[2]


@pytest.mark.parametrize(
    "entry_options", [{**DEFAULT_OPTIONS, CONF_CHIME: "ding-dong", CONF_LOUDNESS: -18.0}]
)
async def test_a_voice_announces_with_its_chime_and_loudness(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator,
    hass_client: Any,
) -> None:  # fmt: skip
    pcm = await synthesized(hass, hass_client)
    chime = chime_pcm("ding-dong", 24000, -18.0)
    assert pcm[: len(chime)] == chime
    speech = pcm[len(chime) :]
    assert decode(speech) == MESSAGE
    assert reference_loudness(samples_of(speech), 24000) == pytest.approx(-18.0, abs=1.0)
    # A call's own chime and loudness win over the voice's.
    pcm = await synthesized(hass, hass_client, chime="bell", loudness=-24)
    bell = chime_pcm("bell", 24000, -24.0)
    assert pcm[: len(bell)] == bell
    assert reference_loudness(samples_of(pcm[len(bell) :]), 24000) == pytest.approx(-24, abs=1)


async def test_the_chime_is_heard_before_the_service_answers(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.first_audio_delay = 0.3
    result = tts.async_create_stream(
        hass, ENTITY_ID, None, {"preferred_format": "wav", "chime": "ding"}
    )
    result.async_set_message_stream(chunks(["The garage ", "door is open."]))
    wav, first_audio_at = b"", None
    async for piece in result.async_stream_result():
        wav += piece
        if first_audio_at is None and len(wav) > WAV_HEADER_SIZE:
            first_audio_at = time.monotonic()
    (record,) = [record for record in simulator.sessions if record.spoken]
    assert first_audio_at is not None
    assert record.first_delta_at is not None
    assert first_audio_at < record.first_delta_at  # before the service sent any audio
    _, _, pcm = pcm_of(wav)
    chime = chime_pcm("ding", 24000, -16.0)
    assert pcm[: len(chime)] == chime
    assert decode(pcm[len(chime) :]) == "The garage door is open."


async def test_a_chime_of_the_media_folder(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, hass_client: Any, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    hass.config.media_dirs = {"local": str(media)}
    hass.config.allowlist_external_dirs = {str(media)}
    rate = 16000
    tone = (0.4 * np.sin(2 * np.pi * 660 * np.arange(rate // 2) / rate) * 32767).astype("<i2")
    with wave.open(str(media / "door.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone.tobytes())
    pcm = await synthesized(hass, hass_client, chime="media-source://media_source/local/door.wav")
    chime = chime_pcm(str(media / "door.wav"), 24000, -16.0)
    assert len(chime) == 2 * 12000  # half a second, at the voice's rate
    assert pcm[: len(chime)] == chime
    assert decode(pcm[len(chime) :]) == MESSAGE


@pytest.mark.parametrize(
    ("chime", "message"),
    [
        ("/etc/passwd", "is not in a folder Home Assistant may read"),
        ("media-source://media_source/nowhere/a.wav", "no media folder 'nowhere'"),
    ],
)
async def test_a_chime_it_may_not_read_is_a_validation_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator, chime: str,
    message: str,
) -> None:  # fmt: skip
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            DOMAIN, "synthesize", {"message": MESSAGE, "chime": chime}, blocking=True,
            return_response=True,
        )  # fmt: skip
    assert message in str(refused.value)
    assert not [record for record in simulator.sessions if record.spoken]  # nothing billed
    assert hass.states.get(ENTITY_ID) is not None


async def test_a_chime_file_that_cannot_be_played_is_an_error_naming_it(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator, tmp_path: Path
) -> None:
    hass.config.media_dirs = {"local": str(tmp_path)}
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    (tmp_path / "notes.wav").write_text("not audio")
    for name, problem in (("missing.wav", "no file can be read there"),
                          ("notes.wav", "notes.wav is not a WAV file")):  # fmt: skip
        with pytest.raises(HomeAssistantError) as refused:
            await hass.services.async_call(
                DOMAIN, "synthesize",
                {"message": MESSAGE, "chime": f"media-source://media_source/local/{name}"},
                blocking=True, return_response=True,
            )  # fmt: skip
        assert problem in str(refused.value)
    assert not [record for record in simulator.sessions if record.spoken]  # nothing billed
