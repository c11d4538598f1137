"""The Qwen TTS entity: streaming text in, streaming WAV out."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from homeassistant.components.tts import (
    ATTR_PREFERRED_FORMAT,
    ATTR_PREFERRED_SAMPLE_RATE,
    TextToSpeechEntity,
    TtsAudioType,
    Voice,
)
from homeassistant.components.tts.entity import TTSAudioRequest, TTSAudioResponse
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from wyoming_qwentts import catalog
from wyoming_qwentts.catalog.customization import services_for
from wyoming_qwentts.core import InvalidParameterError, QwenTtsError
from wyoming_qwentts.core.chime import BUILT_IN
from wyoming_qwentts.core.pcm import wav_header
from wyoming_qwentts.enrollment import offered_voices
from wyoming_qwentts.speech import Speaker, TextTape, single_text
from wyoming_qwentts.speech.announcement import Announcement
from wyoming_qwentts.speech.failover import Failover

from .const import CONF_FALLBACK, CONF_MODEL, CONF_VOICE, DOMAIN, MAX_MESSAGE_CHARS
from .data import SYNTHESES, QwenTtsConfigEntry, voice_subentries
from .fallback import EntityVoice
from .options import (
    SYNTHESIS_OPTIONS,
    Speech,
    build_speech,
    chime_path,
    entry_defaults,
    invalid_option,
    other_model_of,
    translate_error,
)

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 0  # synthesis is not polling: calls may overlap freely


async def async_setup_entry(
    hass: HomeAssistant,
    entry: QwenTtsConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a TTS entity of each voice subentry."""
    for subentry_id, subentry in voice_subentries(entry).items():
        if subentry_id in entry.runtime_data.pools:  # (a voice of an unknown model has none)
            async_add_entities([QwenTtsEntity(entry, subentry)], config_subentry_id=subentry_id)


class QwenTtsEntity(TextToSpeechEntity):
    """Speaks with one voice of one Model Studio model (a voice subentry); streams LLM text
    in and audio out."""

    _attr_has_entity_name = True
    _attr_translation_key = "speech"

    def __init__(self, entry: QwenTtsConfigEntry, subentry: ConfigSubentry) -> None:
        self._entry = entry
        self.subentry = subentry
        self._pool = entry.runtime_data.pools[subentry.subentry_id]
        self._failover = Failover(breaker=entry.runtime_data.breakers[subentry.subentry_id])
        model = self._pool.model
        self._model = model
        self._attr_unique_id = subentry.subentry_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, subentry.subentry_id)},
            name=subentry.title,
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
        # subentry never replays audio made with the old value.
        self._attr_default_options = {**entry_defaults(subentry.data), "model": model.id}

    async def async_added_to_hass(self) -> None:
        """Prefer Home Assistant's own language when the model speaks it; take the voice's
        fallback entity."""
        await super().async_added_to_hass()
        if fallback := self.subentry.data.get(CONF_FALLBACK):
            self._failover.local = EntityVoice(self.hass, fallback)
        language = catalog.language_code(self.hass.config.language)
        if language in self.supported_languages:
            self._attr_default_language = language

    def async_get_supported_voices(self, language: str) -> list[Voice] | None:
        """The model's voices that speak ``language``: its system voices and the account's
        own (the list read last; a read is started when it is due)."""
        data = self._entry.runtime_data
        if services_for(self._model.id):
            data.refresh_account(self.hass)
        code = catalog.language_code(language)
        voices = [
            Voice(voice.id, voice.display_name)
            for voice in offered_voices(self._model, data.account.voices)
            if code in voice.languages
        ]
        return voices or None

    def check(self, options: Mapping[str, Any]) -> Speech:
        """A call's options over the entity's defaults, checked before anything is
        synthesized: a ServiceValidationError for what the model does not take, or a chime
        in a folder Home Assistant may not read."""
        speech = self._speech({**(self.default_options or {}), **options})
        chime = speech.announcement.chime
        if chime and chime not in BUILT_IN:
            chime_path(self.hass, chime)
        return speech

    def _speech(self, options: Mapping[str, Any]) -> Speech:
        voice = options.get(CONF_VOICE)
        if voice and (other := other_model_of(self._model, voice)) is not None:
            raise self._elsewhere(voice, other)
        return build_speech(self._model, options, options.get(ATTR_PREFERRED_SAMPLE_RATE))

    def _elsewhere(self, voice: str, model: catalog.Model) -> ServiceValidationError:
        """The error of a voice of another model: it names the entity that speaks it, or
        says to add that voice."""
        entities = er.async_get(self.hass)
        speaker = next(
            (
                entity_id
                for subentry_id, subentry in voice_subentries(self._entry).items()
                if voice in catalog.get_model(subentry.data[CONF_MODEL]).voice_ids
                and (entity_id := entities.async_get_entity_id("tts", DOMAIN, subentry_id))
            ),
            None,
        )
        key = "voice_of_other_entity" if speaker else "voice_of_other_model"
        return ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders={
                "voice": voice,
                "model": model.id,
                "own_model": self._model.id,
                "entity": speaker or "",
            },
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
        if len(message) > MAX_MESSAGE_CHARS:
            raise invalid_option(
                f"The message is longer than the limit of {MAX_MESSAGE_CHARS} characters."
            )
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
        """PCM with the silence padding, the chime and the loudness asked for; faults are
        retried or resumed by the speaker, and what Model Studio cannot speak the fallback
        entity speaks, if the voice has one."""
        announcement = await self._announcement(speech)
        try:
            if speech.leading_silence:
                yield speech.leading_silence
            announced = self._failover.speak(
                partial(self._speaker, speech),
                TextTape.of(_limited(texts)),
                announcement,
                speech.sample_rate,
            )
            async with contextlib.aclosing(announced):  # closed with this: sessions end now
                async for pcm in announced:
                    yield pcm
            if speech.trailing_silence:
                yield speech.trailing_silence
        except QwenTtsError as err:
            raise translate_error(self.hass, self._entry, err) from err

    @contextlib.asynccontextmanager
    async def _speaker(self, speech: Speech) -> AsyncIterator[Speaker]:
        """A request's speaker; its figures are kept once it is done."""
        data = self._entry.runtime_data
        speaker = Speaker(self._pool, speech.params, policy=data.retry)
        try:
            yield speaker
        finally:
            data.last_metrics = metrics = speaker.stats.metrics
            if metrics is not None and (syntheses := SYNTHESES.get()) is not None:
                syntheses.append(metrics)

    async def _announcement(self, speech: Speech) -> Announcement:
        """The call's announcement with its chime read (a file's in the executor, once)."""
        announcement = speech.announcement
        chime = announcement.chime
        if chime and chime not in BUILT_IN:
            announcement = replace(announcement, chime=str(chime_path(self.hass, chime)))
        try:
            await self.hass.async_add_executor_job(announcement.chime_at, speech.sample_rate)
        except InvalidParameterError as err:
            raise invalid_option(err.message) from err
        return announcement


async def _limited(texts: AsyncIterable[str]) -> AsyncGenerator[str]:
    """The message's text, refused once it is longer than ``MAX_MESSAGE_CHARS``."""
    count = 0
    async for text in texts:
        count += len(text)
        if count > MAX_MESSAGE_CHARS:
            raise invalid_option(
                f"The message is longer than the limit of {MAX_MESSAGE_CHARS} characters."
            )
        yield text
