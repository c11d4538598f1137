"""Service actions: ``qwen_tts.speak`` and ``qwen_tts.synthesize``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import voluptuous as vol
from homeassistant.components import tts
from homeassistant.components.media_player.const import (
    ATTR_MEDIA_ANNOUNCE,
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    SERVICE_PLAY_MEDIA,
    MediaPlayerEntityFeature,
    MediaType,
)
from homeassistant.components.media_player.const import (
    DOMAIN as MEDIA_PLAYER_DOMAIN,
)
from homeassistant.components.tts.const import DATA_COMPONENT
from homeassistant.const import ATTR_ENTITY_ID, ATTR_SUPPORTED_FEATURES
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv

from wyoming_qwentts.core import SessionMetrics
from wyoming_qwentts.core.pcm import PCM_WIDTH, WAV_HEADER_SIZE, parse_wav_header

from .const import (
    CONF_CHIME,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LOUDNESS,
    CONF_PITCH_RATE,
    CONF_SPEECH_RATE,
    CONF_VOICE,
    CONF_VOLUME,
    DOMAIN,
    MAX_MESSAGE_CHARS,
)
from .data import SYNTHESES
from .options import OPTION_SCHEMA
from .tts import QwenTtsEntity
from .volume import AnnouncementVolume

_LOGGER = logging.getLogger(__name__)

SERVICE_SPEAK = "speak"
SERVICE_SYNTHESIZE = "synthesize"
ATTR_MESSAGE = "message"
ATTR_MEDIA_PLAYERS = "media_player_entity_id"
ATTR_LANGUAGE = "language"
ATTR_PLAYER_VOLUME = "player_volume"

_ACTION_OPTIONS = (
    CONF_VOICE,
    CONF_SPEECH_RATE,
    CONF_PITCH_RATE,
    CONF_VOLUME,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_CHIME,
    CONF_LOUDNESS,
)
_VOICE_FIELDS: dict[vol.Marker, Any] = {
    key: validator for key, validator in OPTION_SCHEMA.schema.items() if key in _ACTION_OPTIONS
}
"""The synthesis options an action takes, typed as the entity types them; what a model
accepts of them (its ranges) is the catalog's to say, in the entity's one check."""
_COMMON_FIELDS: dict[vol.Marker, Any] = {
    vol.Optional(ATTR_ENTITY_ID): cv.entity_id,
    vol.Required(ATTR_MESSAGE): vol.All(cv.string, vol.Length(min=1, max=MAX_MESSAGE_CHARS)),
    vol.Optional(ATTR_LANGUAGE): cv.string,
    **_VOICE_FIELDS,
}
SYNTHESIZE_SCHEMA = vol.Schema(_COMMON_FIELDS)
SPEAK_SCHEMA = vol.Schema(
    {
        **_COMMON_FIELDS,
        vol.Required(ATTR_MEDIA_PLAYERS): cv.entity_ids,
        vol.Optional(ATTR_PLAYER_VOLUME): vol.All(vol.Coerce(float), vol.Range(0.0, 1.0)),
    }
)


@dataclass(frozen=True, slots=True)
class _Audio:
    """A synthesized message that Home Assistant can serve."""

    media_id: str
    """The message's TTS media source id: it stays valid (Home Assistant's cache serves it)."""
    url: str
    """Where Home Assistant serves this synthesis (for a few minutes)."""
    mime_type: str
    duration: float
    characters: int


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the service actions (once, in ``async_setup``)."""

    async def speak(call: ServiceCall) -> ServiceResponse:
        return await _async_speak(hass, call)

    async def synthesize(call: ServiceCall) -> ServiceResponse:
        return await _async_synthesize(hass, call)

    hass.services.async_register(
        DOMAIN,
        SERVICE_SPEAK,
        speak,
        schema=SPEAK_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN,
        SERVICE_SYNTHESIZE,
        synthesize,
        schema=SYNTHESIZE_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )


def _entity(hass: HomeAssistant, call: ServiceCall) -> QwenTtsEntity:
    """The call's voice: the Qwen TTS entity named, or the only one there is."""
    component = hass.data[DATA_COMPONENT]
    voices = [entity for entity in component.entities if isinstance(entity, QwenTtsEntity)]
    entity_id = call.data.get(ATTR_ENTITY_ID)
    if entity_id is None:
        if len(voices) != 1:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="entity_required",
                translation_placeholders={"count": str(len(voices))},
            )
        return voices[0]
    for entity in voices:
        if entity.entity_id == entity_id:
            return entity
    raise ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="not_a_voice",
        translation_placeholders={"entity_id": entity_id},
    )


def _options(entity: QwenTtsEntity, call: ServiceCall) -> dict[str, Any]:
    """The TTS options of the call's voice settings (checked against the voice's model)."""
    options: dict[str, Any] = {
        str(key): call.data[str(key)] for key in _VOICE_FIELDS if str(key) in call.data
    }
    options[tts.ATTR_PREFERRED_FORMAT] = "wav"
    # Checked here, a bad voice is one validation error before any audio (in the background
    # synthesis Home Assistant runs it would only be logged).
    entity.check(options)
    return options


def _media_id(hass: HomeAssistant, entity: QwenTtsEntity, call: ServiceCall) -> str:
    """The TTS media source id of the call's message, voice and options (validated)."""
    return tts.generate_media_source_id(
        hass,
        call.data[ATTR_MESSAGE],
        engine=entity.entity_id,
        language=call.data.get(ATTR_LANGUAGE),
        options=_options(entity, call),
        cache=True,
    )


async def _async_synthesize_audio(hass: HomeAssistant, call: ServiceCall) -> _Audio:
    """Synthesize through the voice's TTS entity (a TTS result stream), so that Home
    Assistant caches and serves it."""
    entity = _entity(hass, call)
    media_id = _media_id(hass, entity, call)
    stream = tts.async_create_stream(
        hass, entity.entity_id, call.data.get(ATTR_LANGUAGE), _options(entity, call)
    )
    syntheses: list[SessionMetrics] = []
    token = SYNTHESES.set(syntheses)
    try:
        stream.async_set_message(call.data[ATTR_MESSAGE])
        data = b"".join([chunk async for chunk in stream.async_stream_result()])
    finally:
        SYNTHESES.reset(token)
    rate, _ = parse_wav_header(data)
    return _Audio(
        media_id=media_id,
        url=stream.url,
        mime_type=stream.content_type,
        duration=round((len(data) - WAV_HEADER_SIZE) / (PCM_WIDTH * rate), 3),
        # Audio from Home Assistant's cache was not synthesized again: nothing was billed.
        characters=sum(metrics.characters for metrics in syntheses),
    )


async def _async_synthesize(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    audio = await _async_synthesize_audio(hass, call)
    return {
        "media_content_id": audio.media_id,
        "url": audio.url,
        "mime_type": audio.mime_type,
        "duration": audio.duration,
        "characters": audio.characters,
    }


async def _async_speak(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    players: list[str] = call.data[ATTR_MEDIA_PLAYERS]
    player_volume: float | None = call.data.get(ATTR_PLAYER_VOLUME)
    _check_players(hass, players, player_volume is not None)
    audio: _Audio | None = None
    if player_volume is None and not call.return_response:
        # Nothing needs the audio first: the players stream it while it is synthesized.
        media_id = _media_id(hass, _entity(hass, call), call)
    else:
        audio = await _async_synthesize_audio(hass, call)
        media_id = audio.media_id
    announcers = [player for player in players if _supports_announce(hass, player)]
    others = [player for player in players if player not in announcers]
    volume: AnnouncementVolume | None = None
    if player_volume is not None and others:
        # A player that announces natively ducks what it plays by itself: it is left alone.
        volume = AnnouncementVolume(hass, others, player_volume)
        await volume.async_set()
    for group, announce in ((announcers, True), (others, False)):
        if group:
            await hass.services.async_call(
                MEDIA_PLAYER_DOMAIN,
                SERVICE_PLAY_MEDIA,
                {
                    ATTR_ENTITY_ID: group,
                    ATTR_MEDIA_CONTENT_ID: media_id,
                    ATTR_MEDIA_CONTENT_TYPE: MediaType.MUSIC,
                    **({ATTR_MEDIA_ANNOUNCE: True} if announce else {}),
                },
                blocking=True,
            )
    if volume is not None:
        assert audio is not None
        volume.async_watch(audio.duration)
    if audio is None or not call.return_response:
        return None
    return {"duration": audio.duration, "characters": audio.characters}


def _features(hass: HomeAssistant, player: str) -> MediaPlayerEntityFeature:
    """What a player supports (nothing, when it does not exist)."""
    state = hass.states.get(player)
    return MediaPlayerEntityFeature(
        int(state.attributes.get(ATTR_SUPPORTED_FEATURES, 0)) if state else 0
    )


def _check_players(hass: HomeAssistant, players: list[str], set_volume: bool) -> None:
    """Every player must exist and play media (and set its volume, if asked): checked before
    anything is synthesized, as one validation error naming the players at fault."""

    def able(player: str) -> bool:
        features = _features(hass, player)
        needed = MediaPlayerEntityFeature.PLAY_MEDIA
        if set_volume and not features & MediaPlayerEntityFeature.MEDIA_ANNOUNCE:
            needed |= MediaPlayerEntityFeature.VOLUME_SET  # an announcer's is left alone
        return features & needed == needed

    unable = [player for player in players if not able(player)]
    if unable:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="player_cannot_speak",
            translation_placeholders={"players": ", ".join(unable)},
        )


def _supports_announce(hass: HomeAssistant, player: str) -> bool:
    return bool(_features(hass, player) & MediaPlayerEntityFeature.MEDIA_ANNOUNCE)
