"""What one client may ask of the server, and reading its events within those limits."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any, Final, cast

from wyoming.event import Event


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one client may ask of the server before it is refused or disconnected."""

    max_text_chars: int = 20_000
    """Characters per request (standalone or streamed): then ``text-too-long``."""
    max_event_bytes: int = 1 << 20
    """An event's ``data_length`` and ``payload_length``: then ``bad-request`` and close."""
    idle_timeout: float | None = 120.0
    """Seconds a connection may send nothing while no request of it is running (then it is
    closed), or while its stream waits for text (then the stream ends with ``idle-timeout``
    and frees its upstream slot)."""
    max_pending: int = 2
    """Requests of one connection queued or running: the next one is not read until one
    ends (TCP backpressure does the rest)."""
    write_timeout: float = 30.0
    """Seconds a client may leave our output unread before it is disconnected."""
    allowed: tuple[IPv4Network | IPv6Network, ...] = ()
    """Client networks allowed to connect (empty: every client)."""
    max_connections: int = 256
    """Connections open at once; one more is refused at once (``server-busy``)."""
    max_connections_per_client: int = 64
    """Connections open at once from one client address."""

    def allows(self, peer: object) -> bool:
        """Whether a peer address (``writer.get_extra_info("peername")``) may connect."""
        if not self.allowed or not isinstance(peer, tuple):
            return True  # no list, or a unix socket / pipe: local by nature
        try:
            address = ip_address(str(peer[0]).split("%")[0])
        except ValueError:
            return False
        return any(address in network for network in self.allowed)


class ConnectionGate:
    """Counts the open connections, in all and by client address, against the limits."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self._limits = limits
        self._total = 0
        self._by_client: dict[str, int] = {}
        self.released = asyncio.Event()
        """Set when a connection is counted out (clear it to wait for the next)."""

    @staticmethod
    def _client(peer: object) -> str:
        return str(peer[0]) if isinstance(peer, tuple) and peer else "local"

    def admit(self, peer: object) -> str | None:
        """Count a new connection in, or say why it is refused (it is then not counted)."""
        client = self._client(peer)
        if self._total >= self._limits.max_connections:
            return f"The server has its limit of {self._limits.max_connections} connections."
        if self._by_client.get(client, 0) >= self._limits.max_connections_per_client:
            limit = self._limits.max_connections_per_client
            return f"This client has the limit of {limit} connections open."
        self._total += 1
        self._by_client[client] = self._by_client.get(client, 0) + 1
        return None

    def release(self, peer: object) -> None:
        """Count an admitted connection out."""
        client = self._client(peer)
        self._total -= 1
        if (left := self._by_client[client] - 1) > 0:
            self._by_client[client] = left
        else:
            del self._by_client[client]
        self.released.set()


class LogThrottle:
    """Lets a kind of log line through at most once per ``every`` seconds, counting the rest:
    what clients cause (malformed events, refusals) must not let one client fill the log."""

    def __init__(self, every: float = 10.0) -> None:
        self._every = every
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def allow(self, kind: str) -> int | None:
        """None to hold this line back; else how many of its kind were held since the last."""
        now = time.monotonic()
        last = self._last.get(kind)
        if last is not None and now - last < self._every:
            self._held[kind] = self._held.get(kind, 0) + 1
            return None
        self._last[kind] = now
        return self._held.pop(kind, 0)


CLIENT_LOGS: Final = LogThrottle()
"""The server's throttle of lines that clients cause."""


class BadEvent(Exception):
    """The client sent something that is not a Wyoming event we can read."""


async def read_event(reader: asyncio.StreamReader, limit: int) -> Event | None:
    """The client's next event (None at the end of its stream), each part parsed once.

    What ``wyoming``'s own reader would drop in silence or fail on is :class:`BadEvent`: a
    header line that is not a JSON object (binary, not UTF-8, over the stream's 64 KiB line
    limit) or has no type, data after the header that is not a JSON object, a length that
    is not a whole number or is over ``limit`` (refused before it is read), and an event cut
    short.
    """
    try:
        line = await reader.readline()
    except ValueError:  # the stream's line limit
        raise BadEvent("An event's header line is longer than 64 KiB.") from None
    if not line:
        return None
    header = _json_object(line, "header")
    kind = header.get("type")
    if not isinstance(kind, str):
        raise BadEvent("An event's header has no type.")
    data = header.get("data") or {}
    try:
        if data_length := _length(header, "data_length", limit):
            if not isinstance(data, dict):
                raise BadEvent("An event's data must be a JSON object.")
            data = {**data, **_json_object(await reader.readexactly(data_length), "data")}
        payload_length = _length(header, "payload_length", limit)
        payload = await reader.readexactly(payload_length) if payload_length else None
    except asyncio.IncompleteReadError:
        raise BadEvent("The connection ended in the middle of an event.") from None
    # Inline data that is not an object is still a whole event: its handler refuses it.
    return Event(type=kind, data=cast("dict[str, Any]", data), payload=payload)


def _length(header: dict[str, object], field: str, limit: int) -> int:
    """A length the header announces (0 for none), refused over ``limit``."""
    count = header.get(field)
    if count is None:
        return 0
    if not isinstance(count, int) or isinstance(count, bool):
        raise BadEvent(f"An event's {field} must be a whole number.")
    if count > limit:
        raise BadEvent(f"An event announced {count} bytes; the limit is {limit}.")
    return max(count, 0)


def _json_object(raw: bytes, part: str) -> dict[str, object]:
    try:
        value = json.loads(raw)
    except ValueError:
        raise BadEvent(f"An event's {part} is not JSON in UTF-8.") from None
    if not isinstance(value, dict):
        raise BadEvent(f"An event's {part} must be a JSON object.")
    return value
