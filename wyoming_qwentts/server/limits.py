"""What one client may ask of the server, and reading its events within those limits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """What one client may ask of the server before it is refused or disconnected."""

    max_text_chars: int = 20_000
    """Characters per request (standalone or streamed): then ``text-too-long``."""
    max_event_bytes: int = 1 << 20
    """An event's ``data_length`` and ``payload_length``: then ``bad-request`` and close."""
    idle_timeout: float | None = 120.0
    """Seconds a connection may send nothing while no request of it is running."""
    write_timeout: float = 30.0
    """Seconds a client may leave our output unread before it is disconnected."""
    allowed: tuple[IPv4Network | IPv6Network, ...] = ()
    """Client networks allowed to connect (empty: every client)."""

    def allows(self, peer: object) -> bool:
        """Whether a peer address (``writer.get_extra_info("peername")``) may connect."""
        if not self.allowed or not isinstance(peer, tuple):
            return True  # no list, or a unix socket / pipe: local by nature
        try:
            address = ip_address(str(peer[0]).split("%")[0])
        except ValueError:
            return False
        return any(address in network for network in self.allowed)


class BadEvent(Exception):
    """The client sent something that is not a Wyoming event we can read."""


class LimitedReader:
    """Refuses ``data_length`` or ``payload_length`` over the limit before reading them."""

    def __init__(self, reader: asyncio.StreamReader, limit: int) -> None:
        self._reader = reader
        self._limit = limit

    async def readline(self) -> bytes:
        return await self._reader.readline()

    async def readexactly(self, count: int) -> bytes:
        if not isinstance(count, int) or count > self._limit:
            raise BadEvent(f"An event announced {count!r} bytes; the limit is {self._limit}.")
        return await self._reader.readexactly(count)
