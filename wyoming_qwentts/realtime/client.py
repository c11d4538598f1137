"""Opening realtime sessions on an injected aiohttp session."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import aiohttp

from .. import catalog
from ..core.client import DashScopeClient, Timeouts
from ..core.errors import ConnectError
from ..core.params import SpeechParams
from .config import Mode
from .errors import error_from_event
from .session import RealtimeSession
from .wire import session_object


class QwenRealtimeClient(DashScopeClient):
    """Opens Qwen realtime TTS sessions for one key, region (or URL) and model."""

    protocol = "realtime"

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

    max_idle = 20.0
    """Seconds a warm session may wait unused (the service closes it after about 23)."""

    async def open_session(  # type: ignore[override]  # the protocol's options, by name
        self, params: SpeechParams, *, mode: Mode = "commit", wait: bool = False
    ) -> RealtimeSession:
        """Connect and configure: a session ready for text (see ``configure`` for ``wait``).

        ``commit`` (the default) is what :meth:`RealtimeSession.respond` needs.
        """
        session_object(self.model, params, mode)  # fail fast, before the network
        return await self.session_on(await self.connect(), params, mode=mode, wait=wait)

    async def session_on(
        self,
        session: RealtimeSession,
        params: SpeechParams,
        *,
        mode: Mode = "commit",
        wait: bool = False,
    ) -> RealtimeSession:
        """Configure a connected session (closed if that fails)."""
        try:
            await session.configure(params, mode=mode, wait=wait)
        except BaseException:
            await session.close()
            raise
        return session

    async def connect(self) -> RealtimeSession:
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
            if isinstance(event, dict) and event.get("type") == "session.created":
                session_id = str((event.get("session") or {}).get("id", ""))
            elif isinstance(event, dict) and event.get("type") == "error":
                await ws.close()
                raise error_from_event(event.get("error"))
        if not session_id:
            await ws.close()
            raise ConnectError(
                f"The service did not open a session (first frame: {msg.type.name})."
            )
        return RealtimeSession(
            ws,
            self.model,
            region=self.region,
            timeouts=self.timeouts,
            session_id=session_id,
            connect_time=handshake.seconds,
        )
