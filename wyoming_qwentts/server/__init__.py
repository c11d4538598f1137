"""The Wyoming server: Wyoming synthesize events in, PCM audio out as it arrives.

:mod:`.handler` serves one connection (within :mod:`.limits`), each request
(:mod:`.requests`) is spoken through :mod:`.upstream` — the voice :mod:`.menu` says which
model, :mod:`wyoming_qwentts.protocols` gives the stream — and written by
:mod:`.audio_output`; :mod:`.info` answers Describe and :mod:`.stdio` serves a pipe. No
protocol package is imported here.
"""

from .handler import QwenTtsEventHandler
from .info import ServerInfo, build_info
from .limits import ConnectionGate, ConnectionLimits
from .menu import VoiceMenu
from .upstream import Upstream, UpstreamSettings

__all__ = [
    "ConnectionGate",
    "ConnectionLimits",
    "QwenTtsEventHandler",
    "ServerInfo",
    "Upstream",
    "UpstreamSettings",
    "VoiceMenu",
    "build_info",
]
