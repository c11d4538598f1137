"""Fixtures of the library tests: the simulator on 127.0.0.1 and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

import aiohttp
import pytest
from wyoming.client import AsyncTcpClient
from wyoming.server import AsyncServer

from wyoming_qwentts.core import RetryPolicy, SpeechParams
from wyoming_qwentts.core.pool import WarmPool
from wyoming_qwentts.handler import ConnectionLimits, QwenTtsEventHandler
from wyoming_qwentts.info import build_info
from wyoming_qwentts.realtime import QwenRealtimeClient, Timeouts
from wyoming_qwentts.service import ServiceSettings, TtsService
from wyoming_qwentts.simulator import QwenSimulator

API_KEY = "sk-test-0123456789abcdef"


@pytest.fixture
async def simulator() -> AsyncIterator[QwenSimulator]:
    """A fresh simulator accepting ``API_KEY``."""
    async with QwenSimulator() as sim:
        sim.options.api_key = API_KEY
        yield sim


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """The injected aiohttp session."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def timeouts() -> Timeouts:
    """The client's timeouts (parametrize ``timeouts`` to change them)."""
    return Timeouts()


@pytest.fixture
def client(
    http: aiohttp.ClientSession, simulator: QwenSimulator, timeouts: Timeouts
) -> QwenRealtimeClient:
    """A client for the default model, pointed at the simulator."""
    return QwenRealtimeClient(http, API_KEY, url=simulator.url, timeouts=timeouts)


class WyomingServer:
    """The Wyoming server in-process on 127.0.0.1, upstream the simulator."""

    def __init__(self, service: TtsService, port: int) -> None:
        self.service = service
        self.port = port

    def client(self) -> AsyncTcpClient:
        """A new connection (use ``async with``)."""
        return AsyncTcpClient("127.0.0.1", self.port)


FAST_RETRY = RetryPolicy(deadline=0.3, backoff=0.01, backoff_max=0.02)
"""Retries that give up quickly, so that failure paths stay fast."""


@pytest.fixture
def service_settings() -> ServiceSettings:
    """Override in a test module (or parametrize) to change the server's settings."""
    return ServiceSettings(SpeechParams(), retry=FAST_RETRY)


@pytest.fixture
def samples_per_chunk() -> int:
    return 1024


@pytest.fixture
def limits() -> ConnectionLimits:
    """The server's connection limits (parametrize ``limits`` to change them)."""
    return ConnectionLimits(max_text_chars=2000)


@pytest.fixture
def warm_connections() -> int:
    """Warm connections of the server under test (0: it connects per request)."""
    return 0


@pytest.fixture
async def wyoming_server(
    client: QwenRealtimeClient,
    service_settings: ServiceSettings,
    samples_per_chunk: int,
    warm_connections: int,
    limits: ConnectionLimits,
) -> AsyncIterator[WyomingServer]:
    pool = WarmPool(client, minimum=warm_connections, maximum=warm_connections)
    pool.start()
    service = TtsService([pool], service_settings)
    info = build_info(service.menu)
    server = AsyncServer.from_uri("tcp://127.0.0.1:0")
    await server.start(
        partial(
            QwenTtsEventHandler,
            info_event=info.event(),
            service=service,
            samples_per_chunk=samples_per_chunk,
            limits=limits,
        )
    )
    listener = server._server  # type: ignore[attr-defined]
    yield WyomingServer(service, listener.sockets[0].getsockname()[1])
    await server.stop()
    await service.drain(5)
    await pool.close()
