"""Opening realtime sessions on an injected aiohttp session."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import quote, urlsplit

import aiohttp

from .. import catalog
from ..core.dashscope import endpoint, handshake_error, headers, transport_error
from ..core.errors import ConnectError, QwenTimeoutError
from ..core.params import SpeechParams
from ..core.source import SpeechSource
from .config import Mode, Timeouts
from .errors import error_from_event
from .session import RealtimeSession
from .wire import session_object

_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=2.0)  # a hung peer must not hold a close


class QwenRealtimeClient(SpeechSource):
    """Opens Qwen realtime TTS sessions for one key, region (or URL) and model.

    Home Assistant passes its shared ``aiohttp.ClientSession``; the Wyoming server owns one.
    ``url`` overrides the region's endpoint (a proxy, or the simulator).
    """

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
        if not api_key:
            raise ValueError("An API key is required")
        self.model = catalog.get_model(model)
        self.region = catalog.get_region(region).id
        self.timeouts = timeouts or Timeouts()
        self._http = http
        self._headers = headers(api_key, workspace)
        base = endpoint("realtime", self.region, workspace=workspace, url=url)
        self.url = f"{base}{'&' if urlsplit(base).query else '?'}model={quote(self.model.id)}"

    max_idle = 20.0
    """Seconds a warm session may wait unused (the service closes it after about 23)."""

    def __repr__(self) -> str:
        return f"<QwenRealtimeClient model={self.model.id} url={self.url}>"

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

    @property
    def closed(self) -> bool:
        """True once the injected HTTP session is closed (the program is stopping)."""
        return bool(self._http.closed)

    async def connect(self) -> RealtimeSession:
        """Open a socket and wait for ``session.created`` (the session is not configured)."""
        if self.closed:
            raise ConnectError("The HTTP session is closed: the program is stopping.")
        started = time.monotonic()
        ws: aiohttp.ClientWebSocketResponse | None = None
        try:
            async with asyncio.timeout(self.timeouts.connect):
                ws = await self._http.ws_connect(
                    self.url,
                    headers=self._headers,
                    autoping=True,
                    max_msg_size=_MAX_MESSAGE_BYTES,
                    timeout=_WS_TIMEOUT,
                )
                msg = await ws.receive()
        except aiohttp.WSServerHandshakeError as err:
            raise handshake_error(err.status, self.region, self.model.id) from None
        except TimeoutError:
            if ws is not None:
                await ws.close()
            raise QwenTimeoutError("connect", self.timeouts.connect) from None
        except (aiohttp.ClientError, OSError) as err:
            raise transport_error(err, self.url) from None
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
            connect_time=time.monotonic() - started,
        )
