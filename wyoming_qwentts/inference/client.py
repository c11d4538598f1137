"""Opening inference-protocol sockets on an injected aiohttp session."""

from __future__ import annotations

from typing import Any

from ..core.params import SpeechParams
from ..speech.dashscope import DashScopeClient
from . import wire
from .connection import InferenceConnection
from .session import InferenceSession


class InferenceClient(DashScopeClient):
    """Opens inference sockets (Qwen-Audio-TTS, CosyVoice, Sambert) for one key and model.

    Without a pool every session's socket is closed when the session ends.
    """

    protocol = "inference"
    path = wire.PATH
    max_idle = 50.0
    """Seconds a socket may wait unused before renewal (the service closes it at 60)."""

    async def connect(self) -> InferenceConnection:
        """Open a socket (the service says nothing until a task starts)."""
        handshake = await self._handshake(first_frame=False)
        return InferenceConnection(
            handshake.ws, self.model, timeouts=self.timeouts, connect_time=handshake.seconds
        )

    async def open_session(self, params: SpeechParams, **options: Any) -> InferenceSession:
        """A session on a new socket (validated first: nothing is sent if invalid)."""
        wire.to_wire(self.model, params, ssml=False)
        return await self.session_on(await self.connect(), params)

    async def session_on(
        self, connection: InferenceConnection, params: SpeechParams, **options: Any
    ) -> InferenceSession:
        """A session of ``params`` on an open socket."""
        return InferenceSession(connection, params)
