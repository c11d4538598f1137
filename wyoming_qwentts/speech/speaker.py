"""Speaking streamed text so that all of it is heard once, in order, or the request fails.

The speaker cuts the text into sentences itself and sends them as *segments*, one response
at a time per session (:meth:`~.source.SpeechSession.respond`: a realtime ``commit`` or an
inference task): a segment goes out only when its session has no response active, because
no service is known to queue text sent during one. Every segment is accounted for: its
response must end as the protocol says it ends and must carry audio; a segment whose
response is empty, or whose session fails, is sent again, so at most that one segment is
heard twice and nothing is skipped.

So that the listener does not wait between segments, a request uses up to ``lanes``
sessions: while one session speaks segment *n*, another already synthesizes segment *n + 1*;
the audio is handed out in order. A segment takes every sentence cut by the time a session
is free for it (up to ``max_segment_chars``), so text that arrives faster than it is spoken
makes fewer, longer responses. The first segment goes out as soon as it is cut.

Before any audio was delivered a transient fault is retried with jittered backoff until a
deadline; after audio, a failed segment is resumed in a new session a limited number of
times. A key, permission or parameter error is never retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field

from ..core.errors import IncompleteAudioError, QwenTtsError
from ..core.metrics import SessionMetrics
from ..core.params import SpeechParams
from ..core.policy import Retries, RetryPolicy
from ..core.ssml import ssml_text
from ..core.tasks import start_task
from .source import SpeakerStats, SpeechSession, SpeechSource
from .text import TextFeed, single_text

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class _Segment:
    """Text committed as one response, and its audio as it arrives."""

    index: int
    text: str
    chunks: deque[bytes] = field(default_factory=deque)
    """Audio received and not yet handed out."""
    complete: bool = False
    generation: int = 0
    """Bumped at each response for the segment (a new one after a fault starts it again)."""
    heard: int = 0
    """The generation whose audio was last handed out."""


class Speaker:
    """Speaks one streamed text; iterate over :meth:`speak` for its audio."""

    def __init__(
        self,
        source: SpeechSource,
        params: SpeechParams,
        *,
        policy: RetryPolicy | None = None,
        first_cut: int = 12,
        lanes: int = 2,
        max_segment_chars: int = 150,
    ) -> None:
        self._source = source
        self._params = params
        self._policy = policy or RetryPolicy()
        self._retries = Retries(self._policy)
        self._first_cut = first_cut
        self._feed = TextFeed(first_cut=first_cut)
        self._lanes = max(1, lanes)
        self._max_chars = max_segment_chars
        self._segments: list[_Segment] = []
        self._taken = 0
        """Sentences of the feed placed into segments."""
        self._cursor = 0
        """The segment whose audio is being handed out."""
        self._failure: BaseException | None = None
        self._failed_at = 0
        """The segment that could not be delivered: the audio before it is handed out."""
        self._heard = False
        self._answered = asyncio.Event()
        """A first response began (audio) or ended: the key, voice and settings work."""
        self.stats = SpeakerStats()

    async def speak(
        self, texts: AsyncIterable[str], *, text_format: str | None = None
    ) -> AsyncIterator[bytes]:
        """Audio of the text as it arrives; ends when all of it was spoken.

        ``text_format`` (``"text"`` or ``"ssml"``) says what the text is; None tells an SSML
        document by its form (see :class:`~.text.TextFeed`).
        """
        self._source.check(self._params)  # an invalid setting fails before anything
        self._feed = feed = TextFeed(first_cut=self._first_cut, text_format=text_format)
        lanes: set[asyncio.Task[None]] = set()
        spoken = False
        try:
            if not await feed.start(texts):
                return  # no text at all: no session
            # The first lane sends the first segment before this task waits for its audio.
            lanes = {start_task(self._lane(lane)) for lane in range(self._lanes)}
            async for audio in self._hand_out():
                yield audio
            spoken = True
        finally:
            await feed.stop()
            await self._stop_lanes(lanes, spoken=spoken)

    @property
    def delivered(self) -> str:
        """The text whose audio was handed out whole (segments before the current one)."""
        return "".join(segment.text for segment in self._segments[: self._cursor])

    # Handing audio out, in order -----------------------------------------------------------

    async def _hand_out(self) -> AsyncIterator[bytes]:
        feed = self._feed
        while True:
            while self._cursor >= len(self._segments):
                self._raise_failure()
                if feed.done and self._taken == len(feed.sentences):
                    return
                await feed.changed()
            segment = self._segments[self._cursor]
            while True:
                self._raise_failure()
                if chunks := segment.chunks:
                    segment.heard = segment.generation
                    self._heard = True
                    # What arrived together goes out together: one write, not one per delta.
                    audio = chunks.popleft() if len(chunks) == 1 else b"".join(chunks)
                    chunks.clear()
                    yield audio
                elif segment.complete:
                    break
                else:
                    await feed.changed()
            self._cursor += 1
            feed.notify()

    def _raise_failure(self) -> None:
        if self._failure is not None and self._cursor >= self._failed_at:
            raise self._failure
        if self._feed.error is not None:
            raise self._feed.error

    # Sessions ----------------------------------------------------------------------------

    async def _lane(self, lane: int) -> None:
        """One session's work: take the next segment when free, speak it, account for it.

        Lanes after the first open their session only once a first response answered, so
        that a rejected key, voice or setting costs one session, not one per lane, and a
        burst of requests gets its first audio before their second sessions' handshakes.
        """
        session: SpeechSession | None = None
        segment: _Segment | None = None
        try:
            while (segment := await self._next_segment()) is not None:
                if lane and not self._answered.is_set():
                    await self._answered.wait()
                session = await self._speak_segment(session, segment)
            if session is not None and self._failure is None and self._feed.error is None:
                # A clean end: its segments are all delivered already, so a fault now costs
                # nothing but the courtesy.
                with contextlib.suppress(QwenTtsError):
                    await session.end()
        except asyncio.CancelledError:
            raise
        except BaseException as err:
            # The listener still hears every segment before the first one that failed.
            index = segment.index if segment is not None else self._cursor
            if self._failure is None or index < self._failed_at:
                self._failure, self._failed_at = err, index
            self._feed.notify()
        finally:
            if session is not None:
                await session.close()

    async def _next_segment(self) -> _Segment | None:
        """The next segment to send, once there is text for it and room ahead of the
        listener (at most ``lanes`` segments are synthesized or held at once)."""
        feed = self._feed
        while True:
            if self._failure is not None or feed.error is not None:
                return None
            room = len(self._segments) - self._cursor < self._lanes
            if room and self._taken < len(feed.sentences):
                return self._new_segment()
            if feed.done and self._taken == len(feed.sentences):
                return None
            await feed.changed()

    def _new_segment(self) -> _Segment:
        sentences = self._feed.sentences
        text = sentences[self._taken]
        self._taken += 1
        while (
            self._segments  # the first segment goes out alone, as soon as it is cut
            and self._taken < len(sentences)
            and len(text) + len(sentences[self._taken]) <= self._max_chars
        ):
            text += sentences[self._taken]
            self._taken += 1
        segment = _Segment(len(self._segments), text)
        self._segments.append(segment)
        self.stats.segments += 1
        return segment

    async def _speak_segment(
        self, session: SpeechSession | None, segment: _Segment
    ) -> SpeechSession | None:
        """Speak ``segment`` in ``session`` (or a new one), again after each failure.

        Returns the session to use next, or None when the last one ended with a fault.
        """
        first_failure: float | None = None
        retries = empties = 0
        while True:
            try:
                if session is None:
                    session = await self._open()
                if await self._respond(session, segment):
                    return session
                empties += 1
                self.stats.empty_responses += 1
                if empties > self._policy.empty_responses:
                    await session.close()
                    raise IncompleteAudioError(
                        f"The service acknowledged segment {segment.index + 1} "
                        f"({_quote(segment.text)}) but returned no audio for it."
                    )
                _LOGGER.warning(
                    "The response to segment %d had no audio; sending it again",
                    segment.index + 1,
                )
                # Text sent right after a response may be taken for its residue: wait a bit.
                await asyncio.sleep(self._policy.settle * empties)
            except QwenTtsError as err:
                session = None
                now = time.monotonic()
                if first_failure is None:
                    first_failure = now
                retries += 1
                pause = self._retries.pause(
                    err, attempt=retries, failing_for=now - first_failure, heard=self._heard
                )
                if pause is None:
                    raise self._final(err, segment) from None
                _LOGGER.warning(
                    "Session failed (%s); %s segment %d in a new session",
                    err,
                    "resuming" if self._heard else "retrying",
                    segment.index + 1,
                )
                await asyncio.sleep(pause)

    async def _open(self) -> SpeechSession:
        self.stats.attempts += 1
        session = await self._source.open_session(self._params)
        self.stats.sessions.append(session.metrics)
        return session

    async def _respond(self, session: SpeechSession, segment: _Segment) -> bool:
        """One response for the segment; False when it carried no audio at all."""
        feed = self._feed
        if segment.generation and segment.heard == segment.generation:
            self.stats.resumes += 1  # part of it was heard: the listener hears it restart
        segment.generation += 1
        segment.chunks.clear()
        received = 0
        ssml = self._feed.ssml and self._takes_ssml
        spoken = segment.text if ssml or not self._feed.ssml else ssml_text(segment.text)
        async for audio in session.respond(spoken, ssml=ssml):
            received += len(audio)
            segment.chunks.append(audio)
            feed.notify()  # the audio is handed out before a second lane opens its session
            self._answered.set()
        self._answered.set()
        if not received and _speakable(spoken, ssml=ssml):
            return False
        segment.complete = True
        feed.notify()
        return True

    @property
    def _takes_ssml(self) -> bool:
        """Whether the model speaks an SSML document as SSML (any other gets its words: its
        markup would be read out)."""
        return "ssml" in self._source.model.options

    def _final(self, err: QwenTtsError, segment: _Segment) -> QwenTtsError:
        """The error a request ends with: what failed and, once audio began, what was lost."""
        if not self._heard:
            return err
        heard = sum(len(s.text) for s in self._segments[: segment.index])
        total = len("".join(self._feed.sentences))
        detail = (
            f"{err} Speech stopped at segment {segment.index + 1}: "
            f"{heard} of {total} characters were spoken."
        )
        return _with_message(err, detail)

    async def _stop_lanes(self, lanes: set[asyncio.Task[None]], *, spoken: bool) -> None:
        """End the sessions: after a request ``spoken`` whole, the ones still finishing get a
        moment; the rest (all of them, for a listener gone) are cancelled, even if this task
        is cancelled meanwhile."""
        if not lanes:
            return
        try:
            if spoken and self._failure is None and self._feed.error is None:
                await asyncio.wait(lanes, timeout=self._policy.backoff_max)
        finally:
            for lane in lanes:
                lane.cancel()
        await asyncio.gather(*lanes, return_exceptions=True)


@dataclass(frozen=True, slots=True)
class Synthesis:
    """Audio of a whole text, and the figures of the request."""

    audio: bytes
    metrics: SessionMetrics


async def synthesize(source: SpeechSource, text: str, params: SpeechParams) -> Synthesis:
    """Speak a whole text as any request is spoken (segmented, retried, resumed) and return
    all of its audio."""
    speaker = Speaker(source, params)
    audio = b"".join([chunk async for chunk in speaker.speak(single_text(text))])
    return Synthesis(audio, speaker.stats.metrics or SessionMetrics(model=source.model.id))


def _speakable(text: str, *, ssml: bool) -> bool:
    """Whether a segment must produce audio (punctuation alone, or an SSML document without
    words, may well not)."""
    return any(char.isalnum() for char in (ssml_text(text) if ssml else text))


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _with_message(err: QwenTtsError, message: str) -> QwenTtsError:
    """``err`` with a longer message, keeping its type (and so its error code)."""
    err.args = (message,)
    return err
