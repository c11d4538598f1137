"""A long-running process's cycle collector: its full passes moved to quiet moments.

A full pass traverses every live object, every stream's and every warm connection's, and
holds the event loop meanwhile: 10-20 ms at 100 streams, in the first audio of every request
then in flight. Requests make no reference cycles in their normal course
(tests/lib/test_protocols.py frees a request's objects without the collector), so little
waits for those passes: the young generations are collected as usual, and the full pass runs
once no new request has come for a moment, or after ``longest`` seconds of unbroken load
(cycles that an error made are freed then). A collector without a third generation (Python
3.14's incremental one keeps its pauses short by itself) is left as it is. The server and the
simulator use it; Home Assistant's collector is Home Assistant's.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterator
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
    started: Callable[[], int], *, every: float = 1.0, longest: float = 60.0
) -> None:
    """Run the deferred full passes for as long as the process runs. ``started()`` counts
    the work begun so far (requests, sessions): checking ``every`` seconds, one pass when a
    check finds none begun since the one before, after some was; and one after ``longest``
    seconds without a pass while work never stops coming. Work already running is not
    waited for: its first audio is out, and a client holds more audio than a pass takes."""
    last = time.monotonic()
    seen = started()
    pending = False
    while True:
        await asyncio.sleep(every)
        now, count = time.monotonic(), started()
        if count != seen:
            seen, pending = count, True
            if now - last < longest:
                continue
        elif not pending:
            continue  # quiet since the last pass: nothing new to collect
        gc.collect()
        last, pending = now, False


@contextlib.contextmanager
def full_passes_when_quiet(started: Callable[[], int]) -> Iterator[None]:
    """While inside: what the process built so far frozen out of the collector's passes (it
    lives as long as the process), and the full passes run by :func:`collect_when_quiet`."""
    gc.freeze()
    task = asyncio.create_task(collect_when_quiet(started)) if defer_full_passes() else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
