"""Fixtures of the library tests: the simulator on 127.0.0.1 and a client pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.helpers import (
    API_KEY,
    FAST_RETRY,
    WyomingServer,
    handling,
    serving_every_family,
    upstream_of,
)
from wyoming_qwentts.core import SpeechParams, Timeouts
from wyoming_qwentts.realtime import QwenRealtimeClient
from wyoming_qwentts.server import ConnectionGate, ConnectionLimits
from wyoming_qwentts.server.upstream import UpstreamSettings
from wyoming_qwentts.simulator import QwenSimulator
from wyoming_qwentts.speech.pool import WarmPool


@pytest.fixture
async def simulator() -> AsyncIterator[QwenSimulator]:
    """A fresh simulator accepting ``API_KEY``."""
    async with QwenSimulator() as sim:
        sim.options.api_key = API_KEY
        yield sim


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A loopback port that accepts connections and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


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


@pytest.fixture
def upstream_settings() -> UpstreamSettings:
    """Override in a test module (or parametrize) to change the server's settings."""
    return UpstreamSettings(SpeechParams(), retry=FAST_RETRY)


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
    upstream_settings: UpstreamSettings,
    samples_per_chunk: int,
    warm_connections: int,
    limits: ConnectionLimits,
) -> AsyncIterator[WyomingServer]:
    pool = WarmPool(client, minimum=warm_connections, maximum=warm_connections)
    pool.start()
    gate = ConnectionGate(limits)
    upstream = upstream_of([pool], upstream_settings)
    options = {"samples_per_chunk": samples_per_chunk, "limits": limits, "gate": gate}
    async with handling(upstream, **options) as port:
        yield WyomingServer(upstream, port, gate)
    await upstream.drain(5)
    await pool.close()


@pytest.fixture
async def families_server(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> AsyncIterator[WyomingServer]:
    """The Wyoming server with a model of each family, at 48 kHz, on the simulator."""
    async with serving_every_family(http, simulator) as server:
        yield server
