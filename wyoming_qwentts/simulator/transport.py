"""The simulator's server: one port, both WebSocket endpoints and the customization API,
the service's authentication.

Built on the ``websockets`` server (the clients use aiohttp, so each checks the other).
Each endpoint runs its protocol's script (:data:`SCRIPTS`: ``/api-ws/v1/realtime``
:mod:`.realtime`'s, ``/api-ws/v1/inference`` :mod:`.inference`'s), its path with or without
a trailing slash, as the SDK sends it. Both authenticate the
handshake alike, answer a bad key with the same 401 body, and meet the same faults. Plain
HTTP ``POST`` requests on the same port go to the customization API (:mod:`.customization`),
whose voices the synthesis scripts then speak.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .customization import PATH as CUSTOMIZATION_PATH
from .customization import CustomizationService, SimulatedAccount
from .faults import FaultDice, FaultPlan, SessionAborted
from .http import HttpRequest, connection_class
from .inference import InferenceScript
from .options import HANDSHAKE_BODIES, SimulatedSession, SimulatorOptions, new_id
from .realtime import RealtimeScript
from .script import Script

_WS_LOGGER = logging.getLogger(f"{__name__}.websockets")
_WS_LOGGER.setLevel(logging.WARNING)  # websockets logs request headers (the key) at DEBUG

SCRIPTS: Final[dict[str, type[Script]]] = {
    script.path: script for script in (RealtimeScript, InferenceScript)
}
"""Each endpoint's script, by URL path."""
PATH: Final = RealtimeScript.path
INFERENCE_PATH: Final = InferenceScript.path


class QwenSimulator:
    """Serves both synthesis protocols on a local port.

    Use as ``async with QwenSimulator(...) as sim:`` and point a client at ``sim.url``
    (realtime) or ``sim.inference_url``.
    """

    def __init__(
        self,
        options: SimulatorOptions | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        stats_file: Path | None = None,
        keep_sessions: bool = True,
    ) -> None:
        self.options = options or SimulatorOptions()
        self._stats_file = stats_file
        self._keep_sessions = keep_sessions
        self.sessions: list[SimulatedSession] = []
        """Every connection so far; with ``keep_sessions=False`` (a long-running process)
        only the open ones, finished ones being in ``stats_file`` alone."""
        self.session_opened = asyncio.Event()
        """Set when a connection opens (clear it to wait for the next one)."""
        self.handshakes = 0
        """WebSocket handshakes begun (refused ones too)."""
        self._host = host
        self._port = port
        self._server: Server | None = None
        self._active = 0
        self._opened = 0
        self._handshakes: set[asyncio.Task[Any]] = set()
        self._dice = FaultDice(self.options)
        self._plans: dict[int, FaultPlan] = {}
        """The faults chosen at each connection's handshake (by connection id)."""
        self.account = SimulatedAccount()
        """The account's cloned and designed voices (they live as long as the simulator)."""
        self.customization = CustomizationService(self.options, self.account)
        """The customization API (its ``requests`` say what it was asked)."""

    @property
    def sessions_opened(self) -> int:
        """Connections opened since the start."""
        return self._opened

    @property
    def active_sessions(self) -> int:
        """Connections open now."""
        return self._active

    def _base(self) -> str:
        if self._server is None:
            raise RuntimeError("The simulator is not running")
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"ws://{host}:{port}"

    @property
    def url(self) -> str:
        """The realtime endpoint, path included, without the ``model`` query."""
        return self._base() + PATH

    @property
    def inference_url(self) -> str:
        """The inference endpoint (same host and port)."""
        return self._base() + INFERENCE_PATH

    @property
    def customization_url(self) -> str:
        """The customization API (plain HTTP on the same host and port)."""
        return "http" + self._base().removeprefix("ws") + CUSTOMIZATION_PATH

    async def start(self) -> None:
        """Start listening."""
        self._server = await serve(
            self._serve,
            self._host,
            self._port,
            create_connection=connection_class(self._answer_http),
            process_request=self._process_request,
            max_size=2**22,
            ping_interval=None,
            compression=None,
            close_timeout=1,
            logger=_WS_LOGGER,
            backlog=1024,  # hundreds of clients may connect at once in load tests
        )

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            for task in self._handshakes:
                task.cancel()
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # Handshake ---------------------------------------------------------------------------

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        options = self.options
        self.handshakes += 1
        if options.handshake_delay:
            task = asyncio.current_task()
            assert task is not None
            self._handshakes.add(task)
            try:
                await asyncio.sleep(options.handshake_delay)
            finally:
                self._handshakes.discard(task)
        if _script(request) is None:
            return _json_response(HTTPStatus.NOT_FOUND, "NotFound", "Not found.")
        reject, plan = self._dice.plan()
        if reject is not None:
            code, message = HANDSHAKE_BODIES.get(reject, ("InternalError", "Simulated rejection."))
            return _json_response(HTTPStatus(reject), code, message)
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), options.api_key.encode()
        ):
            return _json_response(HTTPStatus.UNAUTHORIZED, *HANDSHAKE_BODIES[401])
        if (
            options.max_sessions is not None
            and self._active >= options.max_sessions
            and options.throttle_style == "handshake"
        ):
            return _json_response(HTTPStatus.TOO_MANY_REQUESTS, *HANDSHAKE_BODIES[429])
        self._plans[id(connection)] = plan
        return None

    async def _answer_http(self, request: HttpRequest) -> tuple[int, bytes]:
        if request.method != "POST" or urlsplit(request.path).path.rstrip("/") != (
            CUSTOMIZATION_PATH
        ):
            status, payload = 404, {"code": "NotFound", "message": "Not found."}
        else:
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
            authorization = request.headers.get("authorization", "")
            status, payload = self.customization.answer(authorization, body)
        return status, json.dumps(payload, ensure_ascii=False).encode()

    # Connections -------------------------------------------------------------------------

    async def _serve(self, connection: ServerConnection) -> None:
        request = connection.request
        assert request is not None
        kind = _script(request) or RealtimeScript
        query = parse_qs(urlsplit(request.path).query)
        record = SimulatedSession(
            id=new_id("sess_"),
            model=query.get("model", [""])[0],
            headers={key.lower(): value for key, value in request.headers.raw_items()},
            protocol=kind.protocol,
            task_done=self._write_stats,
        )
        self.sessions.append(record)
        self.session_opened.set()
        throttled = (
            self.options.max_sessions is not None and self._active >= self.options.max_sessions
        )
        self._active += 1
        self._opened += 1
        plan = self._plans.pop(id(connection))
        script = kind(
            self.options, connection, record, plan, throttled=throttled, speaks=self.account.speaks
        )
        session = asyncio.ensure_future(script.run())
        closed = asyncio.ensure_future(connection.wait_closed())
        try:
            # A client that goes away ends the session at once, whatever it was doing.
            await asyncio.wait({session, closed}, return_when=asyncio.FIRST_COMPLETED)
            session.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed, SessionAborted):
                await session
        finally:
            closed.cancel()
            self._active -= 1
            record.closed.set()
            self._write_stats(record)
            if not self._keep_sessions:
                self.sessions.remove(record)

    def _write_stats(self, record: SimulatedSession) -> None:
        """One line of the record's figures so far (at each close, and each finished task of
        a socket that may run many)."""
        if self._stats_file is not None:
            with self._stats_file.open("a", encoding="utf-8") as stats:
                stats.write(json.dumps(record.summary(), ensure_ascii=False) + "\n")


def _script(request: Request) -> type[Script] | None:
    return SCRIPTS.get(urlsplit(request.path).path.rstrip("/"))


def _json_response(status: HTTPStatus, code: str, message: str) -> Response:
    body = json.dumps({"code": code, "message": message, "request_id": new_id("")}).encode()
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return Response(status.value, status.phrase, headers, body)
