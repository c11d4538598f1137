"""DashScope's WebSocket endpoints, authentication headers and handshake errors (both
protocols)."""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from .. import __version__, catalog
from .errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectError,
    QwenTtsError,
    RateLimitError,
    ServiceError,
)

PATHS: Final[dict[catalog.Protocol, str]] = {
    "realtime": "/api-ws/v1/realtime",
    "inference": "/api-ws/v1/inference",
}
_WORKSPACE: Final = re.compile(r"[A-Za-z0-9-]{1,64}")


def endpoint(
    protocol: catalog.Protocol,
    region: str,
    *,
    workspace: str | None = None,
    url: str | None = None,
) -> str:
    """The WebSocket URL of ``protocol``.

    ``url`` overrides the region's endpoint (a proxy, or the simulator). It may be the URL
    of either protocol: the other one is on the same scheme, host and port under its own
    path. A workspace id selects the workspace-specific domain the vendor recommends.
    """
    if url is not None:
        parts = urlsplit(url)
        if parts.path.rstrip("/") in PATHS.values():
            parts = parts._replace(path=PATHS[protocol])
        return urlunsplit(parts)
    base = catalog.get_region(region).base_url
    if workspace:
        check_workspace(workspace)
        base = f"wss://{workspace}.{catalog.REGIONS[region].workspace_host}"
    return f"{base}{PATHS[protocol]}"


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
