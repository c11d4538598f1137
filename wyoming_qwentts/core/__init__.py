"""What every protocol shares: errors, speech parameters, metrics, the speaker, and the seam
(:mod:`.source`) each protocol implements."""

from .attempts import RetryPolicy, SpeakerStats, is_transient
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
)
from .metrics import ResponseMetrics, SessionMetrics
from .params import SpeechParams
from .source import SpeechSession, SpeechSource, Synthesis
from .speaker import Speaker

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
    "RetryPolicy",
    "ServerBusyError",
    "ServiceError",
    "SessionMetrics",
    "Speaker",
    "SpeakerStats",
    "SpeechParams",
    "SpeechSession",
    "SpeechSource",
    "Synthesis",
    "UnknownModelError",
    "is_transient",
]
