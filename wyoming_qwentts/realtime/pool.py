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
import weakref
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

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
    watcher: asyncio.Task[None] = field(repr=False)


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
        self._handed_out: weakref.WeakSet[RealtimeSession] = weakref.WeakSet()
        self._peaks: deque[tuple[float, int]] = deque()
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
        now = time.monotonic()
        while self._peaks and self._peaks[0][0] < now - self._window:
            self._peaks.popleft()
        recent = max((count for _, count in self._peaks), default=0)
        return max(self.minimum, min(self.maximum, recent))

    def start(self) -> None:
        """Open the first connections and start refreshing them."""
        if self._maintainer is None and self.maximum > 0:
            self._maintainer = asyncio.create_task(self._maintain(), name="warm pool")
            self._fill()

    async def connect(self) -> RealtimeSession:
        """A ready connection if there is a live one, else a fresh one (never a dead one)."""
        in_use = sum(1 for session in self._handed_out if not session.closed) + 1
        self._peaks.append((time.monotonic(), in_use))
        session: RealtimeSession | None = None
        while self._ready and session is None:
            ready = self._ready.popleft()
            if not (ready.watcher.done() or self._stale(ready)):
                session = await self._take(ready)
            if session is None:
                self._retire(ready)
        self._fill()
        if session is None:
            self.stats.cold += 1
            session = await self.client.connect()
        else:
            self.stats.warm += 1
        self._handed_out.add(session)
        return session

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
    async def _take(ready: _Ready) -> RealtimeSession | None:
        """Stop watching a ready connection; None if it turned out closed."""
        ready.watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ready.watcher
        return None if ready.session.closed else ready.session

    def _stale(self, ready: _Ready) -> bool:
        return time.monotonic() - ready.opened_at > self.max_idle

    @staticmethod
    def _spawn(tasks: set[asyncio.Task[None]], coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _fill(self) -> None:
        if self._closed or self._maintainer is None:
            return
        for _ in range(self.target - len(self._ready) - self._opening):
            self._opening += 1
            self._spawn(self._openers, self._open(), "warm pool connect")

    async def _open(self) -> None:
        try:
            if self._backoff:
                await asyncio.sleep(self._backoff)
            session = await self.client.connect()
        except QwenTtsError as err:
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
        watcher = asyncio.create_task(session.watch_idle(), name="warm pool watch")
        ready = _Ready(session, time.monotonic(), watcher)
        watcher.add_done_callback(lambda task: self._on_watch_done(ready, task))
        self._ready.append(ready)
        self.changed.set()

    def _on_watch_done(self, ready: _Ready, watcher: asyncio.Task[None]) -> None:
        """A ready connection died while idle: replace it now, not at the next refresh."""
        if not watcher.cancelled() and ready in self._ready:
            self._ready.remove(ready)
            self._retire(ready)
            self._fill()

    def _retire(self, ready: _Ready) -> None:
        self.stats.retired += 1
        ready.watcher.cancel()
        self._spawn(self._retirers, self._close_quietly(ready), "warm pool retire")
        self.changed.set()

    @staticmethod
    async def _close_quietly(ready: _Ready) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await ready.watcher
        session = ready.session
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
                if ready.watcher.done() or self._stale(ready) or len(keep) >= target:
                    self._retire(ready)
                else:
                    keep.append(ready)
            self._ready = keep
            self._fill()
