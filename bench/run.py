"""Benchmark suite: the simulator upstream in its own process, the Wyoming server in another;
scenarios 1-5 on the realtime protocol, 6 on the inference protocol (:mod:`inference`), 7
bursts on both (:mod:`burst`), 8 announcements (:mod:`announce`), 9 an outage spoken by the
fallback (:mod:`outage`).

    script/bench            the full run (about a quarter of an hour)
    script/bench --smoke    every scenario once, small and fast (part of script/test)

Prints a table with each figure against its target and writes ``bench/results/results.json``
and ``bench/results/latency.png``. Nothing here asserts: the figures are the result.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from pathlib import Path
from typing import Any

import announce
import burst
import inference
import outage
from latency import (
    bridge_overhead,
    ha_entity_path,
    handshake_hiding,
    harness_floor,
    segmentation_ttfa,
)
from listening import underruns
from load import capacity, memory, relay_cpu
from report import plot, table

from wyoming_qwentts.core import eventloop

RESULTS = Path(__file__).parent / "results"


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
    if smoke:
        results["burst"] = await burst.burst([3], [0.15])
    else:
        results["burst"] = await burst.burst([1, 10, 100], [0.0, 0.15], rounds=10)
    results["announcements"] = await announce.announcements(3 if smoke else 30)
    results["outage"] = await outage.outage(3 if smoke else 50)
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
