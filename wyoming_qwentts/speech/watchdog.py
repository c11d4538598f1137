"""Timeouts of a socket's receives: one timer handle that follows a moving deadline.

A timeout context per frame would cost more than decoding the frame; a session receives
thousands. The watchdog's deadline moves with each wait (its ``limit`` says how long the
service may take now, and for what), and its one timer re-arms itself only when it fires
early. It holds no callback into its owner: a closed socket's objects are freed at once, not
left to the cycle collector, whose pauses would be the tail of every request under load.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from ..core.errors import Phase, QwenTimeoutError

T = TypeVar("T")
Limit = tuple[float | None, Phase]
"""Seconds the current wait may take (None: no limit) and what it waits for."""


class Watchdog:
    """Bounds the waits of :meth:`wait` by their limit; raises QwenTimeoutError on expiry."""

    def __init__(self) -> None:
        self._limit: Limit = (None, "first_audio")
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._reader: asyncio.Task[Any] | None = None
        self._expired: QwenTimeoutError | None = None

    async def wait(self, awaitable: Awaitable[T], limit: Limit) -> T:
        """Await ``awaitable`` within ``limit``."""
        self._set_deadline(limit)
        self._reader = asyncio.current_task()
        try:
            return await awaitable
        except asyncio.CancelledError:
            expired, self._expired = self._expired, None
            if expired is None or (self._reader is not None and self._reader.uncancel() > 0):
                raise
            raise expired from None
        finally:
            self._reader = None

    def arm(self, limit: Limit) -> None:
        """Give a wait that had no deadline ``limit``, now that the service owes an answer."""
        if self._reader is not None and self._deadline is None:
            self._set_deadline(limit)

    def cancel(self) -> None:
        """Stop the timer (the socket is closing)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _set_deadline(self, limit: Limit) -> None:
        self._limit = limit
        delay = limit[0]
        if delay is None:
            self._deadline = None
            return
        loop = asyncio.get_running_loop()
        self._deadline = deadline = loop.time() + delay
        if self._timer is not None and self._timer.when() > deadline:
            self._timer.cancel()  # an earlier deadline than the timer's: move it
            self._timer = None
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if self._reader is None or self._deadline is None:
            return  # not waiting now: the next wait arms the timer again
        loop = asyncio.get_running_loop()
        if loop.time() < self._deadline:
            self._timer = loop.call_at(self._deadline, self._fire)
            return
        delay, phase = self._limit
        self._expired = QwenTimeoutError(phase, delay or 0.0)
        self._reader.cancel()
