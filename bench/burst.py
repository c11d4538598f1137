"""Scenario 7: bursts — N requests at the same moment (an announcement to every satellite of
a house), through the server with its defaults, against N bare clients that each connect and
speak the protocol themselves, same simulator (first audio 200 ms), same run; the server on a
core of its own where the machine has two.

Each server figure is of bursts that follow one of the same size (what the warm pool could
learn), alternating with bare ones; a bare client always connects cold. p99 of the time from
the first text to the first audio, over every request of every round.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import inference
from harness import KEY, server, simulator, stream, unique_chunks
from stats import percentiles

from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.speech import Speaker, single_text

MODELS = {"realtime": catalog.DEFAULT_MODEL, "inference": inference.MODEL}
FIRST_AUDIO_DELAY = 0.2
SERVER_CORE = 1
"""The core the server is pinned to (the load generator and the simulator share the other)."""


async def _bare(http: aiohttp.ClientSession, url: str, model: str, text: str) -> float:
    """One cold request straight to the simulator: connect, speak, first audio."""
    client = protocols.client_for(http, KEY, catalog.get_model(model), url=url)
    started = time.monotonic()
    speaker = Speaker(client, SpeechParams())
    chunks = speaker.speak(single_text(text))
    try:
        await anext(chunks)
        first = time.monotonic() - started
        async for _ in chunks:
            pass
    finally:
        await chunks.aclose()
    return first


async def _through_server(port: int, size: int, tag: str) -> list[float]:
    results = await asyncio.gather(
        *(stream(port, unique_chunks(f"{tag}-{i}")) for i in range(size))
    )
    return [result.ttfa for result in results]


async def burst(sizes: list[int], handshakes: list[float], rounds: int = 1) -> dict[str, Any]:
    """p99 through the server (its defaults) and bare, per protocol, handshake
    delay and burst size, over ``rounds`` bursts of each (a burst's tail on a shared 2-core
    machine varies from one to the next)."""
    results: dict[str, Any] = {}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        for protocol, model in MODELS.items():
            for handshake in handshakes:
                knobs = {"first_audio_delay": FIRST_AUDIO_DELAY, "handshake_delay": handshake}
                async with (
                    simulator(**knobs) as sim,
                    server(sim.url, "--model", model, core=SERVER_CORE) as srv,
                ):
                    for size in sizes:
                        ours, bare = await _rounds(http, sim.url, srv.port, model, size, rounds)
                        mine, theirs = percentiles(ours), percentiles(bare)
                        key = [protocol, f"{handshake * 1000:.0f}", "ms", f"{size}"]
                        results[" ".join(key)] = {
                            "server": mine,
                            "bare": theirs,
                            "ratio": mine["p99"] / theirs["p99"],
                        }
    return results


async def _rounds(
    http: aiohttp.ClientSession, url: str, port: int, model: str, size: int, rounds: int
) -> tuple[list[float], list[float]]:
    """First audio of ``rounds`` bursts through the server, each after one of its size (the
    first after one to learn from), alternating with as many bursts of bare clients."""
    await _through_server(port, size, f"seen-{size}")
    ours: list[float] = []
    bare: list[float] = []
    for round_ in range(rounds):
        await asyncio.sleep(0.5)  # the pool tops up between bursts
        ours += await _through_server(port, size, f"b{round_}-{size}")
        await asyncio.sleep(0.5)
        texts = ["".join(unique_chunks(f"bare{round_}-{size}-{i}")) for i in range(size)]
        bare += await asyncio.gather(*(_bare(http, url, model, text) for text in texts))
    return ours, bare


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The table's rows: p99 server / bare, and the ratio against its target."""
    out = []
    for key, figures in results.items():
        protocol, handshake, _, size = key.split()
        target = (
            "<= 1.05 x bare"
            if handshake == "0"
            else ("<= 0.7 x bare" if int(size) <= 10 else "<= 1.0 x bare")
        )
        value = (
            f"{figures['server']['p99']:.0f}/{figures['bare']['p99']:.0f} ms "
            f"({figures['ratio']:.2f})"
        )
        out.append((f"7. burst, {protocol}, {handshake} ms handshake, {size} at once (p99)",
                    value, target))  # fmt: skip
    return out
