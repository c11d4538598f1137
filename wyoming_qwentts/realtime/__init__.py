"""Asyncio client of Model Studio's Qwen realtime TTS WebSocket protocol."""

from .client import QwenRealtimeClient, SessionSource, Synthesis
from .config import Mode, SessionConfig, Timeouts
from .errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectError,
    ConnectionClosedError,
    InvalidParameterError,
    ProtocolError,
    QwenTimeoutError,
    QwenTtsError,
    RateLimitError,
    ServiceError,
    UnknownModelError,
)
from .feeder import TextFeeder, feeding
from .pool import PoolStats, WarmPool
from .session import RealtimeSession, ResponseMetrics, SessionMetrics

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "ConnectError",
    "ConnectionClosedError",
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
    "ServiceError",
    "SessionConfig",
    "SessionMetrics",
    "SessionSource",
    "Synthesis",
    "TextFeeder",
    "Timeouts",
    "UnknownModelError",
    "WarmPool",
    "feeding",
]
