"""Asyncio client of Model Studio's Qwen-TTS realtime WebSocket protocol
(``/api-ws/v1/realtime``): the Qwen3-TTS models."""

from .client import QwenRealtimeClient
from .connection import RealtimeConnection
from .server_commit import ServerCommitStream
from .session import RealtimeSession
from .wire import Mode

__all__ = [
    "Mode",
    "QwenRealtimeClient",
    "RealtimeConnection",
    "RealtimeSession",
    "ServerCommitStream",
]
