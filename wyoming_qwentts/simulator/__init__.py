"""A protocol-faithful local stand-in for the Qwen realtime TTS service, and its decoder."""

from .server import DISPUTED_BEHAVIOURS, PATH, QwenSimulator, SimulatedSession, SimulatorOptions
from .speech import decode, decode_wav, synthesize

__all__ = [
    "DISPUTED_BEHAVIOURS",
    "PATH",
    "QwenSimulator",
    "SimulatedSession",
    "SimulatorOptions",
    "decode",
    "decode_wav",
    "synthesize",
]
