"""Scenario 1b: the Home Assistant entity path in-process (run with .venv-ha's Python).

``python bench/ha_entity.py '[1, 10, 100]' ROUNDS PACE MODEL`` prints one JSON line: per level, the
p50/p95/p99 of (first text chunk → first PCM bytes of the WAV stream) minus the simulator's
own (first text → first delta), in milliseconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent))  # custom_components/
sys.path.insert(0, str(Path(__file__).parent))

from homeassistant import loader
from homeassistant.components import tts
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import CONF_API_KEY
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)
from stats import percentiles

from custom_components.qwen_tts.const import (
    CONF_MODEL,
    CONF_REGION,
    CONF_URL,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from wyoming_qwentts import catalog
from wyoming_qwentts.simulator import QwenSimulator

TITLE = "Qwen TTS Bench"
ENTITY = "tts.qwen_tts_bench_speech"
"""The voice subentry's title, and so its entity."""
SENTENCE = "The quick brown fox jumps over the lazy dog. "


async def one(hass: Any, tag: str) -> tuple[str, float]:
    first = f"Entity {tag} says hello. "
    sent: list[float] = []

    async def chunks() -> AsyncGenerator[str]:
        sent.append(time.monotonic())
        yield first
        for i in range(0, len(SENTENCE), 12):
            yield SENTENCE[i : i + 12]

    result = tts.async_create_stream(hass, ENTITY, None, {tts.ATTR_PREFERRED_FORMAT: "wav"})
    result.async_set_message_stream(chunks())
    received = 0
    first_audio = 0.0
    async for data in result.async_stream_result():
        received += len(data)
        if received > 44 and not first_audio:
            first_audio = time.monotonic()
    return first, first_audio - sent[0]


async def main(levels: list[int], rounds: int, pace: float, model_id: str) -> None:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as config_dir:
        async with async_test_home_assistant(config_dir=config_dir) as hass, QwenSimulator() as sim:
            sim.options.api_key = "sk-bench"
            sim.options.real_time_factor = 0.5 * pace  # as in scenario 1
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)  # find custom_components/
            assert await async_setup_component(hass, "homeassistant", {})
            for level in levels:
                voice = {
                    **DEFAULT_OPTIONS,
                    CONF_MODEL: model_id,
                    CONF_VOICE: catalog.MODELS[model_id].default_voice,
                    CONF_WARM_CONNECTIONS: min(level, 4),
                }
                entry = MockConfigEntry(
                    domain=DOMAIN,
                    version=2,
                    data={CONF_API_KEY: "sk-bench", CONF_REGION: "singapore", CONF_URL: sim.url},
                    subentries_data=[
                        ConfigSubentryData(
                            data=voice, subentry_type=SUBENTRY_VOICE, title=TITLE, unique_id=None
                        )
                    ],
                )
                entry.add_to_hass(hass)
                assert await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                overheads: list[float] = []
                for round_ in range(rounds + 1):
                    timed = await asyncio.gather(
                        *(one(hass, f"{level}-{round_}-{i}") for i in range(level))
                    )
                    if round_ == 0:
                        continue
                    own = {
                        text.split(" says")[0]: first_audio - first_text
                        for s in sim.sessions
                        for text, first_text, first_audio in s.firsts()
                    }
                    overheads += [ttfa - own[first.split(" says")[0]] for first, ttfa in timed]
                results[str(level)] = percentiles(overheads)
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.config_entries.async_remove(entry.entry_id)
            await hass.async_stop(force=True)
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]))
