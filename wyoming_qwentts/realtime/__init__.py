"""Asyncio client of Model Studio's Qwen realtime TTS WebSocket protocol."""

from .client import QwenRealtimeClient, Synthesis
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
from .session import RealtimeSession, ResponseMetrics, SessionMetrics

__all__ = [
    "AccessDeniedError",
    "AuthenticationError",
    "ConnectError",
    "ConnectionClosedError",
    "InvalidParameterError",
    "Mode",
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
    "Synthesis",
    "TextFeeder",
    "Timeouts",
    "UnknownModelError",
    "feeding",
]
