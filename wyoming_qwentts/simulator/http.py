"""Plain HTTP on the simulator's WebSocket port, as the service serves its REST API on the
hosts of its WebSocket endpoints.

A connection whose first request is a ``POST`` is answered here (one request, then the
connection closes); anything else goes to the ``websockets`` server as it arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar, Final

from websockets.asyncio.server import ServerConnection

_LOGGER = logging.getLogger(__name__)
MAX_HEAD: Final = 64 * 1024
MAX_BODY: Final = 32 * 1024 * 1024
"""The largest request body taken (a 10 MB recording as base64 is under 14 MB)."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One plain HTTP request: its method, path, headers (lowercase names) and body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[HttpRequest], Awaitable[tuple[int, bytes]]]
"""What answers a request: its HTTP status and JSON body."""


class PortConnection(ServerConnection):
    """A connection of the port: a WebSocket handshake, or one plain HTTP request for
    :attr:`answer`."""

    answer: ClassVar[Answer]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain: bool | None = None
        """None until the request line says; True for plain HTTP."""
        self._head = bytearray()
        self._reply: asyncio.Task[None] | None = None

    def data_received(self, data: bytes) -> None:
        if self._plain is False:
            super().data_received(data)
            return
        self._head += data
        if self._plain is None:
            if len(self._head) < 5:
                return
            self._plain = self._head.startswith(b"POST ")
            if not self._plain:
                head, self._head = bytes(self._head), bytearray()
                super().data_received(head)
                return
        if self._reply is None:
            self._parse()

    def eof_received(self) -> bool | None:  # type: ignore[override]
        if self._plain:
            return True  # keep the transport open until the answer is written
        return super().eof_received()

    def _parse(self) -> None:
        end = self._head.find(b"\r\n\r\n")
        if end < 0:
            if len(self._head) > MAX_HEAD:
                self._send(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, b"")
            return
        request_line, *lines = self._head[:end].decode("latin-1").split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines)
        }
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            length = -1
        if length < 0 or "transfer-encoding" in headers:
            self._send(HTTPStatus.LENGTH_REQUIRED, b"")
            return
        if length > MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"")
            return
        if len(self._head) - end - 4 < length:
            return
        method, _, rest = request_line.partition(" ")
        body = bytes(self._head[end + 4 : end + 4 + length])
        request = HttpRequest(method, rest.rpartition(" ")[0], headers, body)
        self.transport.pause_reading()
        self._reply = self.loop.create_task(self._respond(request))

    async def _respond(self, request: HttpRequest) -> None:
        try:
            status, body = await type(self).answer(request)
        except Exception:  # a simulator bug: answer as a server would, and say it
            _LOGGER.exception("The simulator failed to answer %s %s", request.method, request.path)
            status, body = 500, b'{"code": "InternalError", "message": "Simulator error."}'
        self._send(HTTPStatus(status), body)

    def _send(self, status: HTTPStatus, body: bytes) -> None:
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        )
        self.transport.write(head.encode("latin-1") + body)
        self.transport.close()


def connection_class(answer: Answer) -> type[ServerConnection]:
    """A :class:`PortConnection` whose plain requests ``answer`` serves."""
    return type("SimulatorConnection", (PortConnection,), {"answer": staticmethod(answer)})
