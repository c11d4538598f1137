"""One Wyoming synthesis request: its text as it arrives, its voice, and the error it may
end with (each with its stable Wyoming code)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from ..core import QwenTtsError


class RequestError(Exception):
    """A request the server refuses, with its stable Wyoming error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def error_code(err: BaseException) -> str:
    """The stable Wyoming ``Error.code`` of a failure (each error class carries its own)."""
    if isinstance(err, RequestError | QwenTtsError):
        return err.code
    return "internal-error"


@dataclass(slots=True)
class Request:
    """One synthesis request: a standalone ``synthesize`` or a streamed one."""

    streaming: bool
    voice: str | None
    language: str | None
    texts: asyncio.Queue[str | RequestError | None] = field(default_factory=asyncio.Queue)
    """Text for upstream; an error aborts the request, None ends it."""
    chars: int = 0
    failure: RequestError | None = None
    first_text_at: float = 0.0
    """Monotonic time the request's first text arrived."""

    def push(self, text: str, limit: int) -> None:
        """Queue text for upstream, unless the request already failed or got too long."""
        if self.failure is not None:
            return
        if not self.chars:
            self.first_text_at = time.monotonic()
        self.chars += len(text)
        if self.chars > limit:
            self.fail(
                RequestError(
                    "text-too-long", f"The text is longer than the limit of {limit} characters."
                )
            )
        else:
            self.texts.put_nowait(text)

    def fail(self, failure: RequestError) -> None:
        """Abort the request with ``failure`` (it reaches the job through the queue)."""
        self.failure = failure
        self.texts.put_nowait(failure)


def voice_fields(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(name, language)`` of an event's optional ``voice`` object, tolerating bad types."""
    voice = data.get("voice")
    if not isinstance(voice, dict):
        return None, None
    name, language = voice.get("name"), voice.get("language")
    return (
        name if isinstance(name, str) and name else None,
        language if isinstance(language, str) and language else None,
    )


async def texts_of(queue: asyncio.Queue[str | RequestError | None]) -> AsyncIterator[str]:
    """The request's text as it arrives; a queued RequestError aborts it."""
    while (piece := await queue.get()) is not None:
        if isinstance(piece, RequestError):
            raise piece
        yield piece
