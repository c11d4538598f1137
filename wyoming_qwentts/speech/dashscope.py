"""The DashScope client base of every protocol: the endpoint, the authentication headers,
the handshake and its errors.

Endpoints: the vendor's regional hosts (``wss://dashscope-intl.aliyuncs.com``,
``wss://dashscope.aliyuncs.com``) and, for a workspace, its own domain
(``wss://{WorkspaceId}.{region host}``) with the ``X-DashScope-WorkSpace`` header; each
protocol takes its own path there (``/api-ws/v1/<protocol>``).
"""

from __future__ import annotations

import asyncio
import re
import time
from abc import abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import ip_address
from typing import ClassVar, Final
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .. import __version__, catalog
from ..core.errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectError,
    InvalidParameterError,
    QwenTimeoutError,
    QwenTtsError,
    RateLimitError,
    ServiceError,
)
from ..core.policy import Timeouts
from .pool import Connection
from .source import SpeechSession, SpeechSource

_API_PATH: Final = re.compile(r"/api-ws/v1/[A-Za-z0-9_-]+/?")
"""The path of any DashScope WebSocket API (each protocol has its own)."""
_WORKSPACE: Final = re.compile(r"[A-Za-z0-9-]{1,64}")
_MAX_MESSAGE_BYTES: Final = 16 * 1024 * 1024
_WS_TIMEOUT: Final = aiohttp.ClientWSTimeout(ws_close=2.0)  # a hung peer must not hold a close


def endpoint(
    path: str,
    region: str,
    *,
    workspace: str | None = None,
    url: str | None = None,
) -> str:
    """The WebSocket URL of the protocol served at ``path``.

    ``url`` overrides the region's endpoint (a proxy, or the simulator). It may be the URL
    of any protocol: each one is on the same scheme, host and port under its own path. A
    workspace id selects the workspace-specific domain the vendor recommends.
    """
    if url is not None:
        parts = urlsplit(check_url(url))
        if _API_PATH.fullmatch(parts.path):
            parts = parts._replace(path=path)
        return urlunsplit(parts)
    base = catalog.get_region(region).base_url
    if workspace:
        check_workspace(workspace)
        base = f"wss://{workspace}.{catalog.REGIONS[region].workspace_host}"
    return f"{base}{path}"


def check_url(url: str) -> str:
    """Raise InvalidParameterError unless ``url`` may receive the key: ``wss://`` (``ws://``
    only on this machine, as for the simulator), a host, and no ``user:pass@``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.username is not None or parts.password is not None:
        problem = "must not hold a user name or password"
    elif not host:
        problem = "needs a host"
    elif parts.scheme == "wss" or (parts.scheme == "ws" and _is_loopback(host)):
        return url
    else:
        problem = "must be wss:// (ws:// only on 127.0.0.1 or localhost)"
    shown = urlunsplit(parts._replace(netloc=host)) if host else parts.scheme + "://"
    raise InvalidParameterError(
        "url",
        f"The endpoint URL {shown!r} {problem}: the API key is sent to that host.",
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def check_workspace(workspace: str) -> str:
    """Raise ValueError unless ``workspace`` looks like a workspace id (letters, digits, -)."""
    if not _WORKSPACE.fullmatch(workspace):
        raise ValueError(
            f"Invalid workspace id {workspace!r}: expected letters, digits and dashes."
        )
    return workspace


def headers(api_key: str, workspace: str | None) -> dict[str, str]:
    """The handshake headers: the key, who we are, and the workspace if there is one."""
    result = {
        "Authorization": f"Bearer {api_key}",
        "User-Agent": f"wyoming-qwentts/{__version__}",
    }
    if workspace:
        result["X-DashScope-WorkSpace"] = workspace
    return result


def handshake_error(status: int, region: str | None, model: str) -> QwenTtsError:
    """The error of a handshake the service refused with HTTP ``status``."""
    if status == 401:
        return AuthenticationError(region)
    if status == 403:
        return AccessDeniedError(model)
    if status == 429:
        return RateLimitError("Throttling", "Requests rate limit exceeded, please try again later.")
    if status >= 500:
        return ServiceError(f"HTTP {status}", "The service is unavailable, try again later.")
    return ConnectError(f"The service rejected the connection with HTTP {status}.")


def transport_error(err: aiohttp.ClientError | OSError, url: str) -> ConnectError:
    """The error of a connection that failed below HTTP (DNS, TCP, TLS)."""
    return ConnectError(f"Cannot connect to {urlsplit(url).netloc}: {type(err).__name__}: {err}")


@dataclass(frozen=True, slots=True)
class Handshake:
    """An open socket, its first frame when one was awaited, and how long it all took."""

    ws: aiohttp.ClientWebSocketResponse
    first: aiohttp.WSMessage | None
    seconds: float


class DashScopeClient(SpeechSource):
    """What a protocol's client shares: the endpoint, the headers and the handshake.

    Home Assistant passes its shared ``aiohttp.ClientSession``; the Wyoming server owns one.
    ``url`` overrides the region's endpoint (a proxy, or the simulator): any protocol's URL
    of a host, each protocol taking its own path there. The key is kept in the headers only,
    never in a repr or an error.
    """

    protocol: ClassVar[str]
    """The protocol's name, as the catalog gives each model's (``realtime``)."""
    path: ClassVar[str]
    """The protocol's URL path (``/api-ws/v1/realtime``)."""
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
                f"not {self.protocol}: use wyoming_qwentts.protocols.client_for"
            )
        self.region = catalog.get_region(region).id
        self.timeouts = timeouts or Timeouts()
        self.url = endpoint(self.path, self.region, workspace=workspace, url=url)
        self._http = http
        self._headers = headers(api_key, workspace)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} model={self.model.id} url={self.url}>"

    @property
    def closed(self) -> bool:
        """True once the injected HTTP session is closed (the program is stopping)."""
        return bool(self._http.closed)

    session_on: Callable[..., Awaitable[SpeechSession]]
    """``(connection, params, **options)``: a session of ``params`` on an open connection
    (closed if that fails); the options are the protocol's own."""

    @abstractmethod
    async def connect(self) -> Connection:
        """An open connection, not yet configured for a request (what a pool keeps)."""

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
