"""Warm connections: sessions opened ahead of requests, so a request only configures and talks.

A connection is one session (the service closes it after ``session.finished``), so a used
connection is never returned: the pool opens a replacement in the background at once. Idle
connections are watched (a close or an error retires them) and refreshed before the
service's idle limit. The number kept ready follows recent concurrency between a minimum and
a maximum. A request never gets a dead connection and never waits for the pool: when no
warm connection is ready it connects itself, as without a pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .. import catalog
from .client import QwenRealtimeClient, SessionSource
from .errors import QwenTtsError
from .session import RealtimeSession

_LOGGER = logging.getLogger(__name__)
_RETIRE_TIMEOUT = 2.0


@dataclass(slots=True)
class PoolStats:
    """How requests were served."""

    warm: int = 0
    """Requests that got a ready connection."""
    cold: int = 0
    """Requests that connected themselves."""
    opened: int = 0
    retired: int = 0
    failures: int = 0


@dataclass(slots=True)
class _Ready:
    session: RealtimeSession
    opened_at: float
    watch: asyncio.Future[aiohttp.WSMessage] = field(repr=False)
    """Done when the service sent the unused session something: it is gone."""

    def usable(self, max_idle: float) -> bool:
        return not (
            self.watch.done() or self.session.closed or time.monotonic() - self.opened_at > max_idle
        )


class WarmPool(SessionSource):
    """Keeps between ``minimum`` and ``maximum`` connections of ``client`` ready."""

    def __init__(
        self,
        client: QwenRealtimeClient,
        *,
        minimum: int = 1,
        maximum: int = 8,
        max_idle: float = 20.0,
        window: float = 60.0,
    ) -> None:
        if not 0 <= minimum <= maximum:
            raise ValueError("need 0 <= minimum <= maximum")
        self.client = client
        self.model: catalog.Model = client.model
        self.minimum = minimum
        self.maximum = maximum
        self.max_idle = max_idle
        self.stats = PoolStats()
        self._window = window
        self._ready: deque[_Ready] = deque()
        self._opening = 0
        self._in_use: set[RealtimeSession] = set()
        self._peaks: deque[tuple[float, int]] = deque()
        """(time, sessions in use) at requests, decreasing: the head is the window's peak."""
        self._openers: set[asyncio.Task[None]] = set()
        self._retirers: set[asyncio.Task[None]] = set()
        self._backoff = 0.0
        self._maintainer: asyncio.Task[None] | None = None
        self._closed = False
        self.changed = asyncio.Event()
        """Set whenever a connection becomes ready or is retired (for observers)."""

    @property
    def ready(self) -> int:
        """Connections ready now."""
        return len(self._ready)

    @property
    def target(self) -> int:
        """How many ready connections the pool aims for now."""
        peaks = self._peaks
        while peaks and peaks[0][0] < time.monotonic() - self._window:
            peaks.popleft()
        recent = peaks[0][1] if peaks else 0
        return max(self.minimum, min(self.maximum, recent))

    def start(self) -> None:
        """Open the first connections and start refreshing them."""
        if self._maintainer is None and self.maximum > 0:
            self._maintainer = asyncio.create_task(self._maintain(), name="warm pool")
            self._fill()

    async def connect(self) -> RealtimeSession:
        """A ready connection if there is a live one, else a fresh one (never a dead one)."""
        self._in_use = {session for session in self._in_use if not session.closed}
        self._record_peak(len(self._in_use) + 1)
        session: RealtimeSession | None = None
        while self._ready and session is None:
            ready = self._ready.popleft()
            if ready.usable(self.max_idle):
                session = ready.session  # its watch becomes its first read: no task switch
            else:
                self._retire(ready)
        self._fill()
        if session is None:
            self.stats.cold += 1
            session = await self.client.connect()
        else:
            self.stats.warm += 1
        self._in_use.add(session)
        return session

    def _record_peak(self, in_use: int) -> None:
        """Note sessions in use now; ``_peaks`` keeps only counts that are still the window's
        largest, so its head is the maximum (a sliding-window maximum: O(1) per request)."""
        while self._peaks and self._peaks[-1][1] <= in_use:
            self._peaks.pop()
        self._peaks.append((time.monotonic(), in_use))

    async def close(self) -> None:
        """Stop refreshing and close every ready connection."""
        self._closed = True
        if self._maintainer is not None:
            self._maintainer.cancel()
        for task in self._openers:
            task.cancel()
        while self._ready:
            self._retire(self._ready.popleft())
        await asyncio.gather(
            *self._openers,
            *self._retirers,
            *([self._maintainer] if self._maintainer else []),
            return_exceptions=True,
        )

    @staticmethod
    def _spawn(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _fill(self) -> None:
        if self._closed or self._maintainer is None or self.client.closed:
            return  # closed, or its HTTP session is: never reconnect on a closed session
        for _ in range(self.target - len(self._ready) - self._opening):
            self._opening += 1
            self._spawn(self._openers, self._open(), "warm pool connect")

    async def _open(self) -> None:
        try:
            if self._backoff:
                await asyncio.sleep(self._backoff)
            session = await self.client.connect()
        except QwenTtsError as err:
            if self.client.closed:
                return  # the program is stopping: nothing to retry or report
            self.stats.failures += 1
            self.changed.set()
            self._backoff = min(30.0, max(1.0, 2 * self._backoff))
            _LOGGER.warning(
                "Cannot open a warm connection (retrying in %.0f s): %s", self._backoff, err
            )
            return
        finally:
            self._opening -= 1
        self._backoff = 0.0
        self.stats.opened += 1
        if self._closed:
            await session.close()
            return
        ready = _Ready(session, time.monotonic(), session.watch_idle())
        ready.watch.add_done_callback(lambda _: self._on_watch_done(ready))
        self._ready.append(ready)
        self.changed.set()

    def _on_watch_done(self, ready: _Ready) -> None:
        """A ready connection died while idle: replace it now, not at the next refresh."""
        if ready in self._ready:
            self._ready.remove(ready)
            self._retire(ready)
            self._fill()

    def _retire(self, ready: _Ready) -> None:
        self.stats.retired += 1
        self._spawn(self._retirers, self._close_quietly(ready.session), "warm pool retire")
        self.changed.set()

    @staticmethod
    async def _close_quietly(session: RealtimeSession) -> None:
        if not session.closed:
            # A clean end (finish, then session.finished), not a "failed" session in the console.
            with contextlib.suppress(QwenTtsError, ConnectionError, TimeoutError):
                await session.finish()
                await asyncio.wait_for(session.read_all(), _RETIRE_TIMEOUT)
            await session.close()

    async def _maintain(self) -> None:
        """Retire stale, dead and surplus connections; top up to the target."""
        while True:
            await asyncio.sleep(min(self.max_idle / 4, 5.0))
            keep: deque[_Ready] = deque()
            target = self.target
            while self._ready:
                ready = self._ready.popleft()
                if not ready.usable(self.max_idle) or len(keep) >= target:
                    self._retire(ready)
                else:
                    keep.append(ready)
            self._ready = keep
            self._fill()
