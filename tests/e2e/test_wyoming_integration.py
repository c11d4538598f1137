"""Home Assistant's own Wyoming integration (in the real ``hass`` 2026.2.3) speaking through
one server with the voices of four models: Qwen3 realtime, CosyVoice, Qwen-Audio, and Qwen3
VC with a voice cloned beforehand (the integration sends only voices the server lists)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.recordings import wav
from wyoming_qwentts.core.pcm import WAV_HEADER_SIZE, parse_wav_header
from wyoming_qwentts.enrollment import CustomizationClient, read_recording
from wyoming_qwentts.simulator import decode

from .real_ha import RealHomeAssistant

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


@pytest.fixture
async def wyoming_port() -> AsyncIterator[tuple[int, str]]:
    """Our Wyoming server, serving four models from the simulator (a process of its own),
    where a Qwen3 VC voice was cloned first; yields the port and the cloned voice's id."""
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
            "wyoming_qwentts", "--url", url, "--uri", "tcp://127.0.0.1:0", *args, env=env
        )
        assert server.stderr is not None
        try:
            while (match := READY.search(await server.stderr.readline())) is None:
                pass
            yield int(match.group(1)), cloned.id
        finally:
            await _stop(server)
    finally:
        await _stop(simulator)


async def test_home_assistants_wyoming_integration_speaks_every_model(
    hass: RealHomeAssistant, wyoming_port: tuple[int, str]
) -> None:
    ha = hass
    port, cloned = wyoming_port
    async with aiohttp.ClientSession() as http:
        await ha.start()
        await ha.onboard(http)
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
        for voice in ("Ethan", "longanyang", "longanlufeng", cloned):
            message = f"Home Assistant asks {voice}. It answers."
            status, answer = await ha.call(
                http, "POST", "/api/tts_get_url",
                json={"engine_id": engine, "message": message,
                      "options": {"voice": voice, "preferred_format": "wav"}},
            )  # fmt: skip
            assert status == 200, answer
            async with http.get(ha.url + answer["path"]) as response:
                assert response.status == 200
                audio = await response.read()
            # Home Assistant streams the WAV: its header gives no length (0), the PCM follows.
            assert parse_wav_header(audio)[0] == 24000
            assert decode(audio[WAV_HEADER_SIZE:]) == message
        assert await ha.stop() == 0
