"""Opening realtime sessions on an injected aiohttp session."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import aiohttp

from .. import catalog
from ..core.errors import ConnectError
from ..core.params import SpeechParams
from ..core.policy import Timeouts
from ..speech.dashscope import DashScopeClient
from . import wire
from .connection import RealtimeConnection
from .session import RealtimeSession


class QwenRealtimeClient(DashScopeClient):
    """Opens Qwen realtime TTS sessions for one key, region (or URL) and model."""

    protocol = "realtime"
    path = wire.PATH
    max_idle = 20.0
    """Seconds a warm session may wait unused (the service closes it after about 23)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        api_key: str,
        *,
        model: str = catalog.DEFAULT_MODEL,
        region: str = catalog.DEFAULT_REGION,
        url: str | None = None,
        workspace: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        super().__init__(
            http,
            api_key,
            model=model,
            region=region,
            url=url,
            workspace=workspace,
            timeouts=timeouts,
        )
        base = self.url
        self.url = f"{base}{'&' if urlsplit(base).query else '?'}model={quote(self.model.id)}"

    async def open_session(  # type: ignore[override]  # the protocol's options, by name
        self, params: SpeechParams, *, mode: wire.Mode = "commit", wait: bool = False
    ) -> RealtimeSession:
        """Connect and configure: a session ready for text (see ``configure`` for ``wait``).

        ``commit`` (the default) is what :meth:`RealtimeSession.respond` needs.
        """
        wire.to_wire(self.model, params, mode)  # fail fast, before the network
        return await self.session_on(await self.connect(), params, mode=mode, wait=wait)

    async def session_on(
        self,
        connection: RealtimeConnection,
        params: SpeechParams,
        *,
        mode: wire.Mode = "commit",
        wait: bool = False,
    ) -> RealtimeSession:
        """Configure a connected session (closed if that fails)."""
        session = RealtimeSession(connection)
        try:
            await session.configure(params, mode=mode, wait=wait)
        except BaseException:
            await session.close()
            raise
        return session

    async def connect(self) -> RealtimeConnection:
        """Open a socket and wait for ``session.created`` (the session is not configured)."""
        handshake = await self._handshake(first_frame=True)
        ws, msg = handshake.ws, handshake.first
        assert msg is not None
        session_id = ""
        if msg.type is aiohttp.WSMsgType.TEXT:
            try:
                event = json.loads(msg.data)
            except ValueError:
                event = {}
            if isinstance(event, dict) and wire.is_type(event, "session.created"):
                session_id = str((event.get("session") or {}).get("id", ""))
            elif isinstance(event, dict) and wire.is_type(event, "error"):
                await ws.close()
                raise wire.error_from_event(event)
        if not session_id:
            await ws.close()
            raise ConnectError(
                f"The service did not open a session (first frame: {msg.type.name})."
            )
        return RealtimeConnection(
            ws,
            self.model,
            region=self.region,
            timeouts=self.timeouts,
            session_id=session_id,
            connect_time=handshake.seconds,
        )
