"""A protocol-faithful local stand-in for Model Studio's TTS service (both WebSocket
protocols on one port), and the decoder of its audio."""

from .options import DISPUTED_BEHAVIOURS, SimulatedSession, SimulatorOptions
from .transport import INFERENCE_PATH, PATH, QwenSimulator
from .voice import decode, decode_wav, synthesize

__all__ = [
    "DISPUTED_BEHAVIOURS",
    "INFERENCE_PATH",
    "PATH",
    "QwenSimulator",
    "SimulatedSession",
    "SimulatorOptions",
    "decode",
    "decode_wav",
    "synthesize",
]
