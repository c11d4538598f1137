"""Serving one Wyoming client on stdin and stdout (``--uri stdio://``).

wyoming's own stdio server feeds events to ``handle_event`` itself, so the handler's
``run()`` — its event size limit, idle timeout and cancelling of upstream work when the
client leaves — would never run. Here the handler reads the pipe with ``run()``, as it
reads a TCP connection, so every connection limit holds on a pipe too.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from wyoming.event import async_get_stdin

from .handler import QwenTtsEventHandler

HandlerFactory = Callable[[asyncio.StreamReader, asyncio.StreamWriter], QwenTtsEventHandler]


async def serve_stdio(
    factory: HandlerFactory,
    stop: asyncio.Event,
    drain: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    """Serve until stdin ends, the handler closes the pipe, or ``stop`` is set.

    On ``stop`` the requests in flight are drained first (``drain``), then input ends.
    """
    reader = await async_get_stdin()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, sys.stdout
    )
    # Every write waits until the pipe took it: nothing is left in a buffer when the last
    # answer is written and the program ends.
    transport.set_write_buffer_limits(high=0)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    handler = asyncio.create_task(factory(reader, writer).run())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({handler, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not handler.done():
            await drain()
            reader.feed_eof()
        await handler
    finally:
        stopping.cancel()
