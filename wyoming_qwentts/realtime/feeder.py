"""Feeding streamed text into a session while its audio is read elsewhere."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator

from .errors import QwenTtsError
from .session import RealtimeSession


class TextFeeder:
    """Appends text as it arrives, then finishes the session.

    A failure of the text source closes the session, which ends the audio loop reading it;
    the loop then finds the real cause in :attr:`source_error`.
    """

    def __init__(self, session: RealtimeSession, texts: AsyncIterable[str]) -> None:
        self.source_error: Exception | None = None
        self._session = session
        self._texts = texts

    async def run(self) -> None:
        """Append every piece, then ``session.finish``."""
        try:
            async for text in self._texts:
                await self._session.append(text)
            await self._session.finish()
        except QwenTtsError:
            await self._session.close()  # the audio loop reports the session's own error
        except Exception as err:
            self.source_error = err
            await self._session.close()


@contextlib.asynccontextmanager
async def feeding(session: RealtimeSession, texts: AsyncIterable[str]) -> AsyncIterator[TextFeeder]:
    """Run a :class:`TextFeeder` in a task for the duration of the block."""
    feeder = TextFeeder(session, texts)
    task = asyncio.create_task(feeder.run())
    try:
        yield feeder
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
