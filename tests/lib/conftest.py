"""Fixtures of the library tests: the simulator on 127.0.0.1 and a client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from wyoming_qwentts.realtime import QwenRealtimeClient
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
def client(http: aiohttp.ClientSession, simulator: QwenSimulator) -> QwenRealtimeClient:
    """A client for the default model, pointed at the simulator."""
    return QwenRealtimeClient(http, API_KEY, url=simulator.url)
