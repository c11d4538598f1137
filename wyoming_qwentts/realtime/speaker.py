"""Speaking streamed text through faults: retry before the first audio, resume after it.

The speaker cuts the text into segments itself and commits each one (``commit`` mode), so it
knows which audio came from which text: one response per commit, in order. When the session
fails, a new one continues from the first segment whose audio was not fully delivered; the
listener may hear that one segment restart, nothing else repeated or skipped. Before any
audio was delivered a transient fault is retried transparently, with jittered backoff, until a
deadline. A key, permission or parameter error is never retried.

With ``segmentation="server"`` the text goes to the service as it arrives (``server_commit``)
instead; faults before the first audio are still retried, but a fault after it is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Literal

from ..segmenter import Segmenter
from .client import SessionSource
from .config import Mode, SessionConfig
from .errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidParameterError,
    QwenTtsError,
    ServiceError,
    UnknownModelError,
)
from .session import RealtimeSession, SessionMetrics

_LOGGER = logging.getLogger(__name__)

Segmentation = Literal["client", "server"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: backoff between attempts and the limits on them."""

    deadline: float = 5.0
    """Seconds, from the first attempt, within which a request may still be retried."""
    max_resumes: int = 3
    """Sessions a request may continue in after its audio started."""
    backoff: float = 0.2
    backoff_max: float = 2.0

    def delay(self, attempt: int) -> float:
        """Jittered exponential backoff before attempt ``attempt`` (1 = the first retry)."""
        base: float = min(self.backoff_max, self.backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.0)


def is_transient(err: BaseException) -> bool:
    """Whether another attempt may succeed (not a key, permission or parameter problem)."""
    if isinstance(
        err, AuthenticationError | AccessDeniedError | InvalidParameterError | UnknownModelError
    ):
        return False
    if isinstance(err, ServiceError) and (err.param or err.code == "invalid_value"):
        return False
    return isinstance(err, QwenTtsError)


@dataclass(slots=True)
class SpeakerStats:
    """What a request went through."""

    attempts: int = 0
    resumes: int = 0
    segments: int = 0
    sessions: list[SessionMetrics] = field(default_factory=list)

    @property
    def metrics(self) -> SessionMetrics | None:
        """The figures of all the request's sessions as one (None if none was opened)."""
        if not self.sessions:
            return None
        first = self.sessions[0]
        return SessionMetrics(
            connect_time=first.connect_time,
            sample_rate=first.sample_rate,
            responses=[response for session in self.sessions for response in session.responses],
        )


class _SourceFailed(Exception):
    """The text source raised: carries its error past the session's own."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class Speaker:
    """Speaks one streamed text; iterate over :meth:`speak` for its audio."""

    def __init__(
        self,
        source: SessionSource,
        config: SessionConfig,
        *,
        segmentation: Segmentation = "client",
        policy: RetryPolicy | None = None,
        first_cut: int = 12,
    ) -> None:
        self._source = source
        self._segmentation = segmentation
        mode: Mode = "commit" if segmentation == "client" else "server_commit"
        self._config = replace(config, mode=mode)
        self._policy = policy or RetryPolicy()
        self._segmenter = Segmenter(first_cut=first_cut)
        self._segments: list[str] = []
        self._leading = ""
        self._text_done = False
        self._source_error: Exception | None = None
        self._changed = asyncio.Event()
        self._session: RealtimeSession | None = None
        self.stats = SpeakerStats()

    async def speak(self, texts: AsyncIterable[str]) -> AsyncIterator[bytes]:
        """Audio of the text as it arrives; ends when all of it was spoken."""
        config = self._config
        config.to_session(self._source.model)  # an invalid setting fails before anything
        source = aiter(texts)
        reader: asyncio.Task[None] | None = None
        try:
            if not await self._first_segment(source):
                return  # no text at all: no session
            reader = asyncio.create_task(self._read(source))
            delivered = 0
            audio_started = False
            started = time.monotonic()
            retries = 0
            while True:
                self.stats.attempts += 1
                try:
                    async for audio in self._attempt(delivered):
                        audio_started = True
                        yield audio
                    return
                except _SourceFailed as failed:
                    raise failed.error from None
                except QwenTtsError as err:
                    if self._segmentation == "client":
                        delivered += self._done_in_last_session()
                    if not self._may_continue(err, audio_started, started, retries):
                        raise
                    retries += 1
                    if audio_started:
                        self.stats.resumes += 1
                    _LOGGER.warning(
                        "Session failed (%s); %s from segment %d in a new session",
                        err,
                        "resuming" if audio_started else "retrying",
                        delivered,
                    )
                    await asyncio.sleep(self._policy.delay(retries))
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
            if self._session is not None:
                await self._session.close()

    def _may_continue(
        self, err: QwenTtsError, audio_started: bool, started: float, retries: int
    ) -> bool:
        if not is_transient(err) or time.monotonic() - started > self._policy.deadline:
            return False
        if not audio_started:
            return True
        return self._segmentation == "client" and self.stats.resumes < self._policy.max_resumes

    def _done_in_last_session(self) -> int:
        session = self._session
        return session.responses_done if session is not None else 0

    async def _attempt(self, first_segment: int) -> AsyncIterator[bytes]:
        """One session: send segments from ``first_segment`` on, yield their audio."""
        session = await self._source.open_session(self._config, wait=False)
        self._session = session
        self.stats.sessions.append(session.metrics)
        sender: asyncio.Task[None] | None = None
        try:
            # The segments cut so far go out from here, without waiting for a task switch.
            index = await self._send_segments(session, first_segment)
            sender = asyncio.create_task(self._send(session, index))
            async for audio in session:
                yield audio
            await sender
        except QwenTtsError:
            if self._source_error is not None:
                raise _SourceFailed(self._source_error) from None
            raise
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, QwenTtsError):
                    await sender
            await session.close()

    async def _send_segments(self, session: RealtimeSession, index: int) -> int:
        """Send the segments cut so far from ``index`` on; the index of the next one."""
        while index < len(self._segments):
            await session.append(self._segments[index])
            if self._segmentation == "client":
                await session.commit()
            index += 1
        return index

    async def _send(self, session: RealtimeSession, index: int) -> None:
        """Send segments as they are cut (each committed in ``commit`` mode), then finish."""
        while True:
            index = await self._send_segments(session, index)
            if self._text_done:
                break
            await self._wait_for_segment(index)
        if self._source_error is None:
            await session.finish()
        else:
            await session.close()  # ends the audio loop, which then raises the source's error

    async def _wait_for_segment(self, index: int) -> None:
        """Wait until segment ``index`` exists or the text ended."""
        while index >= len(self._segments) and not self._text_done:
            self._changed.clear()
            await self._changed.wait()

    async def _first_segment(self, texts: AsyncIterator[str]) -> bool:
        """Read the text here until its first segment is cut (True) or it ended without one.

        The request's first text thus reaches the service without a task switch; the rest
        is read by :meth:`_read` while audio plays.
        """
        while not self._segments:
            try:
                text = await anext(texts)
            except StopAsyncIteration:
                await self._read(texts)  # nothing left to read: cuts the last segment
                return bool(self._segments)
            self._cut(text)
        return True

    def _cut(self, text: str) -> None:
        if self._segmentation == "client":
            self._add(self._segmenter.feed(text))
        elif text:
            self._add([text])

    async def _read(self, texts: AsyncIterator[str]) -> None:
        """Consume the rest of the text source, cutting segments (or passing pieces through)."""
        try:
            async for text in texts:
                self._cut(text)
            if self._segmentation == "client":
                self._add([self._segmenter.flush()])
        except Exception as err:
            self._source_error = err  # the sender closes the session on it
        finally:
            self._text_done = True
            self._changed.set()

    def _add(self, pieces: list[str]) -> None:
        for piece in pieces:
            if not piece.strip():
                if not self._segments:
                    self._leading += piece  # whitespace rides with the first text
                elif self._segmentation == "server":
                    self._segments.append(piece)
                continue  # a commit of whitespace alone would speak nothing
            self._segments.append(self._leading + piece)
            self._leading = ""
        self.stats.segments = len(self._segments)
        self._changed.set()
