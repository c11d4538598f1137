"""Upstream sessions for the Wyoming server: voice defaults, concurrency and shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from . import catalog
from .core import RetryPolicy, ServerBusyError, Speaker, SpeechParams, SpeechSession, SpeechSource
from .realtime import ServerCommitStream

Segmentation = Literal["client", "server"]
"""``client``: the speaker's segments (any protocol); ``server``: realtime ``server_commit``."""

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    """How the server synthesizes: the session defaults and its limits."""

    params: SpeechParams
    max_concurrency: int = 16
    queue_timeout: float = 30.0
    """Seconds a request may wait for an upstream slot before ``server-busy``."""
    segmentation: Segmentation = "client"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sessions_per_request: int = 2
    """Upstream sessions one request may use at once (the speaker's lanes); one slot."""


class TtsService:
    """Opens configured upstream sessions, at most ``max_concurrency`` at once.

    ``source`` is the client itself or a :class:`~wyoming_qwentts.realtime.WarmPool` of it.
    """

    def __init__(self, source: SpeechSource, settings: ServiceSettings) -> None:
        self.source = source
        self.settings = settings
        self.jobs: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(settings.max_concurrency)

    @property
    def model(self) -> catalog.Model:
        """The configured model."""
        return self.source.model

    @property
    def sample_rate(self) -> int:
        """The rate of the audio the server sends."""
        return self.settings.params.sample_rate or self.model.default_sample_rate

    def params_for(self, voice: str | None, language: str | None) -> SpeechParams:
        """The parameters for a request's voice and language (InvalidParameterError if
        invalid). A language the model takes no hint for is left to the model."""
        params = self.settings.params
        if voice:
            params = replace(params, voice=voice)
        if language and (code := language_code(language)) in self.model.languages:
            params = replace(params, language=code)
        self.source.check(params)
        return params

    def track(self, job: asyncio.Task[None]) -> None:
        """Count a request's task among the in-flight jobs until it ends."""
        self.jobs.add(job)
        job.add_done_callback(self.jobs.discard)

    @asynccontextmanager
    async def speaker(self, params: SpeechParams) -> AsyncIterator[Speaker | ServerCommitStream]:
        """A speaker for one request; it holds an upstream slot once it first connects."""
        slot = _Slot(self)
        settings = self.settings
        try:
            if settings.segmentation == "server" and self.model.protocol == "realtime":
                yield ServerCommitStream(slot, params, settings.retry)
            else:
                yield Speaker(
                    slot, params, policy=settings.retry, lanes=settings.sessions_per_request
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
    """The service's sessions for one request, which take one concurrency slot on first use."""

    def __init__(self, service: TtsService) -> None:
        self.model = service.model
        self._service = service
        self._held = False
        self._lock = asyncio.Lock()  # a request's sessions may connect at once: one slot

    def check(self, params: SpeechParams) -> None:
        self._service.source.check(params)

    async def open_session(self, params: SpeechParams, **options: Any) -> SpeechSession:
        async with self._lock:
            if not self._held:
                await self._service._acquire()
                self._held = True
        return await self._service.source.open_session(params, **options)

    def release(self) -> None:
        if self._held:
            self._held = False
            self._service._slots.release()


def language_code(language: str) -> str:
    """The ISO 639-1 code of a language tag such as ``en``, ``en-US`` or ``zh_CN``."""
    return language.replace("_", "-").split("-")[0].lower()
