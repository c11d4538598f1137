"""The vocabulary every layer shares: errors, neutral speech parameters, PCM, metrics, text
(sentences, SSML), the retry policy and timeouts, and the event loop runner.

Nothing here knows a model, a protocol or a front end: ``core`` imports nothing else of
the package.
"""

from .errors import (
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
    ServerBusyError,
    ServiceError,
    UnknownModelError,
    VoiceNotReadyError,
    VoiceQuotaError,
)
from .metrics import ResponseMetrics, SessionMetrics
from .params import SpeechParams
from .policy import Retries, RetryPolicy, Timeouts, is_cloud_fault, is_transient

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
    "ResponseMetrics",
    "Retries",
    "RetryPolicy",
    "ServerBusyError",
    "ServiceError",
    "SessionMetrics",
    "SpeechParams",
    "Timeouts",
    "UnknownModelError",
    "VoiceNotReadyError",
    "VoiceQuotaError",
    "is_cloud_fault",
    "is_transient",
]
