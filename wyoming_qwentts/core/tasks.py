"""Tasks that start at once: a new task's first step runs in its creator's turn of the event
loop (Python 3.12's eager start), not in the next one; and the signal that wakes tasks
waiting for something to change."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any, Final, TypeVar

_T = TypeVar("_T")

_EAGER: Final[dict[str, Any]] = {"eager_start": True} if sys.version_info >= (3, 12) else {}


def start_task(coro: Coroutine[Any, Any, _T]) -> asyncio.Task[_T]:
    """A task of ``coro`` that runs up to its first wait now (Python 3.12+; on 3.11 it starts
    in the loop's next turn, as any task).

    Under load one turn of the loop runs every stream's ready work: text that reaches the
    service a turn sooner is audio that comes back a turn sooner.
    """
    return asyncio.Task(coro, loop=asyncio.get_running_loop(), **_EAGER)


class Signal:
    """Wakes every task waiting in :meth:`wait` at the next :meth:`notify` (a task cancelled
    while it waits misses nothing: what changed is state its owner keeps)."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    async def wait(self) -> None:
        """Wait for the next :meth:`notify`."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        await waiter

    def notify(self) -> None:
        """Wake every task waiting now."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
