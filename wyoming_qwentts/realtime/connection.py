"""One realtime WebSocket, from ``session.created`` on: sending events, receiving frames
within the current wait's deadline, and what a warm pool needs of it.

The service closes the socket after ``session.finished``, so a connection serves one
session and never returns to a pool. While it waits unused, a pending receive watches it
(the session's first read takes that receive over: no task switch, no frame lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Final

import aiohttp

from .. import catalog
from ..core.errors import ConnectionClosedError, QwenTimeoutError, QwenTtsError
from ..core.policy import Timeouts
from ..speech.watchdog import Limit, Watchdog
from . import wire

_RETIRE_TIMEOUT: Final = 2.0


class RealtimeConnection:
    """A connected socket whose session the service created (not yet configured)."""

    returns = False
    """A session serves one request: its connection never goes back to a pool."""
    reusable = False

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        model: catalog.Model,
        *,
        region: str | None,
        timeouts: Timeouts,
        session_id: str,
        connect_time: float,
    ) -> None:
        self.model = model
        self.region = region
        self.timeouts = timeouts
        self.session_id = session_id
        self.connect_time = connect_time
        self._ws = ws
        self._event_ids = (f"event_{secrets.token_hex(6)}{n}" for n in itertools.count())
        self._watchdog = Watchdog()
        self._pending: asyncio.Future[aiohttp.WSMessage] | None = None

    def __repr__(self) -> str:
        return f"<RealtimeConnection {self.session_id} model={self.model.id}>"

    @property
    def closed(self) -> bool:
        """True once the socket is closed."""
        return self._ws.closed

    @property
    def close_code(self) -> int | None:
        return self._ws.close_code

    async def send(self, event_type: str, **fields: Any) -> None:
        """Send one client event."""
        if self._ws.closed:
            raise ConnectionClosedError("The session's connection is closed.")
        await self._ws.send_str(wire.event(event_type, next(self._event_ids), **fields))

    def arm(self, limit: Limit) -> None:
        """The service owes an answer now: give the current wait ``limit``."""
        self._watchdog.arm(limit)

    async def receive(self, limit: Limit) -> aiohttp.WSMessage:
        """The next frame within ``limit`` (how long the service may take now, and for
        what); the connection is closed on a timeout."""
        try:
            return await self._watchdog.wait(self.next_frame(), limit)
        except QwenTimeoutError:
            await self.close()
            raise

    def next_frame(self) -> Awaitable[aiohttp.WSMessage]:
        """The receive started while the connection was idle, if any, else a new one."""
        pending, self._pending = self._pending, None
        return pending if pending is not None else self._ws.receive()

    async def close(self) -> None:
        """Close the socket (cancels the session if it has not finished)."""
        self._watchdog.cancel()
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()  # nobody will read it: the socket is going
        await self._ws.close()

    # What a warm pool needs --------------------------------------------------------------

    def lend(self, back: Callable[[Any], Awaitable[None]]) -> None:
        """Nothing to do: the connection does not return."""

    def watch_idle(self) -> asyncio.Future[aiohttp.WSMessage]:
        """Start receiving while the connection waits unused; the future is done when it is
        gone (the service sends nothing to a session asked nothing, but an ``error`` or a
        close)."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._ws.receive())
        return self._pending

    async def retire(self) -> None:
        """A clean end of an unused session (finish, then ``session.finished``), which the
        console does not show as a failed session."""
        if not self.closed:
            with contextlib.suppress(QwenTtsError, ConnectionError, TimeoutError, ValueError):
                await self.send("session.finish")
                async with asyncio.timeout(_RETIRE_TIMEOUT):
                    while (msg := await self.next_frame()).type is aiohttp.WSMsgType.TEXT:
                        event = json.loads(msg.data)
                        if isinstance(event, dict) and wire.is_type(event, "session.finished"):
                            break
            await self.close()
