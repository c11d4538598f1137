"""Home Assistant's own Wyoming integration (in each real ``hass``: 2026.2.3 and the newest)
speaking through one server with the voices of four models: Qwen3 realtime, CosyVoice,
Qwen-Audio, and Qwen3 VC with a voice cloned beforehand (the integration sends only voices the
server lists). From 2026.3 the integration re-reads the server's Info every 30 s and turns an
``error`` event into an error with its text and code: a voice cloned while it runs reaches
its voice list, and an error reaches its log as we wrote it."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from tests.recordings import wav
from wyoming_qwentts.core.pcm import WAV_HEADER_SIZE, parse_wav_header
from wyoming_qwentts.enrollment import CustomizationClient, read_recording
from wyoming_qwentts.simulator import decode

from .real_ha import RealHomeAssistant, assert_clean_log

pytestmark = pytest.mark.timeout(600)

VC = "qwen3-tts-vc-realtime-2026-01-15"
MODELS = ("qwen3-tts-flash-realtime", "cosyvoice-v3-flash", "qwen-audio-3.0-tts-flash", VC)
READY = re.compile(rb"Ready: .* on tcp://127\.0\.0\.1:(\d+)")
KEY = "sk-e2e-wyoming"


async def _process(*args: str, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGTERM)
    await asyncio.wait_for(process.wait(), 30)


MAX_TEXT = 80
"""The server's --max-text-length here: a longer message ends with its ``text-too-long``."""


@dataclass
class Served:
    """Our Wyoming server on the simulator (each a process of its own)."""

    port: int
    cloned: str
    """A Qwen3 VC voice cloned before the server started."""
    studio: CustomizationClient
    """The account's voice enrollment, to clone more while it runs."""


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    """Our Wyoming server, serving four models from the simulator, where a Qwen3 VC voice
    was cloned first; it reads the account's voices again at a Describe a second later."""
    simulator = await _process("wyoming_qwentts.simulator", "--api-key", KEY)
    assert simulator.stdout is not None
    try:
        url = (await simulator.stdout.readline()).decode().strip()
        async with aiohttp.ClientSession() as http:
            studio = CustomizationClient(http, KEY, url=url)
            cloned = await studio.clone(VC, "porch", read_recording(wav()), language="en")
            args = [arg for model in MODELS for arg in ("--model", model)]
            env = {**os.environ, "DASHSCOPE_API_KEY": KEY}
            server = await _process(
                "wyoming_qwentts", "--url", url, "--uri", "tcp://127.0.0.1:0", *args,
                "--max-text-length", str(MAX_TEXT), "--voice-list-max-age", "1", env=env,
            )  # fmt: skip
            assert server.stderr is not None
            try:
                while (match := READY.search(await server.stderr.readline())) is None:
                    pass
                yield Served(int(match.group(1)), cloned.id, studio)
            finally:
                await _stop(server)
    finally:
        await _stop(simulator)


async def _add_server(ha: RealHomeAssistant, http: aiohttp.ClientSession, port: int) -> str:
    """Home Assistant's Wyoming config flow for our server; its TTS entity."""
    _, form = await ha.call(
        http, "POST", "/api/config/config_entries/flow", json={"handler": "wyoming"}
    )
    _, created = await ha.call(
        http, "POST", f"/api/config/config_entries/flow/{form['flow_id']}",
        json={"host": "127.0.0.1", "port": port},
    )  # fmt: skip
    assert created["type"] == "create_entry", created
    assert (await ha.entry_settled(http, "wyoming"))["state"] == "loaded"
    _, states = await ha.call(http, "GET", "/api/states")
    (engine,) = [
        s["entity_id"]
        for s in states
        if s["entity_id"].startswith("tts.") and "qwen" in s["entity_id"]
    ]
    return str(engine)


async def _speak(
    ha: RealHomeAssistant, http: aiohttp.ClientSession, engine: str, voice: str, message: str
) -> tuple[int, bytes]:
    """A message spoken through the TTS entity as a dashboard fetches it: status and WAV."""
    status, answer = await ha.call(
        http, "POST", "/api/tts_get_url",
        json={"engine_id": engine, "message": message,
              "options": {"voice": voice, "preferred_format": "wav"}},
    )  # fmt: skip
    assert status == 200, answer
    async with http.get(ha.url + answer["path"]) as response:
        return response.status, await response.read()


async def test_home_assistants_wyoming_integration_speaks_every_model(
    hass: RealHomeAssistant, served: Served
) -> None:
    ha = hass
    async with aiohttp.ClientSession() as http:
        await ha.start()
        await ha.onboard(http)
        engine = await _add_server(ha, http, served.port)
        for voice in ("Ethan", "longanyang", "longanlufeng", served.cloned):
            message = f"Home Assistant asks {voice}. It answers."
            status, audio = await _speak(ha, http, engine, voice, message)
            assert status == 200
            # Home Assistant streams the WAV: its header gives no length (0), the PCM follows.
            assert parse_wav_header(audio)[0] == 24000
            assert decode(audio[WAV_HEADER_SIZE:]) == message
        if await ha.version(http) >= (2026, 3):
            await _an_error_and_a_new_voice(ha, http, engine, served)
        assert await ha.stop() == 0
    # Home Assistant logs the error it was given for the text that was too long, as it is.
    assert_clean_log(ha.log(), caused=("(code: text-too-long)",))


async def _an_error_and_a_new_voice(
    ha: RealHomeAssistant, http: aiohttp.ClientSession, engine: str, served: Served
) -> None:
    """What the newest Wyoming integration does with our server: our error's text and code
    reach its log; a voice cloned now reaches its voice list at its next Info refresh."""
    status, audio = await _speak(ha, http, engine, "Ethan", "Too long. " * (MAX_TEXT // 5))
    assert status != 200 or len(audio) <= WAV_HEADER_SIZE, "a refused text gave audio"
    log = await ha.logged(f"The text is longer than the limit of {MAX_TEXT} characters.")
    assert "text-too-long" in log
    fresh = await served.studio.clone(VC, "hall", read_recording(wav()), language="en")
    async with asyncio.timeout(90):  # its refresh is every 30 s, ours at a Describe
        # Home Assistant announces no change of a voice list: its state is read once a second.
        while fresh.id not in await _voices(ha, http, engine):  # noqa: ASYNC110
            await asyncio.sleep(1)
    status, audio = await _speak(ha, http, engine, fresh.id, "A voice made a moment ago.")
    assert status == 200
    assert decode(audio[WAV_HEADER_SIZE:]) == "A voice made a moment ago."


async def _voices(ha: RealHomeAssistant, http: aiohttp.ClientSession, engine: str) -> set[str]:
    answer = await ha.websocket(
        http, {"type": "tts/engine/voices", "engine_id": engine, "language": "en"}
    )
    return {voice["voice_id"] for voice in answer["result"]["voices"]}
