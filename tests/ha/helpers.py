"""Helpers of the Home Assistant tests (they need Home Assistant installed); the helpers
every suite shares are in ``tests/helpers.py``. Test modules import helpers from these two
modules only."""

from __future__ import annotations

import struct
from types import MappingProxyType
from typing import Any

from homeassistant.components import tts
from homeassistant.config_entries import ConfigEntry, ConfigSubentry, ConfigSubentryData
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    CONF_MODEL,
    CONF_REGION,
    CONF_URL,
    CONF_VOICE,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from custom_components.qwen_tts.tts import QwenTtsEntity
from tests.helpers import chunks

API_KEY = "sk-ha-test-key-7f3a9c"
BEIJING_KEY = "sk-beijing-key-0042"
VOICE_TITLE = "Qwen TTS Singapore (international)"
ENTITY_ID = "tts.qwen_tts_singapore_international_speech"
"""The entry's keys (Singapore, Beijing), its voice subentry's title and that voice's entity
(named after it)."""

WAV = {tts.ATTR_PREFERRED_FORMAT: "wav"}  # what the entity makes: Home Assistant needs no ffmpeg


def voice_entry(url: str, title: str, unique_id: str, voice: dict[str, Any]) -> MockConfigEntry:
    """An entry of the Singapore key pointed at ``url``, with one voice of settings ``voice``
    titled ``title`` (its entity is named after it)."""
    return MockConfigEntry(
        domain=DOMAIN,
        version=2,
        title=title,
        data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_URL: url},
        unique_id=unique_id,
        subentries_data=[
            ConfigSubentryData(
                data={**DEFAULT_OPTIONS, **voice},
                subentry_type=SUBENTRY_VOICE,
                title=title,
                unique_id=None,
            )
        ],
    )


def pcm_of(wav: bytes) -> tuple[int, int, bytes]:
    """(sample rate, data size field, PCM) of a WAV the entity made."""
    assert wav[:4] == b"RIFF"
    assert wav[8:16] == b"WAVEfmt "
    channels, rate = struct.unpack_from("<HI", wav, 22)
    bits = struct.unpack_from("<H", wav, 34)[0]
    assert (channels, bits) == (1, 16)
    assert wav[36:40] == b"data"
    return rate, struct.unpack_from("<I", wav, 40)[0], wav[44:]


def entity(hass: HomeAssistant) -> QwenTtsEntity:
    engine = hass.data[tts.DATA_COMPONENT].get_entity(ENTITY_ID)
    assert isinstance(engine, QwenTtsEntity)
    return engine


async def stream(hass: HomeAssistant, pieces: list[str], **options: Any) -> bytes:
    """The Assist-pipeline path: text chunks in, a streaming WAV out."""
    result = tts.async_create_stream(hass, ENTITY_ID, None, {**WAV, **options})
    result.async_set_message_stream(chunks(pieces))
    return b"".join([chunk async for chunk in result.async_stream_result()])


async def add_voice(
    hass: HomeAssistant, entry: ConfigEntry[Any], model: str, voice: str, title: str
) -> ConfigSubentry:
    """Give ``entry`` another voice subentry (the entry reloads with its entity)."""
    subentry = ConfigSubentry(
        data=MappingProxyType({**DEFAULT_OPTIONS, CONF_MODEL: model, CONF_VOICE: voice}),
        subentry_type=SUBENTRY_VOICE,
        title=title,
        unique_id=None,
    )
    hass.config_entries.async_add_subentry(entry, subentry)
    await hass.async_block_till_done()
    return subentry
