"""The Wyoming server's upstream: which model a request's voice means, its parameters, the
stream that speaks it, concurrency and shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from .. import catalog, protocols
from ..core import QwenTtsError, RetryPolicy, ServerBusyError, SpeechParams
from ..speech import SpeechSession, SpeechSource, SpeechStream, WarmPool
from ..speech.announcement import Announcement
from ..speech.failover import Breaker, Failover, connection_probe
from .fallback import WyomingVoice
from .menu import VoiceMenu

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class UpstreamSettings:
    """How the server synthesizes: the session defaults and its limits."""

    params: SpeechParams
    max_concurrency: int = 16
    queue_timeout: float = 30.0
    """Seconds a request may wait for an upstream slot before ``server-busy``."""
    segmentation: str = "client"
    """``client``: the speaker's segments (any protocol); another name: a protocol's own
    stream where it has one (realtime ``server``: ``server_commit``)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sessions_per_request: int = 2
    """Upstream sessions one request may use at once (the speaker's lanes); one slot."""
    announcement: Announcement = field(default_factory=Announcement)
    """A chime before every message, and the loudness its speech is brought to."""
    fallback: str | None = None
    """The Wyoming TTS server (tcp:// or unix://) that speaks what Model Studio cannot."""
    fallback_voice: str | None = None
    outage_failures: int = 2
    """Consecutive requests failed by the cloud after which the fallback speaks at once."""


@dataclass(frozen=True, slots=True)
class Choice:
    """What one request is spoken with: the source of its model, and its parameters."""

    source: SpeechSource
    params: SpeechParams


class Upstream:
    """Opens configured upstream sessions, at most ``max_concurrency`` at once.

    ``sources`` serve one model each (a client, or a warm pool of it), the models of
    ``menu``, whose first is the default's.
    """

    def __init__(
        self, sources: Sequence[SpeechSource], menu: VoiceMenu, settings: UpstreamSettings
    ) -> None:
        self.sources = {source.model.id: source for source in sources}
        self.menu = menu
        self.settings = settings
        self.jobs: set[asyncio.Task[None]] = set()
        self.started = 0
        """Requests begun since the start."""
        self._slots = asyncio.Semaphore(settings.max_concurrency)
        self.failovers = {model: Failover() for model in self.sources}
        """Each model's speech: the cloud, and with a fallback, the fallback when the cloud
        cannot speak (a breaker of each model: a refusal may be one model's)."""
        if settings.fallback:
            local = WyomingVoice(settings.fallback, settings.fallback_voice)
            for model, source in self.sources.items():
                breaker = Breaker(
                    connection_probe(source),
                    failures=settings.outage_failures,
                    policy=settings.retry,
                )
                if isinstance(source, WarmPool):  # its reconnects hear an outage first
                    source.on_connect = breaker.heard
                self.failovers[model] = Failover(local, breaker)

    @property
    def sample_rate(self) -> int:
        """The rate of the audio the server sends (one that every model produces)."""
        return self.settings.params.sample_rate or self.menu.models[0].default_sample_rate

    def choose(self, voice: str | None, language: str | None) -> Choice:
        """The model and parameters of a request's voice and language (InvalidParameterError
        if invalid). A language the model takes no hint for is left to the model."""
        model, voice_id = self.menu.resolve(voice)
        params = replace(self.settings.params, voice=voice_id)
        if language and (code := catalog.language_code(language)) in model.languages:
            params = replace(params, language=code)
        source = self.sources[model.id]
        source.check(params)
        return Choice(source, params)

    def track(self, job: asyncio.Task[None]) -> None:
        """Count a request's task among the in-flight jobs until it ends."""
        self.started += 1
        self.jobs.add(job)
        job.add_done_callback(self.jobs.discard)

    @asynccontextmanager
    async def stream(self, choice: Choice) -> AsyncIterator[SpeechStream]:
        """The stream of one request; it holds an upstream slot once it first connects."""
        slot = _Slot(self, choice.source)
        settings = self.settings
        try:
            yield protocols.stream_for(
                slot,
                choice.params,
                segmentation=settings.segmentation,
                policy=settings.retry,
                lanes=settings.sessions_per_request,
            )
        finally:
            slot.release()

    async def _acquire(self) -> None:
        try:
            async with asyncio.timeout(self.settings.queue_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise ServerBusyError(
                f"All {self.settings.max_concurrency} upstream sessions stayed busy for "
                f"{self.settings.queue_timeout:g} s."
            ) from None

    def outages(self) -> dict[str, QwenTtsError]:
        """The models whose breaker is open, and the fault that opened it."""
        return {
            model: failover.breaker.error
            for model, failover in self.failovers.items()
            if failover.breaker is not None and failover.breaker.error is not None
        }

    async def close(self) -> None:
        """Stop waiting for the cloud to answer (after :meth:`drain`)."""
        breakers = [f.breaker for f in self.failovers.values() if f.breaker is not None]
        await asyncio.gather(*(breaker.close() for breaker in breakers))

    async def drain(self, grace: float) -> None:
        """Let in-flight jobs finish for up to ``grace`` seconds, then cancel the rest."""
        if self.jobs:
            _LOGGER.info("Waiting up to %g s for %d in-flight request(s)", grace, len(self.jobs))
            _, pending = await asyncio.wait(set(self.jobs), timeout=grace)
            for job in pending:
                job.cancel()
            if pending:
                _LOGGER.warning(
                    "Cancelled %d request(s) still running after %g s", len(pending), grace
                )
                await asyncio.wait(pending)


class _Slot(SpeechSource):
    """The upstream's sessions for one request, which take one concurrency slot on first use."""

    def __init__(self, upstream: Upstream, source: SpeechSource) -> None:
        self.model = source.model
        self._upstream = upstream
        self._source = source
        self._held = False
        self._lock = asyncio.Lock()  # a request's sessions may connect at once: one slot

    def check(self, params: SpeechParams) -> None:
        self._source.check(params)

    async def open_session(self, params: SpeechParams, **options: Any) -> SpeechSession:
        async with self._lock:
            if not self._held:
                await self._upstream._acquire()
                self._held = True
        return await self._source.open_session(params, **options)

    def release(self) -> None:
        if self._held:
            self._held = False
            self._upstream._slots.release()
