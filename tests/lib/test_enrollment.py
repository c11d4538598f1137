"""The customization client against the simulator: every action of both API families, the
voices it makes speaking (decoded audio equals the text), and every error a user can hit."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from tests.helpers import API_KEY
from tests.recordings import SPOKEN, wav
from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.core.errors import (
    AuthenticationError,
    ConnectError,
    InvalidParameterError,
    QwenTimeoutError,
    VoiceNotReadyError,
    VoiceQuotaError,
)
from wyoming_qwentts.enrollment import (
    AccountVoices,
    CustomizationClient,
    RecordingError,
    read_recording,
)
from wyoming_qwentts.enrollment.client import PAGE_SIZE
from wyoming_qwentts.simulator import QwenSimulator, decode, decode_wav
from wyoming_qwentts.speech import synthesize

COSY = "cosyvoice-v3-flash"
VC = "qwen3-tts-vc-realtime-2026-01-15"
VD = "qwen3-tts-vd-realtime-2026-01-15"
RECORDING = read_recording(wav())


@pytest.fixture
def studio(http: aiohttp.ClientSession, simulator: QwenSimulator) -> CustomizationClient:
    return CustomizationClient(http, API_KEY, url=simulator.url)


async def speak(
    http: aiohttp.ClientSession, simulator: QwenSimulator, model: str, voice: str, text: str
) -> str:
    client = protocols.client_for(http, API_KEY, catalog.get_model(model), url=simulator.url)
    return decode((await synthesize(client, text, SpeechParams(voice=voice))).audio)


def test_the_endpoint_is_on_the_synthesis_host() -> None:
    from wyoming_qwentts.enrollment.wire import endpoint

    path = "/api/v1/services/audio/tts/customization"
    assert endpoint("singapore") == f"https://dashscope-intl.aliyuncs.com{path}"
    assert endpoint("beijing") == f"https://dashscope.aliyuncs.com{path}"
    assert (
        endpoint("beijing", workspace="ws-1") == f"https://ws-1.cn-beijing.maas.aliyuncs.com{path}"
    )
    assert endpoint("singapore", url="ws://127.0.0.1:9/api-ws/v1/inference") == (
        f"http://127.0.0.1:9{path}"
    )


async def test_a_cloned_cosyvoice_voice_deploys_then_speaks(
    http: aiohttp.ClientSession, simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    simulator.options.voice_deploy_delay = 0.2
    voice = await studio.clone(COSY, "kitchen", RECORDING, language="en")
    assert voice.id.startswith(f"{COSY}-kitchen-")
    assert (voice.model, voice.status, voice.name) == (COSY, "DEPLOYING", "kitchen")
    with pytest.raises(InvalidParameterError) as err:  # not usable until it is OK
        await speak(http, simulator, COSY, voice.id, "Too early.")
    assert err.value.code == "invalid-voice"
    seen: list[str] = []
    ready = await studio.wait(voice.id, interval=0.05, progress=lambda v: seen.append(v.status))
    assert ready.ready
    assert ready.model == COSY
    assert ready.name == "kitchen"
    assert seen[0] == "DEPLOYING"
    assert seen[-1] == "OK"
    assert await speak(http, simulator, COSY, voice.id, "My own voice.") == "My own voice."
    with pytest.raises(InvalidParameterError):  # bound to its model: no other speaks it
        await speak(http, simulator, "cosyvoice-v3-plus", voice.id, "Wrong model.")
    (request,) = [body for body in simulator.customization.requests if body[1] == "create_voice"]
    assert request == ("voice-enrollment", "create_voice")


async def test_update_redeploys_and_delete_removes(
    http: aiohttp.ClientSession, simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    voice = await studio.clone("cosyvoice-v2", "hall", RECORDING)
    simulator.options.voice_deploy_delay = 30.0
    updated = await studio.update(voice.id, RECORDING)
    assert updated.status == "DEPLOYING"
    with pytest.raises(VoiceNotReadyError) as err:
        await studio.wait(voice.id, timeout=0.1, interval=0.05)
    assert err.value.status == "DEPLOYING"
    assert err.value.transient
    assert str(err.value) == (
        f"Voice {voice.id!r} is still deploying after 0.1 s: wait a little longer "
        f"(wyoming-qwentts voice wait {voice.id})."
    )
    await studio.delete(voice.id)
    assert await studio.voices() == ()
    with pytest.raises(InvalidParameterError) as missing:
        await studio.voice(voice.id)
    assert missing.value.code == "invalid-voice"
    assert f"This account has no voice {voice.id!r}" in str(missing.value)


async def test_a_voice_that_fails_to_deploy(
    simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    simulator.options.voice_deploy_status = "UNDEPLOYED"
    voice = await studio.clone(COSY, "bad", RECORDING)
    with pytest.raises(VoiceNotReadyError) as err:
        await studio.wait(voice.id, interval=0.01)
    assert err.value.status == "UNDEPLOYED"
    assert not err.value.transient
    assert "failed to deploy (status UNDEPLOYED): delete it and clone again" in str(err.value)


async def test_a_qwen3_clone_is_ready_at_once_and_warns_when_degraded(
    http: aiohttp.ClientSession, simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    voice = await studio.clone(VC, "Kitchen_1", RECORDING, transcript=SPOKEN, language="en")
    assert voice.id.startswith("qwen-tts-vc-Kitchen_1-voice-")
    assert voice.ready
    assert voice.warning is None
    assert (await studio.wait(voice.id)).model == VC  # no query action: found by listing
    assert await speak(http, simulator, VC, voice.id, "Cloned and ready.") == "Cloned and ready."
    simulator.options.clone_fallback = "no_valid_asr_segments"
    degraded = await studio.clone(VC, "second", "https://example.invalid/voice.wav")
    assert degraded.warning is not None
    assert degraded.warning.startswith("The service made a degraded clone (no_valid_asr_segments)")
    listed = await studio.voices(VC)
    assert [v.id for v in listed] == [voice.id, degraded.id]
    assert listed[0].language == "en"
    assert listed[0].name == "Kitchen_1"


async def test_a_transcript_that_does_not_match_is_the_services_refusal(
    simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    with pytest.raises(RecordingError) as err:
        await studio.clone(VC, "kitchen", RECORDING, transcript="Something else entirely.")
    assert err.value.problem == "rejected"
    assert "(Audio.PreprocessError: The text does not match the audio.)" in str(err.value)
    assert simulator.account.voices == {}


async def test_designed_voices_and_their_previews(
    http: aiohttp.ClientSession, simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    designed = await studio.design(VD, "narrator", "A calm, deep voice.", "Good evening.")
    assert designed.voice.id.startswith("qwen-tts-vd-narrator-voice-")
    assert designed.preview is not None
    assert designed.preview_format == "wav"
    assert designed.preview_rate == 24000
    assert decode_wav(designed.preview) == "Good evening."
    assert await speak(http, simulator, VD, designed.voice.id, "Designed.") == "Designed."
    queried = await studio.voice(designed.voice.id)
    assert (queried.model, queried.language) == (VD, "zh")
    cosy = await studio.design(COSY, "bright", "A bright voice.", "Hi.", sample_rate=16000)
    assert cosy.voice.status == "DEPLOYING"
    assert cosy.preview is not None
    assert cosy.preview_rate == 16000
    assert decode_wav(cosy.preview) == "Hi."
    await studio.wait(cosy.voice.id)
    assert await speak(http, simulator, COSY, cosy.voice.id, "Bright.") == "Bright."
    await studio.delete(designed.voice.id)
    assert [v.id for v in await studio.voices()] == [cosy.voice.id]


@pytest.mark.parametrize(
    ("model", "description", "preview", "message"),
    [
        (VD, " ", "Hi.", "The description is empty."),
        (VD, "x" * 2049, "Hi.", f"The description has 2049 characters: at most 2048 for {VD}."),
        (VD, "Calm.", "y" * 1025, f"The preview text has 1025 characters: at most 1024 for {VD}."),
        ("cosyvoice-v2", "Calm.", "Hi.", "cosyvoice-v2 does not take designed voices;"),
    ],
)
async def test_a_design_refused_before_anything_is_sent(
    simulator: QwenSimulator,
    studio: CustomizationClient,
    model: str,
    description: str,
    preview: str,
    message: str,
) -> None:
    with pytest.raises(InvalidParameterError) as err:
        await studio.design(model, "narrator", description, preview)
    assert message in str(err.value)
    assert not simulator.customization.requests


@pytest.mark.parametrize(
    ("model", "name", "message"),
    [
        (
            COSY,
            "Kitchen",
            "Invalid voice name 'Kitchen': this model's voices are named with 1 to "
            "10 lowercase letters and digits (for example 'kitchen').",
        ),
        (COSY, "my-kitchen-voice", "(for example 'mykitchenv')"),
        (VC, "my kitchen", "up to 16 letters, digits and underscores (for example 'my_kitchen')."),
        (
            "qwen3-tts-flash-realtime",
            "kitchen",
            "qwen3-tts-flash-realtime does not take cloned "
            "voices; models that do: qwen3-tts-vc-realtime-2026-01-15",
        ),
        ("cosyvoice-v9", "kitchen", "Unknown model 'cosyvoice-v9'"),
    ],
)
async def test_a_clone_refused_before_anything_is_uploaded(
    simulator: QwenSimulator, studio: CustomizationClient, model: str, name: str, message: str
) -> None:
    with pytest.raises(InvalidParameterError) as err:
        await studio.clone(model, name, RECORDING)
    assert message in str(err.value)
    assert not simulator.customization.requests


async def test_a_bad_recording_is_never_uploaded(
    simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    with pytest.raises(RecordingError) as err:
        await studio.clone(VC, "kitchen", read_recording(wav(rate=16000)))
    assert err.value.problem == "sample_rate"
    with pytest.raises(InvalidParameterError, match="http"):
        await studio.clone(VC, "kitchen", "/home/me/kitchen.wav")
    assert not simulator.customization.requests


async def test_service_refusals_become_errors_to_act_on(
    simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    simulator.options.voice_quota = 1
    await studio.clone(VC, "one", RECORDING)
    with pytest.raises(VoiceQuotaError) as quota:
        await studio.clone(COSY, "two", RECORDING)
    assert quota.value.code == "voice-quota"
    assert not quota.value.transient
    assert "delete one you no longer use (wyoming-qwentts voice delete ID)" in str(quota.value)
    simulator.options.voice_quota = None
    simulator.options.no_customization = frozenset({COSY})
    with pytest.raises(InvalidParameterError) as region:
        await studio.clone(COSY, "two", RECORDING)
    assert region.value.field == "model"
    assert "check that the model takes cloned or designed voices in region 'singapore'" in str(
        region.value
    )
    with pytest.raises(InvalidParameterError, match="Qwen3 voice, which cannot be updated"):
        await studio.update("qwen-tts-vc-one-voice-1-ab", RECORDING)
    with pytest.raises(InvalidParameterError) as unknown:
        await studio.delete(f"{COSY}-gone-0123")
    assert unknown.value.code == "invalid-voice"


async def test_a_wrong_key(http: aiohttp.ClientSession, simulator: QwenSimulator) -> None:
    studio = CustomizationClient(http, "sk-wrong", url=simulator.url, region="beijing")
    with pytest.raises(AuthenticationError, match="in region 'beijing'"):
        await studio.voices()
    assert "sk-wrong" not in repr(studio)
    with pytest.raises(ValueError, match="An API key is required"):
        CustomizationClient(http, "", url=simulator.url)


async def test_listing_reads_every_page(
    simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    made = [(await studio.clone(COSY, f"v{index}", RECORDING)).id for index in range(12)]
    made += [(await studio.clone(VC, f"v{index}", RECORDING)).id for index in range(11)]
    assert [voice.id for voice in await studio.voices()] == made
    assert len(await studio.voices(VC)) == 11 > PAGE_SIZE
    assert await studio.voices(VD) == ()


async def test_an_unreachable_or_silent_service(
    http: aiohttp.ClientSession, silent_port: int
) -> None:
    silent = CustomizationClient(http, API_KEY, url=f"ws://127.0.0.1:{silent_port}", timeout=0.2)
    with pytest.raises(QwenTimeoutError) as err:
        await silent.voices()
    assert err.value.phase == "customization"
    assert str(err.value) == "Timed out after 0.2 s waiting for the voice customization API."
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    gone = CustomizationClient(http, API_KEY, url=f"ws://127.0.0.1:{port}")
    with pytest.raises(ConnectError, match=f"Cannot connect to 127.0.0.1:{port}"):
        await gone.voices()


async def test_account_voices_are_read_at_most_every_max_age(
    simulator: QwenSimulator, studio: CustomizationClient, caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    account = AccountVoices(studio, [VC, COSY], max_age=30.0, clock=lambda: now[0])
    assert await account.refresh() == ()
    first = await studio.clone(VC, "one", RECORDING)
    simulator.options.voice_deploy_delay = 60.0
    deploying = await studio.clone(COSY, "two", RECORDING)
    await studio.design(VD, "other", "Calm.", "Hi.")  # another model's: never listed
    now[0] = 29.0
    assert await account.refresh() == ()  # the cached list stands
    now[0] = 30.0
    assert [voice.id for voice in await account.refresh()] == [first.id]  # ready ones only
    assert account.model_of(first.id) == VC
    assert account.model_of(deploying.id) is None
    simulator.options.api_key = "sk-rotated"
    caplog.set_level(logging.INFO, "wyoming_qwentts.enrollment")
    for moment in (60.0, 90.0):
        now[0] = moment
        assert [voice.id for voice in await account.refresh()] == [first.id]  # the last list
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # logged once while it fails
    assert "Cannot list the account's voices" in warnings[0].getMessage()
    assert "keeping the 1 known" in warnings[0].getMessage()
    assert API_KEY not in caplog.text
    assert "sk-rotated" not in caplog.text
    simulator.options.api_key = API_KEY
    now[0] = 120.0
    await account.refresh()
    assert "Listing the account's voices works again" in caplog.text
