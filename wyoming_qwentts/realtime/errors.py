"""Typed errors of the Qwen realtime client (the library's own, re-exported) and the
mapping of the protocol's ``error`` events onto them."""

from __future__ import annotations

from typing import Any

from ..errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectError,
    ConnectionClosedError,
    IncompleteAudioError,
    InvalidParameterError,
    ProtocolError,
    QwenTimeoutError,
    QwenTtsError,
    RateLimitError,
    ServiceError,
    UnknownModelError,
)

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "ConnectError",
    "ConnectionClosedError",
    "IncompleteAudioError",
    "InvalidParameterError",
    "ProtocolError",
    "QwenTimeoutError",
    "QwenTtsError",
    "RateLimitError",
    "ServiceError",
    "UnknownModelError",
    "error_from_event",
]


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
