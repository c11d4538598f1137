"""A request's use of an inference socket: one task per segment, with the request's voice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ..core.metrics import ResponseMetrics, SessionMetrics
from ..core.params import SpeechParams
from ..speech.source import SpeechSession
from . import wire
from .connection import InferenceConnection


class InferenceSession(SpeechSession):
    """Speaks segments as tasks on one socket; :meth:`end` gives the socket back for reuse.

    An SSML document goes with ``enable_ssml``, as the single piece of its task (the speaker
    sends only the words of one to a model that does not take SSML).
    """

    def __init__(self, connection: InferenceConnection, params: SpeechParams) -> None:
        model = connection.model
        self.connection = connection
        self.metrics = SessionMetrics(
            connect_time=connection.connect_time,
            sample_rate=params.sample_rate or model.default_sample_rate,
            model=model.id,
            protocol="inference",
        )
        self._voice = params.voice or model.default_voice
        self._ended = False
        self._plain = wire.to_wire(model, params, ssml=False)
        self._ssml = wire.to_wire(model, params, ssml=True) if "ssml" in model.options else None

    @property
    def closed(self) -> bool:
        return self.connection.closed

    async def respond(self, text: str, *, ssml: bool = False) -> AsyncIterator[bytes]:
        """One task for ``text``: its audio until ``task-finished``."""
        parameters: dict[str, Any] = self._plain
        if ssml and self._ssml is not None:
            parameters = self._ssml
        metrics = ResponseMetrics("")
        self.metrics.responses.append(metrics)
        async for audio in self.connection.run(parameters, text, metrics, voice=self._voice):
            yield audio

    async def end(self) -> None:
        """Give the socket back to where it came from (a pool keeps it for the next task)."""
        self._ended = True
        await self.connection.give_back()

    async def close(self) -> None:
        """Drop the socket, unless :meth:`end` gave it back already."""
        if not self._ended:
            self._ended = True
            await self.connection.close()
