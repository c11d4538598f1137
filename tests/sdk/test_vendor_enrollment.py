"""The vendor SDK's voice customization (1.x ``VoiceEnrollmentService``, 2.x
``client.audio.voices`` and ``.voice_design``) runs unchanged against the simulator, and the
product's own client reads and speaks what the SDK made (and the other way round)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import dashscope
import pybase64
import pytest
from dashscope.audio.tts_v2 import AudioFormat, SpeechSynthesizer
from dashscope.audio.tts_v2.enrollment import VoiceEnrollmentException, VoiceEnrollmentService
from dashscope.v2 import Client

from tests.recordings import wav
from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.enrollment import CustomizationClient, read_recording
from wyoming_qwentts.simulator import QwenSimulator, decode, decode_wav
from wyoming_qwentts.speech import synthesize

from .conftest import API_KEY

pytestmark = pytest.mark.filterwarnings(
    "ignore:dashscope 2.0 audio API is a preview:FutureWarning"  # the SDK's own notice
)
COSY = "cosyvoice-v3-flash"
VD = "qwen3-tts-vd-realtime-2026-01-15"
VC = "qwen3-tts-vc-realtime-2026-01-15"
DATA_URI = "data:audio/wav;base64," + pybase64.b64encode(wav()).decode()


@pytest.fixture
def http_base(simulator: QwenSimulator, monkeypatch: pytest.MonkeyPatch) -> str:
    """The SDK's HTTP base pointed at the simulator, as a user points it elsewhere."""
    base = simulator.customization_url.removesuffix("/services/audio/tts/customization")
    monkeypatch.setattr(dashscope, "base_http_api_url", base)
    return base


def sdk_speaks(model: str, voice: str, text: str) -> str:
    synthesizer = SpeechSynthesizer(
        model=model, voice=voice, format=AudioFormat.PCM_22050HZ_MONO_16BIT
    )
    return decode(synthesizer.call(text))


def test_the_1x_service_clones_queries_lists_and_deletes(
    simulator: QwenSimulator, http_base: str
) -> None:
    simulator.options.voice_deploy_delay = 0.2
    service = VoiceEnrollmentService()
    voice_id = service.create_voice(target_model=COSY, prefix="sdk", url=DATA_URI)
    assert voice_id.startswith(f"{COSY}-sdk-")
    statuses = [service.query_voice(voice_id)["status"]]
    deadline = time.monotonic() + 10
    while statuses[-1] == "DEPLOYING" and time.monotonic() < deadline:
        statuses.append(service.query_voice(voice_id)["status"])  # the vendor sample's loop
    assert statuses[0] == "DEPLOYING"
    assert statuses[-1] == "OK"
    assert [entry["voice_id"] for entry in service.list_voices()] == [voice_id]
    assert sdk_speaks(COSY, voice_id, "Spoken by my clone.") == "Spoken by my clone."
    service.update_voice(voice_id, DATA_URI)
    service.delete_voice(voice_id)
    assert service.list_voices() == []
    with pytest.raises(VoiceEnrollmentException, match=r"BadRequest\.VoiceNotFound"):
        service.query_voice(voice_id)


def test_the_1x_service_meets_the_services_rules(simulator: QwenSimulator, http_base: str) -> None:
    low = "data:audio/wav;base64," + pybase64.b64encode(wav(rate=8000)).decode()
    with pytest.raises(VoiceEnrollmentException, match=r"Audio\.AudioRateError"):
        VoiceEnrollmentService().create_voice(target_model=COSY, prefix="low", url=low)
    with pytest.raises(VoiceEnrollmentException, match="prefix must be 1-10"):
        VoiceEnrollmentService().create_voice(target_model=COSY, prefix="Bad-Name", url=DATA_URI)
    with pytest.raises(VoiceEnrollmentException, match="InvalidApiKey"):
        VoiceEnrollmentService(api_key="sk-wrong").list_voices()
    assert simulator.account.voices == {}


def test_the_2x_client_clones_and_designs(simulator: QwenSimulator, http_base: str) -> None:
    client = Client(api_key=API_KEY, base_url=http_base)
    made = client.audio.voices.create(target_model=COSY, prefix="two", url=DATA_URI)
    assert made.voice_id is not None
    assert client.audio.voices.get(made.voice_id).status == "OK"
    assert [v["voice_id"] for v in client.audio.voices.list().voices] == [made.voice_id]
    designed = client.audio.voice_design.create(
        target_model=VD,
        voice_prompt="A calm, deep narrator.",
        preview_text="Good evening.",
        preferred_name="sdk",
        parameters={"sample_rate": 24000, "response_format": "wav"},
    )
    assert designed.voice is not None
    assert designed.voice.startswith("qwen-tts-vd-sdk-voice-")
    assert designed.preview_audio is not None
    assert decode_wav(pybase64.b64decode(designed.preview_audio["data"])) == "Good evening."
    assert client.audio.voice_design.get(designed.voice).target_model == VD
    assert [v["voice"] for v in client.audio.voice_design.list().voices] == [designed.voice]
    client.audio.voice_design.delete(designed.voice)
    client.audio.voices.delete(made.voice_id)
    assert client.audio.voices.list().voices == []
    assert client.audio.voice_design.list().voices == []


def test_the_product_and_the_sdk_read_each_others_voices(
    simulator: QwenSimulator, http_base: str
) -> None:
    sdk_voice = VoiceEnrollmentService().create_voice(target_model=COSY, prefix="sdk", url=DATA_URI)

    async def ours() -> tuple[list[str], str, str]:
        async with aiohttp.ClientSession() as http:
            studio = CustomizationClient(http, API_KEY, url=simulator.url)
            listed = [voice.id for voice in await studio.voices(COSY)]
            own = await studio.clone(VC, "product", read_recording(wav()))
            model = catalog.MODELS[COSY]
            client = protocols.client_for(http, API_KEY, model, url=simulator.url)
            spoken = await synthesize(client, "Read by the product.", SpeechParams(voice=sdk_voice))
            return listed, own.id, decode(spoken.audio)

    listed, product_voice, spoken = asyncio.run(ours())
    assert listed == [sdk_voice]
    assert spoken == "Read by the product."
    client = Client(api_key=API_KEY, base_url=http_base)
    made_by_product = client.audio.voice_design.list(model="qwen-voice-enrollment").voices
    assert [v["voice"] for v in made_by_product] == [product_voice]


def test_a_voice_cloned_on_the_command_line_is_in_the_sdks_list(
    simulator: QwenSimulator, http_base: str, tmp_path: Path
) -> None:
    recording = tmp_path / "kitchen.wav"
    recording.write_bytes(wav())
    env = {**os.environ, "DASHSCOPE_API_KEY": API_KEY}
    done = subprocess.run(
        [sys.executable, "-m", "wyoming_qwentts", "voice", "clone", str(recording),
         "--model", VC, "--name", "cli", "--url", simulator.url],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    voice = done.stdout.splitlines()[-1]
    client = Client(api_key=API_KEY, base_url=http_base)
    listed = client.audio.voice_design.list(model="qwen-voice-enrollment").voices
    assert [(v["voice"], v["target_model"]) for v in listed] == [(voice, VC)]
