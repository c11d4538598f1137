"""The seam between the product and a protocol: a source of sessions that speak segments.

A protocol package implements :class:`SpeechSource` and :class:`SpeechSession`; the speaker,
the Wyoming server and Home Assistant use nothing else of it. A session is one upstream
connection configured for one request's voice; :meth:`SpeechSession.respond` speaks one
segment and yields its audio until the service says the segment is done. A
:class:`SpeechStream` speaks one request's streamed text over such sessions: the speaker
does for every protocol, and a protocol may bring a native one of its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from .. import catalog
from ..core.metrics import SessionMetrics
from ..core.params import SpeechParams


class SpeechSession(ABC):
    """One upstream connection, configured, speaking one segment at a time."""

    metrics: SessionMetrics

    @property
    @abstractmethod
    def closed(self) -> bool:
        """True once the connection is closed."""

    @abstractmethod
    def respond(self, text: str, *, ssml: bool = False) -> AsyncIterator[bytes]:
        """Speak ``text`` as one unit: its audio, until the service says it is complete.
        With ``ssml`` it is an SSML document, for a model that takes SSML.

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

    @abstractmethod
    async def open_session(self, params: SpeechParams, **options: Any) -> SpeechSession:
        """A session ready for :meth:`SpeechSession.respond` (validated first: nothing is
        sent for parameters the model refuses). ``options`` are the protocol's own (the
        realtime ``mode``)."""


@dataclass(slots=True)
class SpeakerStats:
    """What one request went through."""

    attempts: int = 0
    """Sessions opened."""
    resumes: int = 0
    """Segments heard to restart after a fault."""
    segments: int = 0
    """Segments committed (one response each)."""
    empty_responses: int = 0
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
            model=first.model,
            protocol=first.protocol,
            responses=[response for session in self.sessions for response in session.responses],
        )


class SpeechStream(Protocol):
    """Speaks one request's streamed text: all of it once, in order, or an error."""

    stats: SpeakerStats

    @property
    def delivered(self) -> str | None:
        """The text whose audio was handed out whole; None once audio went out that cannot
        be matched to the text."""

    def speak(
        self, texts: AsyncIterable[str], *, text_format: str | None = None
    ) -> AsyncIterator[bytes]:
        """Audio of the text as it arrives; ends when all of it was spoken. ``text_format``:
        ``"text"``, ``"ssml"``, or None to tell an SSML document by its form."""
        ...
