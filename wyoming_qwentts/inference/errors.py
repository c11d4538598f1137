"""``task-failed`` (and ``error``) events of the inference protocol, as typed errors."""

from __future__ import annotations

import re
from typing import Any, Final

from ..core.errors import InvalidParameterError, QwenTtsError, RateLimitError, ServiceError

_VOICE_ENGINE_CODES: Final = re.compile(r"\b(418|411)\b")
"""Engine errors that field reports tie to a voice the model does not have."""


def error_of_event(event: dict[str, Any], *, voice: str | None, model: str) -> QwenTtsError:
    """The error a ``task-failed`` event (or an ``error`` event) stands for."""
    header = _object(event.get("header"))
    payload = _object(event.get("payload"))
    code = str(
        header.get("error_code") or event.get("error_code") or payload.get("code") or "TaskFailed"
    )
    message = str(
        header.get("error_message")
        or event.get("error_message")
        or payload.get("message")
        or "The task failed."
    )
    if "rate limit" in message.lower() or code.startswith("Throttling"):
        return RateLimitError(code, message)
    if _VOICE_ENGINE_CODES.search(f"{code} {message}") or "voice" in message.lower():
        return InvalidParameterError(
            "voice", f"{model} refused voice {voice!r}: {message} ({code})"
        )
    error = ServiceError(code, message)
    if "invalid" in code.lower() or "invalid" in message.lower():
        error.transient = False  # a refused request is refused again
    return error


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
