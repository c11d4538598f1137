"""Latency statistics (no dependencies: also used from the Home Assistant environment)."""

from __future__ import annotations

from typing import Any


def percentiles(values: list[float]) -> dict[str, Any]:
    """p50/p95/p99 (nearest rank) in milliseconds."""
    ordered = sorted(values)

    def rank(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    return {
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "n": len(ordered),
        "samples_ms": [round(1000 * value, 3) for value in ordered],
    }
