"""Asyncio client of Model Studio's Qwen realtime TTS WebSocket protocol."""

from .attempts import RetryPolicy, SpeakerStats, is_transient
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
from .metrics import ResponseMetrics, SessionMetrics
from .pool import PoolStats, WarmPool
from .session import RealtimeSession
from .speaker import Segmentation, Speaker

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
