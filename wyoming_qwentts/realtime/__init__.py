"""Asyncio client of Model Studio's Qwen-TTS realtime WebSocket protocol
(``/api-ws/v1/realtime``)."""

from ..core.client import Timeouts
from .client import QwenRealtimeClient
from .config import Mode
from .server_commit import ServerCommitStream
from .session import RealtimeSession

__all__ = [
    "Mode",
    "QwenRealtimeClient",
    "RealtimeSession",
    "ServerCommitStream",
    "Timeouts",
]
