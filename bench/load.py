"""Scenarios 3 to 5: relay CPU beside the vendor SDK (3), the real-time streams held (4), and
memory per active stream and per warm connection (5)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import harness
from harness import KEY, after, server, simulator, stream, unique_chunks


def texts(count: int, sentences: int) -> list[list[str]]:
    return [unique_chunks(f"cpu-{i}", sentences) for i in range(count)]


async def relay_cpu(concurrency: int, sentences: int) -> dict[str, Any]:
    """Scenario 3: CPU of the server per second of audio, and the vendor SDK doing the same."""
    script = str(Path(__file__).parent / "sdk_load.py")
    return await harness.relay_cpu(
        texts(concurrency, sentences), [], [script, "{url}", KEY, str(concurrency)]
    )


async def capacity(levels: list[int], sentences: int, pace: float) -> dict[str, Any]:
    """Scenario 4: ramp concurrent streams until one falls behind real time."""
    tolerance = 0.3
    rows = []
    held = 0
    async with (
        simulator(real_time_factor=0.8 * pace) as sim,
        server(sim.url, "--warm-connections", "0") as srv,
    ):
        for level in levels:
            started = len(sim.sessions())
            chunks = [unique_chunks(f"cap-{level}-{i}", sentences) for i in range(level)]
            streams = await asyncio.gather(
                *(after(2 * i / level, stream(srv.port, c))
                  for i, c in enumerate(chunks)),  # started over 2 s, then all overlap
                return_exceptions=True,
            )  # fmt: skip
            failed = [s for s in streams if isinstance(s, BaseException)]
            ok = [s for s in streams if not isinstance(s, BaseException)]
            await asyncio.sleep(0.2)
            upstream_lag = max((s["pacing_lag"] for s in sim.sessions()[started:]), default=0.0)
            worst = max((s.behind(tolerance) for s in ok), default=float("inf"))
            rows.append({"streams": level, "failed": len(failed), "worst_behind_s": worst,
                         "simulator_lag_s": upstream_lag})  # fmt: skip
            if failed or worst > 0:
                break
            held = level
    return {"held": held, "tolerance_s": tolerance, "levels": rows}


async def memory(streams: int, warm: int, settle: float, pace: float) -> dict[str, Any]:
    """Scenario 5: resident memory per active stream and per warm connection."""
    async with simulator(real_time_factor=1.0 * pace) as sim:
        async with server(sim.url, "--warm-connections", "0") as srv:
            await stream(srv.port, ["Warm up the interpreter. "])
            base = srv.rss()
            tasks = [asyncio.create_task(stream(srv.port, unique_chunks(f"mem-{i}", 20)))
                     for i in range(streams)]  # fmt: skip
            await asyncio.sleep(settle)  # every stream is mid-synthesis now (30 s of audio each)
            active = srv.rss()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        async with server(sim.url, "--warm-connections", str(warm),
                          "--warm-connections-max", str(warm)) as srv:  # fmt: skip
            await stream(srv.port, ["Warm up the interpreter. "])
            deadline = time.monotonic() + 30
            while _upstream_sockets(srv) < warm and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.2)  # another process's sockets: nothing to wait on
            pooled = srv.rss()
        async with server(sim.url, "--warm-connections", "0") as srv:
            await stream(srv.port, ["Warm up the interpreter. "])
            unpooled = srv.rss()
    return {
        "kb_per_stream": (active - base) / 1024 / streams,
        "kb_per_warm_connection": (pooled - unpooled) / 1024 / warm,
        "streams": streams,
        "warm_connections": warm,
    }


def _upstream_sockets(srv: Any) -> int:
    return sum(1 for c in srv.ps.net_connections("tcp") if c.raddr and c.status == "ESTABLISHED")
