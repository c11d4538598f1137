"""One inference-protocol WebSocket: tasks one after another, each with a new task id.

After ``task-finished`` the socket takes the next ``run-task``; after ``task-failed``, a
close, or anything the protocol does not allow, it is never used again (the service closes
it, or would answer "Invalid action"). The service closes a socket that ran no task for 60 s.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp

from .. import catalog
from ..core.errors import ConnectionClosedError, ProtocolError
from ..core.metrics import ResponseMetrics
from ..core.policy import Timeouts
from ..speech.watchdog import Limit, Watchdog
from . import wire

_LOGGER = logging.getLogger(__name__)


class InferenceConnection:
    """A connected socket. :meth:`run` runs one task on it and yields its audio."""

    def __init__(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        model: catalog.Model,
        *,
        timeouts: Timeouts,
        connect_time: float,
    ) -> None:
        self.model = model
        self.connect_time = connect_time
        self.tasks = 0
        """Tasks run on this socket."""
        self._ws = ws
        self._timeouts = timeouts
        self._broken = False
        self._busy = False
        self._pending: asyncio.Future[aiohttp.WSMessage] | None = None
        self._wait: Limit = (None, "start")
        """How long the service may take now, and for what (no limit between tasks)."""
        self._watchdog = Watchdog()
        self._back: Callable[[Any], Awaitable[None]] | None = None

    def __repr__(self) -> str:
        return f"<InferenceConnection model={self.model.id} tasks={self.tasks}>"

    @property
    def closed(self) -> bool:
        """True once the socket is closed."""
        return self._ws.closed

    @property
    def reusable(self) -> bool:
        """Whether the next task may run here (its last task finished cleanly)."""
        return not (self._broken or self._busy or self._ws.closed)

    returns = True
    """The socket serves request after request (a pool takes it back)."""

    def lend(self, back: Callable[[Any], Awaitable[None]]) -> None:
        """Hand the socket to a request; ``back`` gets it when the request is done with it."""
        self._back = back

    async def give_back(self) -> None:
        """The request is done with the socket: to its lender (which keeps it if it is
        ``reusable``), or closed when it has none."""
        back, self._back = self._back, None
        if back is not None:
            await back(self)
        else:
            await self.close()

    def watch_idle(self) -> asyncio.Future[aiohttp.WSMessage]:
        """Receive while the socket waits unused; the future is done when the service sent
        something (a close: it is gone). The next task's first read takes this receive over."""
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._ws.receive())
        return self._pending

    async def retire(self) -> None:
        """Close an unused socket (a close between tasks is a clean end)."""
        await self.close()

    async def close(self) -> None:
        """Close the socket (its lender, if any, learns that it is gone)."""
        self._broken = True
        self._watchdog.cancel()
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()
        await self._ws.close()
        back, self._back = self._back, None
        if back is not None:
            await back(self)

    # One task ------------------------------------------------------------------------------

    async def run(
        self,
        parameters: dict[str, Any],
        text: str,
        metrics: ResponseMetrics,
        *,
        voice: str | None,
    ) -> AsyncIterator[bytes]:
        """Speak ``text`` as one task (run, text, finish) and yield its audio until
        ``task-finished``. The first audio's delay from the text is in ``metrics``."""
        if not self.reusable:
            raise ConnectionClosedError("The socket cannot run another task.")
        self._busy = True
        self.tasks += 1
        task_id = uuid.uuid4().hex
        metrics.response_id = task_id
        odd = b""
        pcm = parameters.get("format") == "pcm"
        try:
            if self.model.streaming_input:
                await self._send(wire.run_task(task_id, self.model, parameters))
                await self._wait_started(voice)
                sent = time.monotonic()
                await self._send(wire.continue_task(task_id, text))
                await self._send(wire.finish_task(task_id))
            else:
                sent = time.monotonic()
                await self._send(wire.run_task(task_id, self.model, parameters, text))
            self._wait = (self._timeouts.first_audio, "first_audio")
            while True:
                msg = await self._receive()
                if msg.type is aiohttp.WSMsgType.BINARY:
                    audio = odd + msg.data if odd else bytes(msg.data)
                    odd = b""
                    if pcm and len(audio) % 2:  # keep PCM16 samples whole across frames
                        audio, odd = audio[:-1], audio[-1:]
                    if metrics.time_to_first_audio is None:
                        metrics.time_to_first_audio = time.monotonic() - sent
                        self._wait = (self._timeouts.audio_gap, "audio_gap")
                    metrics.audio_bytes += len(audio)
                    if audio:
                        yield audio
                    continue
                event = self._event(msg, voice)
                if wire.is_type(event, "task-finished"):
                    metrics.characters = _characters(event)
                    break
        except BaseException:
            await self.close()  # a task that did not finish leaves the socket unusable
            raise
        finally:
            self._wait = (None, "start")
        self._busy = False

    async def _wait_started(self, voice: str | None) -> None:
        self._wait = (self._timeouts.connect, "start")
        while True:
            msg = await self._receive()
            if msg.type is aiohttp.WSMsgType.BINARY:
                raise ProtocolError("The service sent audio before task-started.")
            if wire.is_type(self._event(msg, voice), "task-started"):
                return

    async def _send(self, data: str) -> None:
        if self._ws.closed:
            raise ConnectionClosedError("The socket is closed.")
        await self._ws.send_str(data)

    async def _receive(self) -> aiohttp.WSMessage:
        pending, self._pending = self._pending, None
        return await self._watchdog.wait(
            pending if pending is not None else self._ws.receive(), self._wait
        )

    def _event(self, msg: aiohttp.WSMessage, voice: str | None) -> dict[str, Any]:
        """A JSON event; raise for a close, ``task-failed`` or an ``error`` event."""
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise ConnectionClosedError(
                f"The connection closed before task-finished (close code {self._ws.close_code})."
            )
        try:
            event = json.loads(msg.data)
        except ValueError:
            _LOGGER.warning("Ignoring a frame that is not JSON: %.80r", msg.data)
            return {}
        if not isinstance(event, dict) or not isinstance(event.get("header"), dict):
            return {}
        if wire.is_type(event, "task-failed") or wire.is_type(event, "error"):
            self._broken = True
            raise wire.error_from_event(event, voice=voice, model=self.model.id)
        return event


def _characters(event: dict[str, Any]) -> int | None:
    usage = (event.get("payload") or {}).get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("characters"), int):
        return int(usage["characters"])
    return None
