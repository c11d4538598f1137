"""Every error the library raises, each with its stable code and whether a retry may help.

``code`` is the Wyoming server's ``Error.code`` and names Home Assistant's translated
message; ``transient`` tells the speaker whether another attempt may succeed. Both are class
attributes (an instance may refine them), so no caller keeps its own mapping. None of these
errors ever carries the API key.
"""

from __future__ import annotations

from typing import Literal


class QwenTtsError(Exception):
    """Base class of every error raised by the library."""

    code: str = "upstream-failed"
    """The stable Wyoming ``Error.code``."""
    transient: bool = True
    """Whether another attempt may succeed (not a key, permission or parameter problem)."""


class InvalidParameterError(QwenTtsError, ValueError):
    """A parameter the model does not accept.

    ``field`` is the neutral name of the setting at fault (``voice``, ``rate`` …, as in
    :class:`~wyoming_qwentts.core.params.SpeechParams`); ``allowed`` lists the valid values
    when there is a short list of them.
    """

    code = "invalid-parameter"
    transient = False

    def __init__(self, field: str, message: str, allowed: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.allowed = allowed
        self.code = "invalid-voice" if field == "voice" else "invalid-parameter"


class ConnectError(QwenTtsError):
    """The service could not be reached (DNS, TCP, TLS, or an unexpected handshake status)."""

    code = "upstream-unreachable"


class AuthenticationError(QwenTtsError):
    """The handshake was rejected with HTTP 401: the key is wrong, or of the other region."""

    code = "auth-failed"
    transient = False

    def __init__(self, region: str | None) -> None:
        where = f" in region {region!r}" if region else ""
        super().__init__(
            f"The API key was rejected{where} (HTTP 401). DashScope keys are per region: "
            "a key created in Beijing fails in Singapore and vice versa."
        )
        self.region = region


class AccessDeniedError(QwenTtsError):
    """HTTP 403: the key may not use this model, or the account is in arrears."""

    code = "access-denied"
    transient = False

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
        self.service_code = code
        """The service's own error code (``InternalError``, ``invalid_value`` …)."""
        self.message = message
        self.param = param
        # A rejected parameter will be rejected again.
        self.transient = not (param or code == "invalid_value")


class RateLimitError(ServiceError):
    """HTTP 429 at the handshake, or a ``Throttling*`` error event."""

    code = "rate-limited"


class ProtocolError(QwenTtsError):
    """The service sent something the protocol does not allow (e.g. audio that is not base64)."""


class IncompleteAudioError(QwenTtsError):
    """The service acknowledged text but did not speak it (a response without audio, or fewer
    characters billed than were sent)."""


class ConnectionClosedError(QwenTtsError):
    """The socket closed before the end of a session or task: audio may be incomplete."""


class UnknownModelError(QwenTtsError):
    """The service created a session and closed it without a word (an unknown model)."""

    code = "unknown-model"
    transient = False

    def __init__(self, model: str, region: str | None) -> None:
        where = f" in region {region!r}" if region else ""
        super().__init__(
            f"The service closed the session without a reply: model {model!r} is unknown "
            f"or not served{where}."
        )
        self.model = model


Phase = Literal[
    "connect", "configure", "start", "commit", "first_audio", "audio_gap", "customization"
]
"""What a request was waiting for when a timeout expired."""


class QwenTimeoutError(QwenTtsError, TimeoutError):
    """A configured timeout expired; ``phase`` says which one."""

    code = "upstream-timeout"

    def __init__(self, phase: Phase, seconds: float) -> None:
        what = {
            "connect": "connecting to the service",
            "configure": "waiting for session.updated",
            "start": "waiting for task-started",
            "commit": "waiting for the service to acknowledge a commit",
            "first_audio": "waiting for the first audio",
            "audio_gap": "waiting for more audio",
            "customization": "waiting for the voice customization API",
        }[phase]
        super().__init__(f"Timed out after {seconds:g} s {what}.")
        self.phase = phase
        self.seconds = seconds


class ServerBusyError(QwenTtsError):
    """No upstream slot became free within the queue timeout."""

    code = "server-busy"
    transient = False


class VoiceQuotaError(QwenTtsError):
    """The account holds as many cloned or designed voices as it may."""

    code = "voice-quota"
    transient = False

    def __init__(self, message: str) -> None:
        super().__init__(
            f"The account holds as many voices as it may ({message}): delete one you no "
            "longer use (wyoming-qwentts voice delete ID), then try again."
        )


class VoiceNotReadyError(QwenTtsError):
    """A cloned or designed voice that is not (or not yet) usable: still deploying, or
    failed to deploy (``status`` says which)."""

    code = "voice-not-ready"

    def __init__(self, voice: str, status: str, message: str) -> None:
        super().__init__(message)
        self.voice = voice
        self.status = status
        self.transient = status == "DEPLOYING"
