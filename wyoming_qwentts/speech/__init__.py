"""What makes any protocol speak a request: the seam a protocol implements
(:class:`SpeechSource` / :class:`SpeechSession`), the speaker that gives every source
streaming text, retries, resumes and accounting, the warm pool, and the DashScope client
base every protocol's client is built on."""

from .pool import WarmPool
from .source import SpeakerStats, SpeechSession, SpeechSource, SpeechStream
from .speaker import Speaker, Synthesis, synthesize
from .tape import TextTape
from .text import single_text

__all__ = [
    "Speaker",
    "SpeakerStats",
    "SpeechSession",
    "SpeechSource",
    "SpeechStream",
    "Synthesis",
    "TextTape",
    "WarmPool",
    "single_text",
    "synthesize",
]
