"""Opening inference-protocol sockets on an injected aiohttp session."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from .. import catalog
from ..core.dashscope import endpoint, handshake_error, headers, transport_error
from ..core.errors import ConnectError, QwenTimeoutError
from ..core.params import SpeechParams
from ..core.source import SpeechSource
from ..realtime.config import Timeouts
from . import wire
from .connection import InferenceConnection
from .session import InferenceSession

_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=2.0)


class InferenceClient(SpeechSource):
    """Opens inference sockets (Qwen-Audio-TTS, CosyVoice, Sambert) for one key and model.

    ``url`` overrides the region's endpoint; it may be the simulator's realtime URL (the
    inference endpoint is on the same host and port). Without a pool every session's socket
    is closed when the session ends.
    """

    max_idle = 50.0
    """Seconds a socket may wait unused before renewal (the service closes it at 60)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        api_key: str,
        *,
        model: str,
        region: str = catalog.DEFAULT_REGION,
        url: str | None = None,
        workspace: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("An API key is required")
        self.model = catalog.get_model(model)
        if self.model.protocol != "inference":
            raise ValueError(f"{self.model.id} is a realtime model: use QwenRealtimeClient")
        self.region = catalog.get_region(region).id
        self.timeouts = timeouts or Timeouts()
        self.url = endpoint("inference", self.region, workspace=workspace, url=url)
        self._http = http
        self._headers = headers(api_key, workspace)

    def __repr__(self) -> str:
        return f"<InferenceClient model={self.model.id} url={self.url}>"

    @property
    def closed(self) -> bool:
        """True once the injected HTTP session is closed (the program is stopping)."""
        return bool(self._http.closed)

    async def connect(self) -> InferenceConnection:
        """Open a socket (the service says nothing until a task starts)."""
        if self.closed:
            raise ConnectError("The HTTP session is closed: the program is stopping.")
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.timeouts.connect):
                ws = await self._http.ws_connect(
                    self.url,
                    headers=self._headers,
                    autoping=True,
                    max_msg_size=_MAX_MESSAGE_BYTES,
                    timeout=_WS_TIMEOUT,
                )
        except aiohttp.WSServerHandshakeError as err:
            raise handshake_error(err.status, self.region, self.model.id) from None
        except TimeoutError:
            raise QwenTimeoutError("connect", self.timeouts.connect) from None
        except (aiohttp.ClientError, OSError) as err:
            raise transport_error(err, self.url) from None
        return InferenceConnection(
            ws, self.model, timeouts=self.timeouts, connect_time=time.monotonic() - started
        )

    async def open_session(self, params: SpeechParams, **options: Any) -> InferenceSession:
        """A session on a new socket (validated first: nothing is sent if invalid)."""
        wire.parameters(self.model, params, ssml=False)
        return await self.session_on(await self.connect(), params)

    async def session_on(
        self, connection: InferenceConnection, params: SpeechParams, **options: Any
    ) -> InferenceSession:
        """A session of ``params`` on an open socket."""
        return InferenceSession(connection, params)
