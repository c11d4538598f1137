"""``server_commit`` mode: the text goes to the service as it arrives and the service cuts it.

A fault before the first audio is retried like the speaker's; after it the request fails,
since there is no knowing which text the audio so far came from. When the session finishes,
the characters billed are checked against the characters sent: fewer means the service
dropped text (a field report says ``session.finish`` may not speak the rest), and the request
ends with :class:`~wyoming_qwentts.core.errors.IncompleteAudioError` instead of a silent
success. Without ``response.done`` events (another field report) there is no usage to
check: that is logged, and the loss of a tail would then go unnoticed — use client
segmentation, the default.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable

from .. import catalog
from ..core.errors import IncompleteAudioError, QwenTtsError
from ..core.params import SpeechParams
from ..core.policy import Retries, RetryPolicy
from ..core.ssml import ssml_text
from ..speech.source import SpeakerStats, SpeechSource
from ..speech.text import TextFeed
from .session import RealtimeSession

_LOGGER = logging.getLogger(__name__)


class ServerCommitStream:
    """One request in ``server_commit`` mode."""

    def __init__(
        self, source: SpeechSource, params: SpeechParams, policy: RetryPolicy | None = None
    ) -> None:
        self._source = source
        self._params = params
        self._retries = Retries(policy or RetryPolicy(), resumable=False)
        self.stats = SpeakerStats()
        self._heard = False

    @property
    def delivered(self) -> str | None:
        """Nothing before the first audio; after it, unknown (the service segments)."""
        return None if self._heard else ""

    async def speak(
        self, texts: AsyncIterable[str], *, text_format: str | None = None
    ) -> AsyncIterator[bytes]:
        """Audio of the text; raises if it cannot be spoken whole. An SSML document is sent
        as its words (no realtime model takes SSML)."""
        self._source.check(self._params)  # an invalid setting fails before anything
        feed = TextFeed(split=False, text_format=text_format)
        try:
            if not await feed.start(texts):
                return
            started = time.monotonic()
            heard = False
            while True:
                try:
                    async for audio in self._attempt(feed):
                        heard = self._heard = True
                        yield audio
                    return
                except QwenTtsError as err:
                    if feed.error is not None:
                        raise feed.error from None
                    pause = self._retries.pause(
                        err,
                        attempt=self.stats.attempts,
                        failing_for=time.monotonic() - started,
                        heard=heard,
                    )
                    if pause is None:
                        raise
                    _LOGGER.warning("Session failed (%s); retrying in a new session", err)
                    await asyncio.sleep(pause)
        finally:
            await feed.stop()

    async def _attempt(self, feed: TextFeed) -> AsyncIterator[bytes]:
        self.stats.attempts += 1
        session = await self._source.open_session(self._params, mode="server_commit")
        assert isinstance(session, RealtimeSession)
        self.stats.sessions.append(session.metrics)
        sender: asyncio.Task[None] | None = None
        try:
            sent = await self._send_ready(session, feed, 0)  # no task switch before the first
            sender = asyncio.create_task(self._send(session, feed, sent))
            async for audio in session:
                yield audio
            await sender
            self._verify(session, "".join(map(_spoken(feed), feed.sentences)))
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, QwenTtsError):
                    await sender
            await session.close()

    @staticmethod
    async def _send_ready(session: RealtimeSession, feed: TextFeed, index: int) -> int:
        spoken = _spoken(feed)
        while index < len(feed.sentences):
            await session.append(spoken(feed.sentences[index]))
            index += 1
        return index

    async def _send(self, session: RealtimeSession, feed: TextFeed, index: int) -> None:
        """Append text as it arrives, then finish (or close, when the source failed)."""
        while True:
            index = await self._send_ready(session, feed, index)
            if feed.done:
                break
            await feed.changed()
        if feed.error is None:
            await session.finish()
        else:
            await session.close()  # ends the audio loop, which then raises the source's error

    def _verify(self, session: RealtimeSession, text: str) -> None:
        """Raise if the service billed fewer characters than the text has (text was lost)."""
        responses = session.metrics.responses
        self.stats.segments = len(responses)
        expected = catalog.billed_characters("".join(text.split()))
        billed = [response.characters for response in responses]
        if not responses:
            raise IncompleteAudioError(
                f"The service finished without speaking any of the {expected} characters "
                "sent (spaces not counted)."
            )
        if any(characters is None for characters in billed):
            _LOGGER.warning(
                "server_commit: %d of %d responses reported no usage, so it cannot be "
                "checked that all %d characters were spoken",
                billed.count(None),
                len(billed),
                expected,
            )
            return
        total = sum(characters or 0 for characters in billed)
        if total < expected:
            raise IncompleteAudioError(
                f"The service spoke {total} of the {expected} characters sent (spaces not "
                "counted) and finished: the rest of the text was lost (server "
                "segmentation cannot resume; client segmentation can)."
            )


def _spoken(feed: TextFeed) -> Callable[[str], str]:
    """What is sent of the feed's text: an SSML document's words, other text as it is."""
    return ssml_text if feed.ssml else str
