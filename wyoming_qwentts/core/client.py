"""A DashScope WebSocket client of one key, region (or URL) and model: the handshake and its
errors, which both protocols share."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import ClassVar

import aiohttp

from .. import catalog
from .dashscope import endpoint, handshake_error, headers, transport_error
from .errors import ConnectError, QwenTimeoutError
from .source import SpeechSource

_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=2.0)  # a hung peer must not hold a close


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Client timeouts in seconds (both protocols)."""

    connect: float = 10.0
    """The handshake plus the first event (``session.created``; ``task-started`` of a task)."""
    configure: float = 10.0
    """``session.update`` to ``session.updated``."""
    commit: float = 5.0
    """From a commit to its acknowledgement (``input_text_buffer.committed``)."""
    first_audio: float = 15.0
    """From the text (a commit, a finish) to its first audio."""
    audio_gap: float = 15.0
    """Longest silence between server events while audio is being delivered."""


@dataclass(frozen=True, slots=True)
class Handshake:
    """An open socket, its first frame when one was awaited, and how long it all took."""

    ws: aiohttp.ClientWebSocketResponse
    first: aiohttp.WSMessage | None
    seconds: float


class DashScopeClient(SpeechSource):
    """What a protocol's client shares: the endpoint, the headers and the handshake.

    Home Assistant passes its shared ``aiohttp.ClientSession``; the Wyoming server owns one.
    ``url`` overrides the region's endpoint (a proxy, or the simulator): either protocol's
    URL of a host, each protocol taking its own path there. The key is kept in the headers
    only, never in a repr or an error.
    """

    protocol: ClassVar[catalog.Protocol]
    max_idle: ClassVar[float]
    """Seconds a connection may wait unused in a pool (below the service's idle limit)."""

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
        if self.model.protocol != self.protocol:
            raise ValueError(
                f"{self.model.id} speaks the {self.model.protocol} protocol, "
                f"not {self.protocol}: use wyoming_qwentts.clients.client_for"
            )
        self.region = catalog.get_region(region).id
        self.timeouts = timeouts or Timeouts()
        self.url = endpoint(self.protocol, self.region, workspace=workspace, url=url)
        self._http = http
        self._headers = headers(api_key, workspace)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} model={self.model.id} url={self.url}>"

    @property
    def closed(self) -> bool:
        """True once the injected HTTP session is closed (the program is stopping)."""
        return bool(self._http.closed)

    async def _handshake(self, *, first_frame: bool) -> Handshake:
        """Open a socket (and, with ``first_frame``, read the first frame) within the
        connect timeout; every failure as the library's error."""
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
                first = await ws.receive() if first_frame else None
        except aiohttp.WSServerHandshakeError as err:
            raise handshake_error(err.status, self.region, self.model.id) from None
        except TimeoutError:
            if ws is not None:
                await ws.close()
            raise QwenTimeoutError("connect", self.timeouts.connect) from None
        except (aiohttp.ClientError, OSError) as err:
            raise transport_error(err, self.url) from None
        return Handshake(ws, first, time.monotonic() - started)
