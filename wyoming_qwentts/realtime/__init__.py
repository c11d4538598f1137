"""Asyncio client of Model Studio's Qwen realtime TTS WebSocket protocol."""

from .client import QwenRealtimeClient, SessionSource, Synthesis
from .config import Mode, SessionConfig, Timeouts
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
    ServiceError,
    UnknownModelError,
)
from .pool import PoolStats, WarmPool
from .session import RealtimeSession, ResponseMetrics, SessionMetrics
from .speaker import RetryPolicy, Segmentation, Speaker, SpeakerStats, is_transient

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "ConnectError",
    "ConnectionClosedError",
    "IncompleteAudioError",
    "InvalidParameterError",
    "Mode",
    "PoolStats",
    "ProtocolError",
    "QwenRealtimeClient",
    "QwenTimeoutError",
    "QwenTtsError",
    "RateLimitError",
    "RealtimeSession",
    "ResponseMetrics",
    "RetryPolicy",
    "Segmentation",
    "ServiceError",
    "SessionConfig",
    "SessionMetrics",
    "SessionSource",
    "Speaker",
    "SpeakerStats",
    "Synthesis",
    "Timeouts",
    "UnknownModelError",
    "WarmPool",
    "is_transient",
]
