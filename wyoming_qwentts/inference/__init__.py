"""Asyncio client of Model Studio's inference TTS WebSocket protocol (``/api-ws/v1/inference``):
Qwen-Audio-TTS, CosyVoice and Sambert."""

from .client import InferenceClient
from .connection import InferenceConnection
from .session import InferenceSession

__all__ = ["InferenceClient", "InferenceConnection", "InferenceSession"]
