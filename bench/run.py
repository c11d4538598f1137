"""Benchmark suite: the simulator upstream in its own process, the Wyoming server in another;
scenarios 1-5 on the realtime protocol, 6 on the inference protocol (:mod:`inference`).

    script/bench            the full run (about a quarter of an hour)
    script/bench --smoke    every scenario once, small and fast (part of script/test)

Prints a table with each figure against its target and writes ``bench/results/results.json``
and ``bench/results/latency.png``. Nothing here asserts: the figures are the result.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
import harness
import inference
from harness import KEY, server, simulator, stream
from stats import percentiles

from wyoming_qwentts import eventloop
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.realtime import QwenRealtimeClient

RESULTS = Path(__file__).parent / "results"
SENTENCE = "The quick brown fox jumps over the lazy dog near the riverbank today. "


def unique_chunks(tag: str, sentences: int = 1) -> list[str]:
    """Text split as an LLM streams it; the first chunk is unique, to match simulator figures."""
    text = f"Stream {tag} says hello. " + SENTENCE * sentences
    return [text[:24]] + [text[i : i + 12] for i in range(24, len(text), 12)]


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
                    requests = [
                        _after(i / level, stream(srv.port, c)) for i, c in enumerate(chunks)
                    ]
                    streams = await asyncio.gather(*requests)
                    await asyncio.sleep(0.3)  # the pool topped up: requests come apart
                    if round_ == 0:
                        continue
                    own = await _simulator_times(sim, [r.first_text for r in streams])
                    overheads += [r.ttfa - own[_tag(r.first_text)] for r in streams]
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
                *(_after(i / level, _direct(client, text)) for i, text in enumerate(texts))
            )
            await asyncio.sleep(0.3)
            if round_:
                own = await _simulator_times(sim, texts)
                pairs = zip(texts, ttfas, strict=True)
                overheads += [ttfa - own[_tag(text)] for text, ttfa in pairs]
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


async def _after(delay: float, request: Any) -> Any:
    """Start ``request`` after ``delay`` s: the level's streams start spread over one second
    and then overlap, rather than all in the same millisecond."""
    await asyncio.sleep(delay)
    return await request


def _tag(text: str) -> str:
    return text.split(" says")[0]


async def _simulator_times(sim: Any, firsts: list[str]) -> dict[str, float]:
    """The simulator's own first-text-to-first-delta time of each stream, by its tag."""
    wanted = {_tag(first) for first in firsts}
    while True:
        own = {
            _tag(text): first_audio - first_text
            for s in sim.sessions()
            for text, first_text, first_audio in s["firsts"]
        }
        if wanted <= own.keys():
            return own
        await asyncio.sleep(0.1)  # sessions write their figures when they close


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


LONG_REPLY = (
    "Sure, I checked the house for you. The garage door is open, the back door is locked, "
    "and all the lights upstairs are off. The washing machine finished twenty minutes ago. "
    "Would you like me to close the garage door and turn on the porch light?"
)
TOKEN_RATES = (20, 40, 60)
"""Tokens per second an LLM writes (a token taken as 4 characters)."""


async def _listened(port: int, tag: str, tokens_per_second: float, pace: float) -> Any:
    text = f"{tag}: {LONG_REPLY}"
    chunks = [text[i : i + 4] for i in range(0, len(text), 4)]
    return await stream(port, chunks, pace=pace / tokens_per_second)


async def underruns(
    first_audio_delays: list[float], factors: list[float], repeats: int, pace: float
) -> list[dict[str, Any]]:
    """Scenario 2c: a listener's pauses. A player starts at the first chunk and plays in
    real time; each time it runs dry before the end is an underrun. Per first-audio delay
    and real-time factor of the simulator, for replies written at 20-60 tokens/s, with one
    or two sessions per request (the speaker's lanes)."""
    rows = []
    for delay in first_audio_delays:
        for factor in factors:
            async with (
                simulator(first_audio_delay=delay * pace, real_time_factor=factor * pace) as sim,
                server(sim.url, "--sessions-per-request", "1") as one,
                server(sim.url, "--sessions-per-request", "2") as two,
            ):
                cases = [(name, srv, rate, n) for name, srv in (("1", one), ("2", two))
                         for rate in TOKEN_RATES for n in range(repeats)]  # fmt: skip
                results = await asyncio.gather(*(
                    _after(0.05 * i, _listened(srv.port, f"u{name}-{rate}-{n}", rate, pace))
                    for i, (name, srv, rate, n) in enumerate(cases)
                ))  # fmt: skip
            for sessions in ("1", "2"):
                mine = [r for r, case in zip(results, cases, strict=True) if case[0] == sessions]
                rows.append({
                    "first_audio_delay_ms": round(1000 * delay),
                    "real_time_factor": factor,
                    "sessions_per_request": int(sessions),
                    "requests": len(mine),
                    "with_underrun": sum(1 for r in mine if r.underruns),
                    "underruns": sum(r.underruns for r in mine),
                    "silent_ms": 1000 * sum(r.underrun_seconds for r in mine) / pace,
                    "ttfa_ms_p50": percentiles([r.ttfa for r in mine])["p50"] / pace,
                })  # fmt: skip
    return rows


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
                *(_after(2 * i / level, stream(srv.port, c))
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


def ha_entity_path(
    levels: list[int], rounds: int, pace: float, model: str = "qwen3-tts-flash-realtime"
) -> dict[str, Any] | str:
    """Scenario 1b: the Home Assistant entity path, in-process (needs .venv-ha)."""
    python = Path(__file__).parent.parent / ".venv-ha" / "bin" / "python"
    if not python.exists():
        return "skipped: .venv-ha not found (run script/setup --all)"
    import subprocess

    script = Path(__file__).parent / "ha_entity.py"
    done = subprocess.run(
        [str(python), str(script), json.dumps(levels), str(rounds), str(pace), model],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    if done.returncode:
        return f"failed: {done.stderr.strip().splitlines()[-1:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: dict[str, Any]) -> str:
    lines = [f"{'figure':<58} {'value':>22}   target"]

    def row(name: str, value: str, target: str = "") -> None:
        lines.append(f"{name:<58} {value:>22}   {target}")

    for level, p in results["bridge_overhead"].items():
        row(f"1. bridge overhead, {level} concurrent (p50/p95/p99 ms)",
            f"{p['p50']:.2f}/{p['p95']:.2f}/{p['p99']:.2f}", "p99 <= 5 ms at 100")  # fmt: skip
        own = p["in_server"]
        row("   of which inside the server (p50/p95/p99 ms)",
            f"{own['p50']:.2f}/{own['p95']:.2f}/{own['p99']:.2f}")  # fmt: skip
    for level, p in results["harness_floor"].items():
        row(f"1. harness alone, no bridge, {level} concurrent (p50/p95/p99 ms)",
            f"{p['p50']:.2f}/{p['p95']:.2f}/{p['p99']:.2f}", "(the floor of 1 here)")  # fmt: skip
    ha = results["ha_entity_overhead"]
    if isinstance(ha, str):
        row("1b. HA entity path overhead", ha)
    else:
        for level, p in ha.items():
            row(f"1b. HA entity path overhead, {level} concurrent (ms)",
                f"{p['p50']:.2f}/{p['p95']:.2f}/{p['p99']:.2f}")  # fmt: skip
    for name, p in results["handshake_hiding"].items():
        row(f"2. TTFA, {name} (p50/p95 ms)", f"{p['p50']:.1f}/{p['p95']:.1f}",
            "warm within 5 ms of no delay")  # fmt: skip
    for mode, p in results["segmentation_ttfa"].items():
        row(f"2b. TTFA of an LLM-paced reply, {mode} segmentation (p50/p95 ms)",
            f"{p['p50']:.1f}/{p['p95']:.1f}", "chooses the default")  # fmt: skip
    for u in results["underruns"]:
        row(f"2c. underruns, first audio {u['first_audio_delay_ms']} ms, RTF "
            f"{u['real_time_factor']}, {u['sessions_per_request']} session(s)",
            f"{u['with_underrun']}/{u['requests']} req, {u['silent_ms']:.0f} ms",
            "0 when RTF < 1")  # fmt: skip
    cpu = results["relay_cpu"]
    row(
        "3. relay CPU, ours (ms CPU per s of audio)",
        f"{cpu['ours']['ms_per_audio_second']:.3f}",
        "<= 1 ms",
    )
    row(
        "3. relay CPU, dashscope SDK (ms CPU per s of audio)",
        f"{cpu['sdk']['ms_per_audio_second']:.3f}",
    )
    row("3. ratio ours / SDK", f"{cpu['ratio']:.2f}", "<= 0.5")
    cap = results["capacity"]
    row("4. concurrent real-time streams held", str(cap["held"]), ">= 500")
    mem = results["memory"]
    row("5. memory per active stream (KB)", f"{mem['kb_per_stream']:.0f}", "<= 256 KB")
    row("5. memory per warm connection (KB)", f"{mem['kb_per_warm_connection']:.0f}", "<= 64 KB")
    for name, value, target in inference.rows(results["inference"]):
        row(name, value, target)
    paths = results["inference_paths"]
    for level, p in paths["bridge_overhead"].items():
        row(f"6d. inference bridge overhead, {level} concurrent (p50/p95/p99 ms)",
            f"{p['p50']:.2f}/{p['p95']:.2f}/{p['p99']:.2f}", "as 1")  # fmt: skip
    for name, p in paths["handshake_hiding"].items():
        row(f"6d. inference TTFA through the server, {name} (p50/p95 ms)",
            f"{p['p50']:.1f}/{p['p95']:.1f}", "as 2")  # fmt: skip
    if isinstance(paths["ha_entity_overhead"], str):
        row("6d. inference HA entity path overhead", paths["ha_entity_overhead"])
    else:
        for level, p in paths["ha_entity_overhead"].items():
            row(f"6d. inference HA entity path overhead, {level} concurrent (ms)",
                f"{p['p50']:.2f}/{p['p95']:.2f}/{p['p99']:.2f}", "as 1b")  # fmt: skip
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """CDFs of the bridge overhead per level and of TTFA with and without warm connections."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = {
        f"bridge overhead, {level} concurrent": p["samples_ms"]
        for level, p in results["bridge_overhead"].items()
    }
    series |= {
        f"inside the server, {level} concurrent": p["in_server"]["samples_ms"]
        for level, p in results["bridge_overhead"].items()
    }
    series |= {
        f"harness alone, {level} concurrent": p["samples_ms"]
        for level, p in results["harness_floor"].items()
    }
    if not isinstance(results["ha_entity_overhead"], str):
        series |= {
            f"HA entity overhead, {level} concurrent": p["samples_ms"]
            for level, p in results["ha_entity_overhead"].items()
        }
    series |= {f"TTFA, {name}": p["samples_ms"] for name, p in results["handshake_hiding"].items()}
    series |= {
        f"TTFA, LLM-paced, {mode} segmentation": p["samples_ms"]
        for mode, p in results["segmentation_ttfa"].items()
    }
    figure, axis = plt.subplots(figsize=(9, 5))
    axis.set_xscale("symlog", linthresh=1.0)
    for name, values in series.items():
        ordered = sorted(values)
        axis.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], label=name)
    axis.set_xlabel("milliseconds")
    axis.set_ylabel("fraction of requests")
    axis.set_title("Latency distributions (CDF)")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


async def main(smoke: bool) -> None:
    RESULTS.mkdir(exist_ok=True)
    # The load generator's own collector pauses would count as bridge latency: keep its
    # startup objects out of full passes, as the server and the simulator do.
    gc.freeze()
    if smoke:  # every path once, small, audio paced 20 times faster: seconds, not minutes
        levels, rounds, hs, cpu_n, cap_levels, mem_n = [1, 5], 1, 2, 5, [5], 5
        sentences, pace = 1, 0.05
    else:
        levels, rounds, hs, cpu_n, cap_levels, mem_n = [1, 10, 100], 5, 30, 100, [
            100, 200, 300, 400, 500, 600, 800], 100  # fmt: skip
        sentences, pace = 6, 1.0
    started = time.monotonic()
    results: dict[str, Any] = {"smoke": smoke}
    results["bridge_overhead"] = await bridge_overhead(levels, rounds, pace)
    results["harness_floor"] = {str(levels[-1]): await harness_floor(levels[-1], rounds, pace)}
    results["ha_entity_overhead"] = ha_entity_path(levels, rounds, pace)
    results["inference_paths"] = {
        "bridge_overhead": await bridge_overhead(levels, rounds, pace, inference.MODEL),
        "ha_entity_overhead": ha_entity_path(levels, rounds, pace, inference.MODEL),
        "handshake_hiding": await handshake_hiding(hs, inference.MODEL),
    }
    results["handshake_hiding"] = await handshake_hiding(hs)
    results["segmentation_ttfa"] = await segmentation_ttfa(hs, pace)
    if smoke:
        results["underruns"] = await underruns([0.4], [0.5], 1, pace)
    else:
        results["underruns"] = await underruns([0.15, 0.4, 0.7], [0.2, 0.5, 0.8], 2, pace)
    results["relay_cpu"] = await relay_cpu(cpu_n, sentences)
    results["capacity"] = await capacity(cap_levels, sentences, pace)
    results["memory"] = await memory(mem_n, 10 if smoke else 50, 0.5 if smoke else 2.0, pace)
    results["inference"] = await inference.scenario(smoke, pace)
    results["seconds"] = time.monotonic() - started
    print(table(results))
    out = RESULTS / ("smoke.json" if smoke else "results.json")
    out.write_text(json.dumps(results, indent=2))
    picture = RESULTS / ("smoke.png" if smoke else "latency.png")
    plot(results, picture)
    print(f"\nwrote {out} and {picture} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="every scenario once, small and fast")
    eventloop.run(main(parser.parse_args().smoke))
