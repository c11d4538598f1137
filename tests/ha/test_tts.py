"""The TTS entity: streaming and whole-message synthesis through Home Assistant."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import pytest
from homeassistant.components import tts
from homeassistant.components.tts.entity import TTSAudioRequest
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    CONF_LEADING_SILENCE,
    CONF_MODEL,
    CONF_REGION,
    CONF_TRAILING_SILENCE,
    CONF_URL,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from custom_components.qwen_tts.options import translate_error
from tests.ha.helpers import (
    API_KEY,
    ENTITY_ID,
    VOICE_TITLE,
    WAV,
    add_voice,
    entity,
    pcm_of,
    stream,
)
from tests.helpers import chunks, split_anywhere, used
from tests.recordings import wav
from wyoming_qwentts import catalog
from wyoming_qwentts.core import Timeouts
from wyoming_qwentts.core.errors import InvalidParameterError
from wyoming_qwentts.enrollment import CustomizationClient, read_recording
from wyoming_qwentts.simulator import DISPUTED_BEHAVIOURS, QwenSimulator, decode

MESSAGE = "The washing machine has finished. 洗衣机已完成。"


async def test_streaming_text_in_streaming_wav_out(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    pieces = split_anywhere(MESSAGE, 6)
    rate, size, pcm = pcm_of(await stream(hass, pieces))
    assert (rate, size) == (24000, 0xFFFFFFFF)  # a streaming header: length unknown
    assert decode(pcm) == MESSAGE
    appended = [
        e["text"]
        for record in used(simulator)
        for e in record.events
        if e["type"] == "input_text_buffer.append"
    ]
    assert sorted(appended) == sorted([" 洗衣机已完成。", "The washing machine has finished."])
    for record in used(simulator):
        assert record.event_types().count("input_text_buffer.commit") == len(record.spoken)
        assert record.busy_inputs == 0  # one response at a time per session
    assert loaded_entry.runtime_data.last_metrics is not None
    assert loaded_entry.runtime_data.last_metrics.characters == catalog.billed_characters(MESSAGE)


@pytest.mark.parametrize(
    "entry_options",
    [
        {**DEFAULT_OPTIONS, CONF_MODEL: "cosyvoice-v3-flash", CONF_VOICE: "longanyang"},
        {**DEFAULT_OPTIONS, CONF_MODEL: "qwen-audio-3.0-tts-flash", CONF_VOICE: "longanlufeng"},
    ],
    ids=["cosyvoice", "qwen-audio"],
)
async def test_streaming_on_the_inference_protocol(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    entry_options: dict[str, Any],
) -> None:
    rate, size, pcm = pcm_of(await stream(hass, split_anywhere(MESSAGE, 6), speech_rate=1.2))
    assert (rate, size) == (24000, 0xFFFFFFFF)
    assert decode(pcm) == MESSAGE
    records = used(simulator)
    assert {record.protocol for record in records} == {"inference"}
    assert {record.config["voice"] for record in records} == {entry_options[CONF_VOICE]}
    assert {record.config["rate"] for record in records} == {1.2}
    metrics = loaded_entry.runtime_data.last_metrics
    assert metrics is not None
    assert (metrics.model, metrics.protocol) == (entry_options[CONF_MODEL], "inference")
    # Another request reuses the sockets: no handshake.
    opened = len(simulator.sessions)
    assert decode(pcm_of(await stream(hass, ["Again, please."]))[2]) == "Again, please."
    assert len(simulator.sessions) == opened


@pytest.mark.parametrize(
    "entry_options",
    [
        DEFAULT_OPTIONS,
        {**DEFAULT_OPTIONS, CONF_MODEL: "cosyvoice-v3-flash", CONF_VOICE: "longanyang"},
    ],
    ids=["realtime", "inference"],
)
async def test_audio_starts_before_the_text_is_complete(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, entry_options: dict[str, Any]
) -> None:
    """The Assist path: the WAV stream carries the first sentence's audio while the LLM is
    still writing (the rest of the text comes only once that audio arrived)."""
    heard = asyncio.Event()

    async def reply() -> AsyncGenerator[str]:
        yield "The first sentence is complete. "
        await asyncio.wait_for(heard.wait(), 10)  # fails here if audio waited for the text
        yield "And the rest came later."

    result = tts.async_create_stream(hass, ENTITY_ID, None, WAV)
    result.async_set_message_stream(reply())
    wav = b""
    async for chunk in result.async_stream_result():
        wav += chunk
        if len(wav) > 44:
            heard.set()
    assert decode(pcm_of(wav)[2]) == "The first sentence is complete. And the rest came later."


@pytest.mark.parametrize(
    ("entry_options", "ssml"),
    [
        ({**DEFAULT_OPTIONS, CONF_MODEL: "cosyvoice-v3-flash", CONF_VOICE: "longanyang"}, True),
        (DEFAULT_OPTIONS, False),
    ],
    ids=["cosyvoice-takes-ssml", "realtime-speaks-its-words"],
)
async def test_an_ssml_message(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    entry_options: dict[str, Any],
    ssml: bool,
) -> None:
    """An SSML document goes as SSML to a model that takes it, as its words to one that
    does not; it is never cut into segments."""
    document = '<speak>The door <break time="200ms"/>is open, <emphasis>now</emphasis>.</speak>'
    _, _, pcm = pcm_of(await stream(hass, split_anywhere(document, 6)))
    assert decode(pcm) == "The door is open, now."
    (record,) = used(simulator)
    if ssml:
        assert record.config["enable_ssml"] is True
        assert record.event_types() == ["run-task", "continue-task", "finish-task"]
    else:
        texts = [e["text"] for e in record.events if e["type"] == "input_text_buffer.append"]
        assert texts == ["The door is open, now."]


async def test_a_call_with_another_models_voice_names_the_voice_to_use(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    """An entity speaks its own model's voices: a CosyVoice voice in a call to the Qwen3
    entity is refused before anything is sent, naming the entity that speaks it, or (with
    none) saying to add it as a voice."""
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["Refused."], voice="longanyang")
    assert err.value.translation_key == "voice_of_other_model"
    assert err.value.translation_placeholders == {
        "voice": "longanyang", "model": "cosyvoice-v3-flash",
        "own_model": "qwen3-tts-flash-realtime", "entity": "",
    }  # fmt: skip
    await add_voice(hass, loaded_entry, "cosyvoice-v3-flash", "longanhuan", "Qwen TTS Cosy")
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["Refused."], voice="longanyang")
    assert err.value.translation_key == "voice_of_other_entity"
    assert err.value.translation_placeholders["entity"] == "tts.qwen_tts_cosy_speech"
    assert used(simulator) == []


@pytest.mark.parametrize(
    ("voice", "model"),
    [("longxiaochun_v2", "cosyvoice-v2"), ("sambert-zhichu-v1", "sambert-zhichu-v1")],
)
async def test_a_voice_of_a_model_of_another_region(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator, voice: str,
    model: str,
) -> None:  # fmt: skip
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["Refused."], voice=voice)
    assert err.value.translation_key == "voice_of_other_model"
    assert err.value.translation_placeholders["model"] == model
    assert used(simulator) == []


async def test_a_mistyped_voice_names_the_closest(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["Refused."], voice="Cheri")
    message = err.value.translation_placeholders["message"]
    assert "not offered by qwen3-tts-flash-realtime" in message
    assert "did you mean 'Cherry'" in message
    assert used(simulator) == []


@pytest.mark.parametrize("behaviour", sorted(DISPUTED_BEHAVIOURS))
async def test_streaming_is_exact_under_every_disputed_behaviour(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator, behaviour: str
) -> None:
    simulator.options.adopt(behaviour)
    simulator.options.real_time_factor = 0.05
    message = MESSAGE * 3
    _, _, pcm = pcm_of(await stream(hass, split_anywhere(message, 6)))
    assert decode(pcm) == message


async def test_whole_message_through_the_media_source(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    media_id = tts.generate_media_source_id(hass, MESSAGE, ENTITY_ID, "en", WAV, cache=False)
    extension, data = await tts.async_get_media_source_audio(hass, media_id)
    assert extension == "wav"
    assert decode(pcm_of(data)[2]) == MESSAGE


async def test_get_tts_audio_returns_a_complete_wav(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    extension, data = await entity(hass).async_get_tts_audio(MESSAGE, "en", dict(DEFAULT_OPTIONS))
    assert extension == "wav"
    assert data is not None
    rate, size, pcm = pcm_of(data)
    assert rate == 24000
    assert size == len(pcm) == len(data) - 44
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert decode(pcm) == MESSAGE


async def test_per_call_options_reach_the_session(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    await stream(
        hass,
        ["Quick!"],
        voice="Eldric Sage",
        speech_rate=1.5,
        pitch_rate=0.8,
        volume=80,
        language_type="English",
    )
    config = used(simulator)[-1].config
    assert config["voice"] == "Eldric Sage"
    assert (config["speech_rate"], config["pitch_rate"], config["volume"]) == (1.5, 0.8, 80)
    assert config["language_type"] == "English"


@pytest.mark.parametrize(
    "entry_options",
    [{**DEFAULT_OPTIONS, CONF_MODEL: "qwen3-tts-instruct-flash-realtime", CONF_VOICE: "Pip"}],
)
async def test_instructions_on_an_instruct_model(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    audio = await stream(hass, ["Once upon a time."], instructions="Like a bedtime story")
    assert decode(pcm_of(audio)[2]) == "Once upon a time."
    assert used(simulator)[-1].config["instructions"] == "Like a bedtime story"
    assert used(simulator)[-1].config["voice"] == "Pip"


@pytest.mark.parametrize(
    "entry_options",
    [{**DEFAULT_OPTIONS, CONF_LEADING_SILENCE: 100, CONF_TRAILING_SILENCE: 250}],
)
async def test_silence_padding(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    _, _, pcm = pcm_of(await stream(hass, ["Hi."]))
    lead, tail = 2 * 2400, 2 * 6000  # 100 ms and 250 ms at 24 kHz
    assert pcm[:lead] == bytes(lead)
    assert pcm[-tail:] == bytes(tail)
    assert pcm[lead] != 0 or pcm[lead + 1] != 0
    assert decode(pcm) == "Hi."
    (voice,) = loaded_entry.subentries.values()
    _, data = await entity(hass).async_get_tts_audio("Hi.", "en", dict(voice.data))
    assert data is not None
    assert pcm_of(data)[2] == pcm


async def test_native_sample_rate_when_asked(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    response = await entity(hass).async_stream_tts_audio(
        TTSAudioRequest(
            "en",
            {**DEFAULT_OPTIONS, tts.ATTR_PREFERRED_SAMPLE_RATE: 16000},
            chunks(["Sixteen kilohertz."]),
        )
    )
    audio = b"".join([chunk async for chunk in response.data_gen])
    rate, _, pcm = pcm_of(audio)
    assert rate == 16000
    assert used(simulator)[-1].config["sample_rate"] == 16000
    assert decode(pcm) == "Sixteen kilohertz."


async def test_options_are_part_of_the_cache_key(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    engine = entity(hass)
    supported = set(engine.supported_options or [])
    assert {
        "voice",
        "speech_rate",
        "pitch_rate",
        "volume",
        "instructions",
        "language_type",
    } <= supported
    defaults = dict(engine.default_options or {})
    assert set(DEFAULT_OPTIONS) - {CONF_MODEL, CONF_WARM_CONNECTIONS} <= set(defaults)
    assert defaults["model"] == "qwen3-tts-flash-realtime"


async def test_voices_and_languages(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    engine = entity(hass)
    assert engine.supported_languages == [
        "zh",
        "en",
        "fr",
        "de",
        "ru",
        "it",
        "es",
        "pt",
        "ja",
        "ko",
    ]
    assert engine.default_language == "en"  # Home Assistant's own language
    voices = engine.async_get_supported_voices("en-US")
    assert voices is not None
    assert len(voices) == 49
    assert tts.Voice("Eldric Sage", "Eldric Sage (male, old man)") in voices
    assert engine.async_get_supported_voices("sv") is None


async def test_invalid_per_call_options(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    sessions = len(used(simulator))
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["x"], voice="Nobody")
    assert err.value.translation_key == "invalid_option"
    assert "'Nobody' is not offered" in err.value.translation_placeholders["message"]
    with pytest.raises(ServiceValidationError):
        await stream(hass, ["x"], speech_rate="fast")
    with pytest.raises(ServiceValidationError) as err:
        await stream(hass, ["x"], instructions="Whisper")
    assert "does not accept instructions" in err.value.translation_placeholders["message"]
    assert len(used(simulator)) == sessions  # nothing reached the service


async def test_rejected_key_starts_reauth(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    simulator.options.reject_handshake = 401
    with pytest.raises(HomeAssistantError) as err:
        await stream(hass, ["Hello"])
    assert err.value.translation_key == "auth_failed"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"reject_handshake": 429}, "rate_limited"),
        ({"reject_handshake": 403}, "access_denied"),
        ({"error_after_deltas": 1, "delta_bytes": 480}, "upstream_failed"),
        ({"retired_models": frozenset({"qwen3-tts-flash-realtime"})}, "unknown_model"),
        ({"stall_after_deltas": 0, "first_audio_delay": 0}, "upstream_timeout"),
        ({"stop": True}, "upstream_unreachable"),
    ],
)
async def test_upstream_errors_are_translated(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: QwenSimulator,
    options: dict[str, Any],
    key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = dict(options)
    if options.pop("stop", False):
        await simulator.stop()
    if "stall_after_deltas" in options:  # the entry's client waits for audio this long
        (pool,) = loaded_entry.runtime_data.pools.values()
        client = pool.client
        monkeypatch.setattr(client, "timeouts", Timeouts(first_audio=0.2, audio_gap=0.2))
    for name, value in options.items():
        setattr(simulator.options, name, value)
    with pytest.raises(HomeAssistantError) as err:
        await stream(hass, [MESSAGE])
    assert err.value.translation_key == key
    with pytest.raises(HomeAssistantError) as err:
        await entity(hass).async_get_tts_audio(MESSAGE, "en", dict(DEFAULT_OPTIONS))
    assert err.value.translation_key == key


async def test_a_failing_text_source_is_reported_as_itself(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    heard = asyncio.Event()

    async def broken() -> AsyncGenerator[str]:
        yield "The agent started to say, "
        await asyncio.wait_for(heard.wait(), 5)  # fail while the session is speaking
        raise RuntimeError("the LLM stream broke")

    response = await entity(hass).async_stream_tts_audio(
        TTSAudioRequest("en", dict(DEFAULT_OPTIONS), broken())
    )

    async def listen() -> None:
        async for chunk in response.data_gen:
            if len(chunk) > 44:  # audio, not the WAV header
                heard.set()

    with pytest.raises(RuntimeError, match="the LLM stream broke"):
        await listen()
    await used(simulator)[-1].closed.wait()
    assert not used(simulator)[-1].finished


async def test_a_setting_the_model_rejects_is_a_validation_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    # Options are validated before anything is sent; should the library raise its parameter
    # error later (it is a QwenTtsError too), the user still gets a validation error.
    error = translate_error(
        hass, loaded_entry, InvalidParameterError("session.voice", "Voice 'Nobody' is unknown.")
    )
    assert isinstance(error, ServiceValidationError)
    assert error.translation_key == "invalid_option"
    assert error.translation_placeholders == {"message": "Voice 'Nobody' is unknown."}


VC = "qwen3-tts-vc-realtime-2026-01-15"


@pytest.fixture
async def cloned(simulator: QwenSimulator) -> str:
    """A Qwen3 VC voice of the simulated account, cloned before Home Assistant starts."""
    async with aiohttp.ClientSession() as http:
        studio = CustomizationClient(http, API_KEY, url=simulator.url)
        made = await studio.clone(VC, "porch", read_recording(wav()), language="en")
    return made.id


async def test_an_entity_lists_and_speaks_the_accounts_voices(
    hass: HomeAssistant, simulator: QwenSimulator, cloned: str
) -> None:
    settings = {**DEFAULT_OPTIONS, CONF_MODEL: VC, CONF_VOICE: cloned}
    entry = MockConfigEntry(
        domain=DOMAIN, version=2,
        data={CONF_API_KEY: API_KEY, CONF_REGION: "singapore", CONF_URL: simulator.url},
        subentries_data=[ConfigSubentryData(data=settings, subentry_type=SUBENTRY_VOICE,
                                            title=VOICE_TITLE, unique_id=None)],
    )  # fmt: skip
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)  # the account's voices read
    voices = entity(hass).async_get_supported_voices("en")
    assert voices == [tts.Voice(cloned, "porch (your voice)")]
    _, _, pcm = pcm_of(await stream(hass, ["Spoken in ", "my own voice."]))
    assert decode(pcm) == "Spoken in my own voice."
    assert used(simulator)[-1].config["voice"] == cloned


async def test_a_message_longer_than_the_limit_is_refused(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: QwenSimulator
) -> None:
    """An automation or an LLM tool cannot speak an unbounded text at the key's cost."""
    words = "Too long. " * 2001  # 20,010 characters
    with pytest.raises(HomeAssistantError) as err:
        await stream(hass, split_anywhere(words, 500))
    assert "longer than the limit of 20000 characters" in str(
        getattr(err.value, "translation_placeholders", None) or err.value
    )
    spoken = "".join("".join(record.spoken) for record in simulator.sessions)
    assert len(spoken) <= 20_000
    hass.states.async_set("media_player.kitchen", "idle", {"supported_features": 512})
    with pytest.raises(ServiceValidationError) as refused:
        await hass.services.async_call(
            "tts", "speak",
            {"entity_id": ENTITY_ID, "media_player_entity_id": "media_player.kitchen",
             "message": words},
            blocking=True,
        )  # fmt: skip
    assert refused.value.translation_key == "invalid_option"
