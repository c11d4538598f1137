"""The benchmark's printed table (each figure beside its target) and its plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import announce
import burst
import inference
import outage


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
    for name, value, target in burst.rows(results.get("burst", {})):
        row(name, value, target)
    for name, value, target in announce.rows(results.get("announcements", {})):
        row(name, value, target)
    for name, value, target in outage.rows(results.get("outage", {})):
        row(name, value, target)
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
