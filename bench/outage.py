"""Scenario 9: announcements during an outage. The server's upstream is a closed loopback
port; its fallback is a second Wyoming server (on a simulator of its own, first audio
``FIRST_AUDIO_DELAY``), as the Piper add-on would be. Once the breaker has opened (the
first requests pay the retries), the time to first audio through the server is measured
against the fallback's own, asked directly by the same client, in alternation."""

from __future__ import annotations

import socket
import time
from typing import Any

from harness import server, simulator, stream, unique_chunks
from stats import percentiles

FIRST_AUDIO_DELAY = 0.1
"""The local voice's own time to first audio (Piper on a small machine takes longer)."""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def outage(requests: int) -> dict[str, Any]:
    """TTFA p50/p95 through the server with its breaker open and of the fallback alone;
    the seconds the requests took that opened the breaker."""
    gone = f"ws://127.0.0.1:{_closed_port()}/api-ws/v1/realtime"
    async with (
        simulator(first_audio_delay=FIRST_AUDIO_DELAY) as local_sim,
        server(local_sim.url) as local,
        server(gone, "--fallback", f"tcp://127.0.0.1:{local.port}") as srv,
    ):
        opening: list[float] = []
        for i in range(2):  # the requests whose failures open the breaker
            started = time.monotonic()
            await stream(srv.port, unique_chunks(f"o{i}"))
            opening.append(time.monotonic() - started)
        through: list[float] = []
        direct: list[float] = []
        for i in range(requests):
            direct.append((await stream(local.port, unique_chunks(f"d{i}"))).ttfa)
            through.append((await stream(srv.port, unique_chunks(f"t{i}"))).ttfa)
    ours, own = percentiles(through), percentiles(direct)
    return {
        "breaker_open": ours,
        "fallback_alone": own,
        "ratio_p50": ours["p50"] / own["p50"],
        "opening_seconds": opening,
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The table's rows."""
    if not results:
        return []
    ours, own = results["breaker_open"], results["fallback_alone"]
    return [
        ("9. outage: TTFA, breaker open, via the fallback (p50/p95 ms)",
         f"{ours['p50']:.1f}/{ours['p95']:.1f}", ""),
        ("9. outage: TTFA of the fallback alone (p50/p95 ms)",
         f"{own['p50']:.1f}/{own['p95']:.1f}", ""),
        ("9. outage: ratio breaker open / fallback alone (p50)",
         f"{results['ratio_p50']:.3f}", "<= 1.1"),
        ("9. outage: the requests that opened the breaker (s)",
         " / ".join(f"{s:.2f}" for s in results["opening_seconds"]), "(retries, then fallback)"),
    ]  # fmt: skip
