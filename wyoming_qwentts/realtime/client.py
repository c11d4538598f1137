"""Opening realtime sessions on an injected aiohttp session."""

from __future__ import annotations

import asyncio
import json
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import aiohttp

from .. import __version__, catalog
from .config import SessionConfig, Timeouts
from .errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectError,
    QwenTimeoutError,
    RateLimitError,
    ServiceError,
    error_from_event,
)
from .metrics import SessionMetrics
from .session import RealtimeSession

_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
_WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=2.0)  # a hung peer must not hold a close


@dataclass(frozen=True, slots=True)
class Synthesis:
    """Audio of a whole text, and the session's figures."""

    audio: bytes
    metrics: SessionMetrics


class SessionSource(ABC):
    """Something that opens sessions of one model: the client itself, or a warm pool."""

    model: catalog.Model

    @abstractmethod
    async def connect(self) -> RealtimeSession:
        """A connected session (``session.created`` received), not yet configured."""

    async def open_session(self, config: SessionConfig, *, wait: bool = True) -> RealtimeSession:
        """Connect and configure: a session ready for text (see ``configure`` for ``wait``)."""
        config.to_session(self.model)  # fail fast, before the network
        session = await self.connect()
        try:
            await session.configure(config, wait=wait)
        except BaseException:
            await session.close()
            raise
        return session

    async def synthesize(self, text: str, config: SessionConfig) -> Synthesis:
        """Speak a whole text in one session and return all of its audio."""
        async with await self.open_session(config) as session:
            await session.append(text)
            await session.finish()
            audio = await session.read_all()
        return Synthesis(audio, session.metrics)


class QwenRealtimeClient(SessionSource):
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
        timeouts: Timeouts | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("An API key is required")
        self.model = catalog.get_model(model)
        self.region = catalog.get_region(region).id
        self.timeouts = timeouts or Timeouts()
        self._http = http
        self._api_key = api_key
        base = url or catalog.REGIONS[self.region].url
        self.url = f"{base}{'&' if urlsplit(base).query else '?'}model={quote(self.model.id)}"

    def __repr__(self) -> str:
        return f"<QwenRealtimeClient model={self.model.id} url={self.url}>"

    @property
    def closed(self) -> bool:
        """True once the injected HTTP session is closed (the program is stopping)."""
        return bool(self._http.closed)

    async def connect(self) -> RealtimeSession:
        """Open a socket and wait for ``session.created`` (the session is not configured)."""
        if self.closed:
            raise ConnectError("The HTTP session is closed: the program is stopping.")
        started = time.monotonic()
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "User-Agent": f"wyoming-qwentts/{__version__}",
        }
        ws: aiohttp.ClientWebSocketResponse | None = None
        try:
            async with asyncio.timeout(self.timeouts.connect):
                ws = await self._http.ws_connect(
                    self.url,
                    headers=headers,
                    autoping=True,
                    max_msg_size=_MAX_MESSAGE_BYTES,
                    timeout=_WS_TIMEOUT,
                )
                msg = await ws.receive()
        except aiohttp.WSServerHandshakeError as err:
            raise self._handshake_error(err.status) from None
        except TimeoutError:
            if ws is not None:
                await ws.close()
            raise QwenTimeoutError("connect", self.timeouts.connect) from None
        except (aiohttp.ClientError, OSError) as err:
            raise ConnectError(
                f"Cannot connect to {urlsplit(self.url).netloc}: {type(err).__name__}: {err}"
            ) from None
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

    def _handshake_error(self, status: int) -> Exception:
        if status == 401:
            return AuthenticationError(self.region)
        if status == 403:
            return AccessDeniedError(self.model.id)
        if status == 429:
            return RateLimitError(
                "Throttling", "Requests rate limit exceeded, please try again later."
            )
        if status >= 500:
            return ServiceError(f"HTTP {status}", "The service is unavailable, try again later.")
        return ConnectError(f"The service rejected the connection with HTTP {status}.")
