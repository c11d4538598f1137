"""The Qwen TTS entity: streaming text in, streaming WAV out."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterable, Mapping
from typing import Any

from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_RATE,
    TextToSpeechEntity,
    TtsAudioType,
    Voice,
)
from homeassistant.components.tts.entity import TTSAudioRequest, TTSAudioResponse
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from wyoming_qwentts import catalog
from wyoming_qwentts.core import QwenTtsError
from wyoming_qwentts.core.pcm import wav_header
from wyoming_qwentts.speech import Speaker, single_text

from .const import CONF_REGION, DOMAIN
from .data import SYNTHESES, QwenTtsConfigEntry
from .options import SYNTHESIS_OPTIONS, Speech, build_speech, entry_defaults, translate_error

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0  # synthesis is not polling: calls may overlap freely


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QwenTtsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the entry's TTS entity."""
    async_add_entities([QwenTtsEntity(entry)])


class QwenTtsEntity(TextToSpeechEntity):
    """Speaks with a Model Studio voice; streams LLM text in and audio out."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"

    def __init__(self, entry: QwenTtsConfigEntry) -> None:
        self._entry = entry
        model = entry.runtime_data.pool.model
        self._model = model
        region = catalog.REGIONS[entry.data[CONF_REGION]]
        self._attr_unique_id = entry.entry_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            name=f"Qwen TTS {region.name}",
            manufacturer="Alibaba Cloud",
            model=model.id,
            entry_type=DeviceEntryType.SERVICE,
        )
        self._attr_supported_languages = list(model.voice_languages() or model.languages)
        self._attr_default_language = self._attr_supported_languages[0]
        self._attr_supported_options = [
            *SYNTHESIS_OPTIONS,
            ATTR_PREFERRED_FORMAT,
            ATTR_PREFERRED_SAMPLE_RATE,
        ]
        # Every setting takes part in Home Assistant's cache key, so changing one in the
        # options never replays audio made with the old value.
        self._attr_default_options = {**entry_defaults(entry.options), "model": model.id}

    async def async_added_to_hass(self) -> None:
        """Prefer Home Assistant's own language when the model speaks it."""
        await super().async_added_to_hass()
        language = catalog.language_code(self.hass.config.language)
        if language in self.supported_languages:
            self._attr_default_language = language

    def async_get_supported_voices(self, language: str) -> list[Voice] | None:
        """The model's voices that speak ``language`` (all voices for custom-voice models)."""
        code = catalog.language_code(language)
        voices = [
            Voice(voice.id, voice.display_name)
            for voice in self._model.voices
            if code in voice.languages
        ]
        return voices or None

    def check(self, options: Mapping[str, Any]) -> Speech:
        """A call's options over the entity's defaults, checked before anything is
        synthesized: a ServiceValidationError for what the model does not take."""
        return self._speech({**(self.default_options or {}), **options})

    def _speech(self, options: Mapping[str, Any]) -> Speech:
        return build_speech(
            self._model,
            self._entry.data[CONF_REGION],
            options,
            options.get(ATTR_PREFERRED_SAMPLE_RATE),
        )

    async def async_speak(
        self,
        media_player_entity_id: list[str],
        message: str,
        cache: bool,
        language: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        """``tts.speak``: the options are checked first, then the players are given the media.

        Home Assistant synthesizes in the background, where a bad option would only be
        logged: checked here it is one ServiceValidationError for the caller.
        """
        self.check(options or {})
        await super().async_speak(media_player_entity_id, message, cache, language, options)

    async def async_get_tts_audio(
        self, message: str, language: str, options: dict[str, Any]
    ) -> TtsAudioType:
        """A whole message as one WAV file with correct sizes."""
        speech = self._speech(options)
        pcm = b"".join([chunk async for chunk in self._speak(speech, single_text(message))])
        return "wav", wav_header(speech.sample_rate, len(pcm)) + pcm

    async def async_stream_tts_audio(self, request: TTSAudioRequest) -> TTSAudioResponse:
        """Send each text chunk upstream as it arrives; yield a streaming WAV as audio arrives."""
        speech = self._speech(request.options)
        return TTSAudioResponse("wav", self._stream(speech, request.message_gen))

    async def _stream(
        self, speech: Speech, message_gen: AsyncGenerator[str]
    ) -> AsyncGenerator[bytes]:
        yield wav_header(speech.sample_rate)
        async for pcm in self._speak(speech, message_gen):
            yield pcm

    async def _speak(self, speech: Speech, texts: AsyncIterable[str]) -> AsyncGenerator[bytes]:
        """PCM with the silence padding; faults are retried or resumed by the speaker."""
        data = self._entry.runtime_data
        speaker = Speaker(data.pool_for(speech.model), speech.params, policy=data.retry)
        try:
            if speech.leading_silence:
                yield speech.leading_silence
            async for pcm in speaker.speak(texts):
                yield pcm
            if speech.trailing_silence:
                yield speech.trailing_silence
        except QwenTtsError as err:
            raise translate_error(self.hass, self._entry, err) from err
        finally:
            data.last_metrics = metrics = speaker.stats.metrics
            if metrics is not None and (syntheses := SYNTHESES.get()) is not None:
                syntheses.append(metrics)
