"""Scenario 2c: a listener's pauses (underruns) per first-audio delay and real-time factor,
with one or two sessions per request."""

from __future__ import annotations

import asyncio
from typing import Any

from harness import after, server, simulator, stream
from stats import percentiles

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
                    after(0.05 * i, _listened(srv.port, f"u{name}-{rate}-{n}", rate, pace))
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
