"""The seam between the product and a protocol: a source of sessions that speak segments.

A protocol package implements :class:`SpeechSource` and :class:`SpeechSession`; the speaker,
the Wyoming server and Home Assistant use nothing else of it. A session is one upstream
connection configured for one request's voice; :meth:`SpeechSession.respond` speaks one
segment and yields its audio until the service says the segment is done.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .. import catalog
from .metrics import SessionMetrics
from .params import SpeechParams


@dataclass(frozen=True, slots=True)
class Synthesis:
    """Audio of a whole text, and the figures of the request."""

    audio: bytes
    metrics: SessionMetrics


class SpeechSession(ABC):
    """One upstream connection, configured, speaking one segment at a time."""

    metrics: SessionMetrics

    @property
    @abstractmethod
    def closed(self) -> bool:
        """True once the connection is closed."""

    @abstractmethod
    def respond(self, text: str) -> AsyncIterator[bytes]:
        """Speak ``text`` as one unit: its audio, until the service says it is complete.

        Call it only when no other response of the session is active. A response with no
        audio at all is the caller's to detect (and to send again).
        """

    @abstractmethod
    async def end(self) -> None:
        """End cleanly after the last response (the connection may serve another request)."""

    @abstractmethod
    async def close(self) -> None:
        """Drop the connection at once (what was not delivered is lost)."""


class SpeechSource(ABC):
    """Opens sessions of one model: a protocol's client, or a warm pool of it."""

    model: catalog.Model

    def check(self, params: SpeechParams) -> None:
        """Raise InvalidParameterError if the model does not accept ``params``."""
        catalog.check_params(self.model, params)

    async def synthesize(self, text: str, params: SpeechParams) -> Synthesis:
        """Speak a whole text as any request is spoken (segmented, retried, resumed) and
        return all of its audio."""
        from .speaker import Speaker  # the speaker is built on this module

        speaker = Speaker(self, params)
        audio = b"".join([chunk async for chunk in speaker.speak(_one(text))])
        return Synthesis(audio, speaker.stats.metrics or SessionMetrics(model=self.model.id))

    @abstractmethod
    async def open_session(self, params: SpeechParams, **options: Any) -> SpeechSession:
        """A session ready for :meth:`SpeechSession.respond` (validated first: nothing is
        sent for parameters the model refuses). ``options`` are the protocol's own (the
        realtime ``mode``)."""


async def _one(text: str) -> AsyncIterator[str]:
    yield text
