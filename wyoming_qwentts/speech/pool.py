"""Warm connections: sockets opened ahead of requests, so a request only configures and talks.

A realtime connection is one session (the service closes it after ``session.finished``), so
it never comes back: the pool opens a replacement in the background at once. An inference
socket comes back after its request's last task finished cleanly and serves the next one.
A few of the pool's connections open at once; beyond those it starts one every
``open_interval`` s, so that a burst's replacements neither take the CPU from the burst's own
first audio nor reach the service as one surge of handshakes (it throttles a key whose request
rate rises too quickly). A steady flow of requests is replaced as it comes.

Idle connections are watched (a close or an error retires them) and renewed before the
service's idle limit (the client's ``max_idle``). The number kept ready is the peak of
simultaneous sessions over the last such idle period, between a minimum and a maximum: a
burst's connections live out one idle period, ready for another burst, and are renewed only
while bursts keep coming. A request never gets a dead connection and never waits for the
pool: when no warm connection is ready it connects itself, as without a pool.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from .. import catalog
from ..core.errors import QwenTtsError
from ..core.params import SpeechParams
from ..core.policy import RetryPolicy
from .source import SpeechSession, SpeechSource

_LOGGER = logging.getLogger(__name__)

_AT_ONCE = 4
"""Connections the pool opens at once before it paces the rest (``open_interval``)."""


class Connection(Protocol):
    """What the pool keeps: an open socket of some protocol, not yet used by a request."""

    returns: bool
    """Whether the connection comes back after a request (an inference socket does)."""

    @property
    def reusable(self) -> bool:
        """Whether it can serve another request now (it came back clean)."""

    @property
    def closed(self) -> bool: ...

    async def close(self) -> None:
        """Drop the connection at once."""

    def watch_idle(self) -> asyncio.Future[Any]:
        """A receive that completes when the service sends the idle socket anything."""

    def lend(self, back: Callable[[Any], Awaitable[None]]) -> None:
        """The socket goes to a request; ``back`` gets it when the request is done with it
        (if it ``returns``), whether it can serve another or not."""

    async def retire(self) -> None:
        """Close politely (the service sees a clean end, not a failure)."""


C = TypeVar("C", bound=Connection)
C_co = TypeVar("C_co", bound=Connection, covariant=True)


class Connector(Protocol[C_co]):
    """A protocol's client as the pool uses it."""

    model: catalog.Model

    @property
    def max_idle(self) -> float:
        """Seconds a connection may wait unused (below the service's idle limit)."""

    @property
    def closed(self) -> bool: ...

    async def connect(self) -> C_co: ...

    @property
    def session_on(self) -> Callable[..., Awaitable[Any]]:
        """``(connection, params, **options)``: configure a connection for a request, giving
        the request's session (the options are the protocol's own)."""


@dataclass(slots=True)
class PoolStats:
    """How requests were served."""

    warm: int = 0
    """Requests that got a ready connection."""
    cold: int = 0
    """Requests that connected themselves."""
    reused: int = 0
    """Connections taken back after a request (inference sockets)."""
    opened: int = 0
    retired: int = 0
    failures: int = 0


@dataclass(slots=True)
class _Ready(Generic[C]):
    connection: C
    idle_since: float
    watch: asyncio.Future[Any] = field(repr=False)
    """Done when the service sent the unused connection something: it is gone."""

    def usable(self, max_idle: float) -> bool:
        return not (
            self.watch.done()
            or self.connection.closed
            or time.monotonic() - self.idle_since > max_idle
        )


class WarmPool(SpeechSource, Generic[C]):
    """Keeps between ``minimum`` and ``maximum`` connections of ``client`` ready."""

    def __init__(
        self,
        client: Connector[C],
        *,
        minimum: int = 1,
        maximum: int = 8,
        max_idle: float | None = None,
        window: float | None = None,
        policy: RetryPolicy | None = None,
        open_interval: float = 0.004,
    ) -> None:
        if not 0 <= minimum <= maximum:
            raise ValueError("need 0 <= minimum <= maximum")
        self.client = client
        self.model: catalog.Model = client.model
        self.minimum = minimum
        self.maximum = maximum
        self.max_idle = client.max_idle if max_idle is None else max_idle
        self.stats = PoolStats()
        self._policy = policy or RetryPolicy()
        self._window = self.max_idle if window is None else window
        self._ready: deque[_Ready[C]] = deque()
        self._opening = 0
        self._open_interval = open_interval
        self._next_open = 0.0
        """When the pool started, or will start, its latest connection (loop time)."""
        self._in_use: set[C] = set()
        self._peaks: deque[tuple[float, int]] = deque()
        """(time, sessions in use) at requests, decreasing: the head is the window's peak."""
        self._openers: set[asyncio.Task[None]] = set()
        self._retirers: set[asyncio.Task[None]] = set()
        self._backoff = 0.0
        self._maintainer: asyncio.Task[None] | None = None
        self._closed = False
        self.changed = asyncio.Event()
        """Set whenever a connection becomes ready or is retired (for observers)."""
        self.on_connect: Callable[[QwenTtsError | None], None] | None = None
        """Hears each connection the pool opens ahead of requests: None when it opened, the
        error when it failed (a breaker learns of an outage before any request meets it)."""

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

    async def connect(self) -> C:
        """A ready connection if there is a live one, else a fresh one (never a dead one)."""
        self._in_use = {connection for connection in self._in_use if not connection.closed}
        self._record_peak(len(self._in_use) + 1)
        connection: C | None = None
        while self._ready and connection is None:
            ready = self._ready.popleft()
            if ready.usable(self.max_idle):
                connection = ready.connection  # its watch becomes its first read
            else:
                self._retire(ready)
        if connection is None:
            self.stats.cold += 1
            try:
                connection = await self.client.connect()
            except BaseException:
                self._fill()
                raise
        else:
            self.stats.warm += 1
        self._in_use.add(connection)
        connection.lend(self._take_back)
        self._fill()  # after counting the connection in use: one that returns is not replaced
        return connection

    async def open_session(self, params: SpeechParams, **options: Any) -> SpeechSession:
        """A session on a warm connection (validated before any is taken)."""
        self.check(params)
        connection = await self.connect()
        try:
            session: SpeechSession = await self.client.session_on(connection, params, **options)
        except BaseException:
            await connection.retire()
            raise
        return session

    async def _take_back(self, connection: C) -> None:
        """A request is done with a connection that returns: it waits for the next request
        if it can serve one, else the pool opens a replacement."""
        self._in_use.discard(connection)
        if self._closed or not connection.reusable or len(self._ready) >= self.maximum:
            if not connection.closed:
                await connection.retire()
            self._fill()
            return
        self.stats.reused += 1
        self._keep(connection)

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
        coming = sum(1 for c in self._in_use if c.returns and not c.closed)
        wanted = self.target - len(self._ready) - self._opening - coming
        now = asyncio.get_running_loop().time()
        for _ in range(wanted):
            start = now
            if self._opening >= _AT_ONCE:  # a burst's replacements: one at a time
                start = max(now, self._next_open + self._open_interval)
            self._next_open = max(self._next_open, start)
            self._opening += 1
            self._spawn(self._openers, self._open(start - now), "warm pool connect")

    async def _open(self, wait: float) -> None:
        try:
            if wait := max(wait, self._backoff):
                await asyncio.sleep(wait)
            connection = await self.client.connect()
        except QwenTtsError as err:
            if self.client.closed:
                return  # the program is stopping: nothing to retry or report
            self.stats.failures += 1
            self.changed.set()
            self._backoff = self._policy.reconnect_delay(self._backoff)
            _LOGGER.warning(
                "Cannot open a warm connection (retrying in %.0f s): %s", self._backoff, err
            )
            if self.on_connect is not None:
                self.on_connect(err)
            return
        finally:
            self._opening -= 1
        self._backoff = 0.0
        self.stats.opened += 1
        if self.on_connect is not None:
            self.on_connect(None)
        if self._closed:
            await connection.retire()
            return
        self._keep(connection)

    def _keep(self, connection: C) -> None:
        ready = _Ready(connection, time.monotonic(), connection.watch_idle())
        ready.watch.add_done_callback(lambda _: self._on_watch_done(ready))
        self._ready.append(ready)
        self.changed.set()

    def _on_watch_done(self, ready: _Ready[C]) -> None:
        """A ready connection died while idle: replace it now, not at the next refresh."""
        if ready in self._ready:
            self._ready.remove(ready)
            self._retire(ready)
            self._fill()

    def _retire(self, ready: _Ready[C]) -> None:
        self.stats.retired += 1
        self._spawn(self._retirers, ready.connection.retire(), "warm pool retire")
        self.changed.set()

    async def _maintain(self) -> None:
        """Retire stale, dead and surplus connections; top up to the target."""
        while True:
            await asyncio.sleep(min(self.max_idle / 4, 5.0))
            keep: deque[_Ready[C]] = deque()
            target = self.target
            while self._ready:
                ready = self._ready.popleft()
                if not ready.usable(self.max_idle) or len(keep) >= target:
                    self._retire(ready)
                else:
                    keep.append(ready)
            self._ready = keep
            self._fill()
