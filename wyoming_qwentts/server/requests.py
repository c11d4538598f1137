"""One Wyoming synthesis request: its text as it arrives, its voice, and the error it may
end with (each with its stable Wyoming code)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..core import QwenTtsError
from ..core.ssml import TEXT_FORMATS
from ..speech import TextTape


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
    text_format: str | None = None
    """``"text"``, ``"ssml"`` (Wyoming 1.10), or None: told by the text's form."""
    tape: TextTape = field(default_factory=TextTape)
    """Text for upstream; a failure aborts the request."""
    chars: int = 0
    failure: RequestError | None = None
    first_text_at: float = 0.0
    """Monotonic time the request's first text arrived."""

    @classmethod
    def of(cls, data: dict[str, Any], *, streaming: bool) -> Request:
        """A request of an event's data: its voice and text format, or a failure if either
        is malformed."""
        request = cls(streaming=streaming, voice=None, language=None)
        try:
            request.voice, request.language = voice_fields(data)
            request.text_format = text_format_of(data)
        except RequestError as err:
            request.fail(err)  # it ends with that error (a stream's chunks are ignored)
        return request

    def push(self, text: str, limit: int) -> None:
        """Write text on the request's tape, unless the request already failed, got too long,
        or the text is not valid Unicode."""
        if self.failure is not None:
            return
        if not is_unicode(text):
            self.fail(RequestError("bad-request", "The text is not valid Unicode."))
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
            self.tape.push(text)

    def fail(self, failure: RequestError) -> None:
        """Abort the request with ``failure`` (its reader meets it on the tape)."""
        self.failure = failure
        self.tape.fail(failure)


def is_unicode(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogate: it could not be sent on)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def voice_fields(data: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(name, language)`` of an event's optional ``voice`` object (None: not given).

    Raises RequestError (``bad-request``) for a voice that is not an object, or whose name or
    language is not a string of valid Unicode.
    """
    voice = data.get("voice")
    if voice is None:
        return None, None
    if not isinstance(voice, dict):
        raise RequestError(
            "bad-request", 'voice must be an object, e.g. {"name": "Cherry"}, not a string.'
        )
    fields = []
    for key in ("name", "language"):
        value = voice.get(key)
        if value is not None and not (isinstance(value, str) and is_unicode(value)):
            raise RequestError("bad-request", f"voice.{key} must be a string of valid Unicode.")
        fields.append(value or None)
    return fields[0], fields[1]


def text_format_of(data: dict[str, Any]) -> str | None:
    """An event's ``text_format`` (None: not given); RequestError for any other value."""
    text_format = data.get("text_format")
    if text_format is None or text_format in TEXT_FORMATS:
        return text_format
    raise RequestError(
        "bad-request", f'text_format must be "text" or "ssml", not {_shown(text_format)}.'
    )


def _shown(value: Any) -> str:
    text = repr(value) if is_unicode(str(value)) else "a string that is not valid Unicode"
    return text if len(text) <= 40 else text[:39] + "…"
