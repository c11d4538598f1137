"""Scenarios 1 and 2: the bridge's own latency (1), the Home Assistant entity path (1b), time
to first audio with and without warm connections (2) and per segmentation (2b)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
from harness import KEY, after, server, simulator, simulator_times, stream, tag_of, unique_chunks
from stats import percentiles

from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.realtime import QwenRealtimeClient


async def bridge_overhead(
    levels: list[int], rounds: int, pace: float, model: str | None = None
) -> dict[str, Any]:
    """Scenario 1: first text to first audio through the bridge, minus the simulator's own.

    The simulator paces audio at twice real time, as a real service streams it: an upstream
    that floods every stream's audio at once would measure the flood, not the bridge. The
    figure includes both socket hops and the waits of three busy processes for two cores;
    ``in_server`` is the part spent inside the server (its ``--debug`` timing). ``model``:
    another model than the default (an inference one: 6d).
    """
    results: dict[str, Any] = {}
    flags = ["--model", model] if model else []
    async with simulator(real_time_factor=0.5 * pace) as sim:
        for level in levels:
            async with server(sim.url, "--warm-connections", "1", "--debug",
                              "--warm-connections-max", str(level), *flags) as srv:  # fmt: skip
                overheads: list[float] = []
                for round_ in range(rounds + 1):  # round 0 warms the pool up to the level
                    if round_ == 1:
                        srv.bridge_times.clear()
                    chunks = [unique_chunks(f"{level}-{round_}-{i}", 2) for i in range(level)]
                    requests = [after(i / level, stream(srv.port, c)) for i, c in enumerate(chunks)]
                    streams = await asyncio.gather(*requests)
                    await asyncio.sleep(0.3)  # the pool topped up: requests come apart
                    if round_ == 0:
                        continue
                    own = await simulator_times(sim, [r.first_text for r in streams])
                    overheads += [r.ttfa - own[tag_of(r.first_text)] for r in streams]
                results[str(level)] = percentiles(overheads)
                results[str(level)]["in_server"] = percentiles(srv.bridge_times)
    return results


async def harness_floor(level: int, rounds: int, pace: float) -> dict[str, Any]:
    """Scenario 1 without the bridge: the load generator speaks to the simulator directly.

    First text sent to first audio received, minus the simulator's own time, at the same
    concurrency and pacing: what the two processes of the harness add by themselves, with
    one socket hop each way where the bridge has two.
    """
    overheads: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with (
        simulator(real_time_factor=0.5 * pace) as sim,
        aiohttp.ClientSession(connector=connector) as http,
    ):
        client = QwenRealtimeClient(http, KEY, url=sim.url)
        for round_ in range(rounds + 1):
            texts = ["".join(unique_chunks(f"floor-{round_}-{i}", 2)) for i in range(level)]
            ttfas = await asyncio.gather(
                *(after(i / level, _direct(client, text)) for i, text in enumerate(texts))
            )
            await asyncio.sleep(0.3)
            if round_:
                own = await simulator_times(sim, texts)
                pairs = zip(texts, ttfas, strict=True)
                overheads += [ttfa - own[tag_of(text)] for text, ttfa in pairs]
    return percentiles(overheads)


async def _direct(client: QwenRealtimeClient, text: str) -> float:
    """One request straight to the simulator, cut and committed as the bridge does."""
    first, rest = text.split(". ", 1)
    async with await client.open_session(SpeechParams()) as session:
        sent = time.monotonic()
        await session.append(first + ". ")
        await session.commit()
        await session.append(rest)
        await session.commit()
        await session.finish()
        ttfa = None
        async for _ in session:
            ttfa = ttfa or time.monotonic() - sent
    assert ttfa is not None
    return ttfa


def ha_entity_path(
    levels: list[int], rounds: int, pace: float, model: str = "qwen3-tts-flash-realtime"
) -> dict[str, Any] | str:
    """Scenario 1b: the Home Assistant entity path, in-process (needs .venv-ha)."""
    python = Path(__file__).parent.parent / ".venv-ha" / "bin" / "python"
    if not python.exists():
        return "skipped: .venv-ha not found (run script/setup --all)"
    script = Path(__file__).parent / "ha_entity.py"
    done = subprocess.run(
        [str(python), str(script), json.dumps(levels), str(rounds), str(pace), model],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if done.returncode:
        return f"failed: {done.stderr.strip().splitlines()[-1:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


async def handshake_hiding(requests: int, model: str | None = None) -> dict[str, Any]:
    """Scenario 2: a 150 ms handshake, with and without warm connections (``model``: another
    model than the default, an inference one in 6d)."""
    results: dict[str, Any] = {}
    cases = [("no handshake delay", 0.0, "1"), ("cold, 150 ms handshake", 0.15, "0"),
             ("warm, 150 ms handshake", 0.15, "1")]  # fmt: skip
    flags = ["--model", model] if model else []
    for name, delay, warm in cases:
        async with (
            simulator(handshake_delay=delay) as sim,
            server(sim.url, "--warm-connections", warm, *flags) as srv,
        ):
            ttfas = []
            for i in range(requests + 1):
                result = await stream(srv.port, unique_chunks(f"hs-{i}"))
                if i:
                    ttfas.append(result.ttfa)
                await asyncio.sleep(0.3)  # requests arrive apart, as in a home
            results[name] = percentiles(ttfas)
    return results


LLM_REPLY = (
    "Sure, I checked the house for you. The garage door is open, the back door is locked, "
    "and all the lights upstairs are off. Would you like me to close the garage door?"
)


async def _llm_paced(port: int, tag: str) -> float:
    """TTFA of a reply streamed as an LLM writes it: 6 characters every 30 ms."""
    text = f"{tag}: {LLM_REPLY}"
    chunks = [text[i : i + 6] for i in range(0, len(text), 6)]
    result = await stream(port, chunks, pace=0.03)
    return result.ttfa


async def segmentation_ttfa(requests: int, pace: float) -> dict[str, Any]:
    """Scenario 2b: time to first audio of an LLM-paced reply, per segmentation."""
    results: dict[str, Any] = {}
    async with simulator(real_time_factor=0.5 * pace) as sim:
        for mode in ("server", "client"):
            async with server(sim.url, "--segmentation", mode) as srv:
                ttfas = []
                for i in range(requests + 1):
                    ttfa = await _llm_paced(srv.port, f"{mode} {i}")
                    if i:
                        ttfas.append(ttfa)
                    await asyncio.sleep(0.2)
                results[mode] = percentiles(ttfas)
    return results
