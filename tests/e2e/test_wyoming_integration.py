"""Home Assistant's own Wyoming integration (in the real ``hass`` 2026.2.3) speaking through
one server with the voices of three models: Qwen3 realtime, CosyVoice and Qwen-Audio."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest

from wyoming_qwentts.core.pcm import WAV_HEADER_SIZE, parse_wav_header
from wyoming_qwentts.simulator import decode

from .real_ha import RealHomeAssistant

pytestmark = pytest.mark.timeout(600)

MODELS = ("qwen3-tts-flash-realtime", "cosyvoice-v3-flash", "qwen-audio-3.0-tts-flash")
READY = re.compile(rb"Ready: .* on tcp://127\.0\.0\.1:(\d+)")


@pytest.fixture
async def wyoming_port() -> AsyncIterator[int]:
    """Our Wyoming server, serving the three models from the bundled simulator."""
    args = [arg for model in MODELS for arg in ("--model", model)]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts", "--simulate", "--uri", "tcp://127.0.0.1:0",
        *args, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    try:
        while (match := READY.search(await process.stderr.readline())) is None:
            pass
        yield int(match.group(1))
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


async def test_home_assistants_wyoming_integration_speaks_every_model(
    hass: RealHomeAssistant, wyoming_port: int
) -> None:
    ha = hass
    async with aiohttp.ClientSession() as http:
        await ha.start()
        await ha.onboard(http)
        _, form = await ha.call(
            http, "POST", "/api/config/config_entries/flow", json={"handler": "wyoming"}
        )
        _, created = await ha.call(
            http, "POST", f"/api/config/config_entries/flow/{form['flow_id']}",
            json={"host": "127.0.0.1", "port": wyoming_port},
        )  # fmt: skip
        assert created["type"] == "create_entry", created
        assert (await ha.entry_settled(http, "wyoming"))["state"] == "loaded"
        _, states = await ha.call(http, "GET", "/api/states")
        (engine,) = [
            s["entity_id"]
            for s in states
            if s["entity_id"].startswith("tts.") and "qwen" in s["entity_id"]
        ]
        for voice in ("Ethan", "longanyang", "longanlufeng"):
            message = f"Home Assistant asks {voice}. It answers."
            status, answer = await ha.call(
                http, "POST", "/api/tts_get_url",
                json={"engine_id": engine, "message": message,
                      "options": {"voice": voice, "preferred_format": "wav"}},
            )  # fmt: skip
            assert status == 200, answer
            async with http.get(ha.url + answer["path"]) as response:
                assert response.status == 200
                wav = await response.read()
            # Home Assistant streams the WAV: its header gives no length (0), the PCM follows.
            assert parse_wav_header(wav)[0] == 24000
            assert decode(wav[WAV_HEADER_SIZE:]) == message
        assert await ha.stop() == 0
