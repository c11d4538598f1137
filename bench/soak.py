"""Load, soak and shutdown runs against the server in its own process (README "Soak").

    python bench/soak.py load      500 concurrent streams for 60 s, every one decoded
    python bench/soak.py soak      10 minutes (--minutes) at 50 streams, 5 % chaos; memory slope
    python bench/soak.py sigterm   SIGTERM with 100 streams in flight
    python bench/soak.py hostile   5 minutes of 20 streams beside hostile clients (bench/hostile.py)
    python bench/soak.py all --short   seconds-long versions of all four (used by the tests)

Prints one JSON object per run and exits 1 if any stream was lost, repeated beyond one
restarted segment, or not ended cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import hostile
from harness import server, simulator
from wyoming.audio import AudioChunk
from wyoming.client import AsyncTcpClient
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
)

from wyoming_qwentts.core import eventloop
from wyoming_qwentts.core.sentences import SentenceSplitter
from wyoming_qwentts.simulator import decode
from wyoming_qwentts.simulator.voice import is_resumed

TEXT = "Stream {n}: the garage door is open, please close it. Thank you, good night."


def segments(text: str) -> list[str]:
    segmenter = SentenceSplitter(first_cut=12)
    return [s for s in (*segmenter.feed(text), segmenter.flush()) if s]


async def one(port: int, n: int, heard: asyncio.Event | None = None) -> str:
    """One streamed request: ``exact``, ``resumed``, ``error`` (clean) or ``broken``.

    ``heard`` is set at its first audio.
    """
    text = TEXT.format(n=n)
    audio = bytearray()
    kinds: list[str] = []
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(SynthesizeStart().event())
        for i in range(0, len(text), 7):
            await client.write_event(SynthesizeChunk(text=text[i : i + 7]).event())
        await client.write_event(Synthesize(text=text).event())
        await client.write_event(SynthesizeStop().event())
        while True:
            event = await asyncio.wait_for(client.read_event(), 60)
            if event is None:
                return "broken"
            kinds.append(event.type)
            if event.type == "audio-chunk":
                audio += AudioChunk.from_event(event).audio
                if heard is not None:
                    heard.set()
            elif event.type == "synthesize-stopped":
                break
    if "error" in kinds:
        return "error" if kinds[-2:] == ["audio-stop", "synthesize-stopped"] else "broken"
    spoken = decode(bytes(audio))
    if spoken == text:
        return "exact"
    return "resumed" if is_resumed(spoken, segments(text), restarts=3) else "broken"


async def worker(port: int, first: int, until: float, outcomes: list[str]) -> None:
    n = first
    while time.monotonic() < until:
        outcomes.append(await one(port, n))
        n += 100_000


def summary(name: str, outcomes: list[str], **extra: Any) -> dict[str, Any]:
    counts = {kind: outcomes.count(kind) for kind in ("exact", "resumed", "error", "broken")}
    return {"run": name, "requests": len(outcomes), **counts, **extra}


async def load(streams: int, seconds: float) -> dict[str, Any]:
    outcomes: list[str] = []
    async with simulator(real_time_factor=0.5) as sim, server(sim.url) as srv:
        until = time.monotonic() + seconds
        await asyncio.gather(*(worker(srv.port, i, until, outcomes) for i in range(streams)))
    return summary("load", outcomes, streams=streams, seconds=seconds)


async def soak(streams: int, seconds: float, chaos: float) -> dict[str, Any]:
    outcomes: list[str] = []
    samples: list[tuple[float, int]] = []
    async with (
        simulator(chaos_rate=chaos, chaos_seed=1, real_time_factor=0.5) as sim,
        server(sim.url) as srv,
    ):
        started = time.monotonic()
        until = started + seconds
        workers = asyncio.gather(*(worker(srv.port, i, until, outcomes) for i in range(streams)))
        while not workers.done():
            samples.append((time.monotonic() - started, srv.rss_kb()))
            await asyncio.wait({workers}, timeout=max(1.0, seconds / 30))
        await workers
    slope = _slope(samples[len(samples) // 3 :])  # after warm-up
    return summary("soak", outcomes, streams=streams, seconds=seconds, chaos=chaos,
                   rss_kb_first=samples[0][1], rss_kb_last=samples[-1][1],
                   rss_slope_kb_per_min=slope)  # fmt: skip


def _slope(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of RSS over time, in KB per minute."""
    if len(samples) < 2:
        return 0.0
    mean_t = sum(t for t, _ in samples) / len(samples)
    mean_r = sum(r for _, r in samples) / len(samples)
    num = sum((t - mean_t) * (r - mean_r) for t, r in samples)
    den = sum((t - mean_t) ** 2 for t, _ in samples) or 1.0
    return 60 * num / den


async def sigterm(streams: int, grace: float) -> dict[str, Any]:
    async with (
        simulator(real_time_factor=1.0) as sim,
        server(sim.url, "--shutdown-grace", str(grace)) as srv,
    ):
        heard = [asyncio.Event() for _ in range(streams)]
        requests = [asyncio.create_task(one(srv.port, n, heard[n])) for n in range(streams)]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in heard)), 60)  # all in flight
        stopped_at = time.monotonic()
        srv.process.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(srv.process.wait(), grace + 30)
        stopped_in = time.monotonic() - stopped_at
        outcomes = [
            o if isinstance(o, str) else "broken"
            for o in await asyncio.gather(*requests, return_exceptions=True)
        ]
    return summary("sigterm", outcomes, exit_code=exit_code, grace=grace,
                   stopped_in_s=round(stopped_in, 2))  # fmt: skip


async def main(run: str, short: bool, minutes: float = 10) -> int:
    results = []
    if run in ("load", "all"):
        results.append(await load(20, 3) if short else await load(500, 60))
    if run in ("soak", "all"):
        results.append(await soak(10, 4, 0.3) if short else await soak(50, 60 * minutes, 0.05))
    if run in ("sigterm", "all"):
        results.append(await sigterm(10, 10) if short else await sigterm(100, 10))
    if run in ("hostile", "all"):
        normal, seconds = (4, 6.0) if short else (20, 300.0)
        results.append(await hostile.hostile(normal, seconds, one, summary, _slope))
    failed = False
    for result in results:
        print(json.dumps(result))
        failed |= result["broken"] > 0 or result.get("exit_code", 0) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", choices=("load", "soak", "sigterm", "hostile", "all"))
    parser.add_argument("--short", action="store_true", help="seconds instead of minutes")
    parser.add_argument("--minutes", type=float, default=10, help="length of the soak run")
    args = parser.parse_args()
    sys.exit(eventloop.run(main(args.run, args.short, args.minutes)))
