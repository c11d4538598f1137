"""Typed errors of the Qwen realtime client. None of them ever carries the API key."""

from __future__ import annotations

from typing import Any, Literal

from ..errors import InvalidParameterError, QwenTtsError

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
]


class ConnectError(QwenTtsError):
    """The service could not be reached (DNS, TCP, TLS, or an unexpected handshake status)."""


class AuthenticationError(QwenTtsError):
    """The handshake was rejected with HTTP 401: the key is wrong, or of the other region."""

    def __init__(self, region: str | None) -> None:
        where = f" in region {region!r}" if region else ""
        super().__init__(
            f"The API key was rejected{where} (HTTP 401). DashScope keys are per region: "
            "a key created in Beijing fails in Singapore and vice versa."
        )
        self.region = region


class AccessDeniedError(QwenTtsError):
    """HTTP 403: the key may not use this model, or the account is in arrears."""

    def __init__(self, model: str) -> None:
        super().__init__(
            f"Access to {model} was denied (HTTP 403): check that the model is enabled for "
            "this key's workspace and that the account has no overdue payment."
        )
        self.model = model


class ServiceError(QwenTtsError):
    """An ``error`` event from the service, or a 5xx handshake status."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        detail = f" ({param})" if param else ""
        super().__init__(f"{code}: {message}{detail}")
        self.code = code
        self.message = message
        self.param = param


class RateLimitError(ServiceError):
    """HTTP 429 at the handshake, or a ``Throttling*`` error event."""


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


class ProtocolError(QwenTtsError):
    """The service sent something the protocol does not allow (e.g. audio that is not base64)."""


class IncompleteAudioError(QwenTtsError):
    """The service acknowledged text but did not speak it (a response without audio, or fewer
    characters billed than were sent)."""


class ConnectionClosedError(QwenTtsError):
    """The socket closed before ``session.finished``: audio may be incomplete."""


class UnknownModelError(QwenTtsError):
    """The service created a session and closed it without a word (an unknown model)."""

    def __init__(self, model: str, region: str | None) -> None:
        where = f" in region {region!r}" if region else ""
        super().__init__(
            f"The service closed the session without a reply: model {model!r} is unknown "
            f"or not served{where}."
        )
        self.model = model


class QwenTimeoutError(QwenTtsError, TimeoutError):
    """A configured timeout expired; ``phase`` says which one."""

    def __init__(
        self,
        phase: Literal["connect", "configure", "commit", "first_audio", "audio_gap"],
        seconds: float,
    ) -> None:
        what = {
            "connect": "connecting to the service",
            "configure": "waiting for session.updated",
            "commit": "waiting for the service to acknowledge a commit",
            "first_audio": "waiting for the first audio",
            "audio_gap": "waiting for more audio",
        }[phase]
        super().__init__(f"Timed out after {seconds:g} s {what}.")
        self.phase = phase
        self.seconds = seconds
