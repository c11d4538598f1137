"""The realtime protocol's ``error`` events, as the library's typed errors."""

from __future__ import annotations

from typing import Any

from ..core.errors import RateLimitError, ServiceError


def error_from_event(error: Any) -> ServiceError:
    """The error of an ``error`` event's ``error`` object (any subset of its fields)."""
    if not isinstance(error, dict):
        error = {}
    code = str(error.get("code") or "unknown_error")
    message = str(error.get("message") or "The service reported an error.")
    param = error.get("param") if isinstance(error.get("param"), str) else None
    if code.startswith("Throttling"):
        return RateLimitError(code, message, param)
    return ServiceError(code, message, param)
