"""A long-running process's cycle collector: its full passes moved to quiet moments.

A full pass traverses every live object, every stream's and every warm connection's, and
holds the event loop meanwhile: 10-20 ms at 100 streams, in the first audio of every request
then in flight. Requests make no reference cycles in their normal course
(tests/lib/test_protocols.py frees a request's objects without the collector), so little
waits for those passes: the young generations are collected as usual, and the full pass runs
once the process is quiet, or after ``longest`` seconds of unbroken load (cycles that an error
made are freed then). A collector without a third generation (Python 3.14's incremental one
keeps its pauses short by itself) is left as it is. The server and the simulator use it;
Home Assistant's collector is Home Assistant's.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable
from typing import Final

_NEVER: Final = 2**31 - 1
"""A full-pass threshold the collector never reaches."""


def defer_full_passes() -> bool:
    """Stop the collector's own full passes (see the module); False where it has none."""
    young, middle, full = gc.get_threshold()
    if not full:
        return False
    gc.set_threshold(young, middle, _NEVER)
    return True


async def collect_when_quiet(
    busy: Callable[[], bool], *, every: float = 1.0, longest: float = 60.0
) -> None:
    """Run the deferred full passes for as long as the server runs: checking ``every``
    seconds, one pass when ``busy()`` turned false after requests, and one after ``longest``
    seconds without a pass while requests never stop."""
    last = time.monotonic()
    spoke = False
    while True:
        await asyncio.sleep(every)
        now = time.monotonic()
        if busy():
            spoke = True
            if now - last < longest:
                continue
        elif not spoke:
            continue  # quiet since the last pass: nothing new to collect
        gc.collect()
        last, spoke = now, False
