"""The short versions of the load, soak, shutdown and hostile runs (the long ones:
bench/soak.py)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "bench" / "soak.py"


async def test_load_soak_and_sigterm_short_runs() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), "all", "--short",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 240)
    runs = {run["run"]: run for run in map(json.loads, out.decode().splitlines())}
    assert process.returncode == 0, runs
    assert set(runs) == {"load", "soak", "sigterm", "hostile"}
    for run in runs.values():
        assert run["broken"] == 0
        assert run["requests"] >= 10
    # Beside hostile clients no normal stream failed (none got server-busy), and each
    # attack got its answer: idle-timeout, bad-request, or dropped.
    beside = runs["hostile"]
    assert beside["exact"] == beside["requests"]
    attacks = beside["attacks"]
    assert attacks.get("quiet stream: idle-timeout", 0) >= 1
    for name in ("binary header", "data not an object", "chunk outside a stream",
                 "lone surrogate"):  # fmt: skip
        assert attacks.get(f"{name}: bad-request", 0) >= 1, attacks
    assert runs["load"]["exact"] == runs["load"]["requests"]  # no faults: every stream exact
    assert runs["sigterm"]["exit_code"] == 0
    assert runs["sigterm"]["exact"] == runs["sigterm"]["requests"]  # all finished in the grace
