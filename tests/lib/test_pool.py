"""Warm connections: ready ahead of requests, replaced, refreshed, never handed out dead."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.helpers import until
from wyoming_qwentts.core import AuthenticationError, ConnectError, SpeechParams
from wyoming_qwentts.realtime import QwenRealtimeClient, RealtimeConnection, RealtimeSession
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.speech import pool as pool_module
from wyoming_qwentts.speech import synthesize
from wyoming_qwentts.speech.pool import WarmPool


@pytest.fixture
async def pool(client: QwenRealtimeClient) -> AsyncIterator[WarmPool[Any]]:
    pool = WarmPool(client, minimum=1, maximum=3)
    pool.start()
    yield pool
    await pool.close()


async def speak(connection: RealtimeConnection, text: str) -> str:
    async with RealtimeSession(connection) as session:
        await session.configure(SpeechParams())
        await session.append(text)
        await session.finish()
        return decode(await session.read_all())


async def test_a_ready_connection_serves_the_request_and_is_replaced(
    pool: WarmPool[Any], simulator: QwenSimulator
) -> None:
    await until(pool, lambda: pool.ready == 1)
    session = await pool.connect()
    assert (pool.stats.warm, pool.stats.cold) == (1, 0)
    assert await speak(session, "Warm hello.") == "Warm hello."
    await until(pool, lambda: pool.ready == 1)  # a replacement, opened in the background
    assert len(simulator.sessions) == 2
    assert simulator.sessions[0].finished


async def test_synthesize_through_the_pool(pool: WarmPool[Any]) -> None:
    await until(pool, lambda: pool.ready == 1)
    result = await synthesize(pool, "Through the pool.", SpeechParams())
    assert decode(result.audio) == "Through the pool."
    assert pool.stats.warm == 1


async def test_a_connection_the_service_closed_is_never_handed_out(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    simulator.options.idle_timeout = 0.05  # the service drops idle sessions quickly
    pool = WarmPool(client, minimum=1, maximum=1)
    pool.start()
    try:
        await until(pool, lambda: pool.stats.retired >= 1)
        simulator.options.idle_timeout = None
        session = await pool.connect()
        assert await speak(session, "Still fine.") == "Still fine."
    finally:
        await pool.close()


async def test_stale_connections_are_refreshed(client: QwenRealtimeClient) -> None:
    pool = WarmPool(client, minimum=1, maximum=1, max_idle=0.05)
    pool.start()
    try:
        await until(pool, lambda: pool.stats.retired >= 1 and pool.stats.opened >= 2)
        session = await pool.connect()  # whatever is ready is fresh, or a new one is made
        assert await speak(session, "Fresh.") == "Fresh."
    finally:
        await pool.close()


async def test_grows_with_concurrency_up_to_the_maximum(pool: WarmPool[Any]) -> None:
    await until(pool, lambda: pool.ready == 1)
    held = [await pool.connect() for _ in range(5)]
    assert pool.target == 3
    await until(pool, lambda: pool.ready == 3)
    for session in held:
        await session.close()


def _logging_connects(
    client: QwenRealtimeClient, monkeypatch: pytest.MonkeyPatch, log: list[str]
) -> None:
    """Note each connection opened, by a request or by the pool alike."""
    connect = client.connect

    async def logged() -> RealtimeConnection:
        log.append("open")
        return await connect()

    monkeypatch.setattr(client, "connect", logged)


async def test_a_burst_gets_its_connections_before_the_pool_tops_up(
    client: QwenRealtimeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replacements wait until requests stop coming: a burst's own handshakes and audio do
    not share the service and the CPU with the pool's."""
    log: list[str] = []
    _logging_connects(client, monkeypatch, log)
    pool = WarmPool(client, minimum=2, maximum=2, settle=1.0)
    pool.start()
    try:
        await until(pool, lambda: pool.ready == 2)
        log.clear()
        held = []
        for _ in range(4):  # two warm, then two that connect themselves
            held.append(await pool.connect())
            log.append("request")
        assert log == ["request", "request", "open", "request", "open", "request"]
        await until(pool, lambda: pool.ready == 2)  # then the pool tops up, once
        assert log[6:] == ["open", "open"]
        assert (pool.stats.warm, pool.stats.cold, pool.stats.opened) == (2, 2, 4)
        for connection in held:
            await connection.close()
    finally:
        await pool.close()


async def test_requests_that_keep_coming_do_not_hold_the_top_up_back_for_ever(
    client: QwenRealtimeClient,
) -> None:
    pool = WarmPool(client, minimum=1, maximum=1, settle=0.3)
    pool.start()
    try:
        await until(pool, lambda: pool.ready == 1)
        requests = 0
        while pool.ready == 0 or requests == 0:  # each request far closer than 0.3 s
            connection = await pool.connect()  # the first warm, then cold ones
            await connection.close()
            requests += 1
        assert requests > 2  # topped up while requests still came (within ten settles)
        assert pool.stats.opened == 2
    finally:
        await pool.close()


class _Clock:
    """Stands in for the pool's ``time`` module: its clock moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


async def test_target_is_the_largest_peak_still_in_the_window(
    client: QwenRealtimeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    monkeypatch.setattr(pool_module, "time", clock)
    pool = WarmPool(client, minimum=1, maximum=8, window=60)  # not started: requests connect

    async def requests_at_once(count: int) -> None:
        sessions = [await pool.connect() for _ in range(count)]
        for session in sessions:
            await session.close()

    await requests_at_once(4)
    clock.now += 30
    await requests_at_once(2)
    assert pool.target == 4
    clock.now += 31  # the peak of 4 left the window: 2 is the largest still in it
    assert pool.target == 2
    clock.now += 30
    assert pool.target == 1  # nothing recent: the minimum
    assert (pool.stats.cold, pool.stats.warm) == (6, 0)


async def test_disabled_pool_opens_nothing(
    client: QwenRealtimeClient, simulator: QwenSimulator
) -> None:
    pool = WarmPool(client, minimum=0, maximum=0)
    pool.start()
    assert simulator.sessions == []
    session = await pool.connect()
    assert await speak(session, "Cold.") == "Cold."
    assert (pool.stats.warm, pool.stats.cold) == (0, 1)
    await pool.close()


async def test_failures_back_off_and_requests_see_the_real_error(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    pool = WarmPool(QwenRealtimeClient(http, "sk-wrong", url=simulator.url), minimum=1)
    pool.start()
    try:
        await until(pool, lambda: pool.stats.failures >= 1)
        with pytest.raises(AuthenticationError):
            await pool.connect()
    finally:
        await pool.close()


async def test_close_ends_ready_sessions_cleanly(
    pool: WarmPool[Any], simulator: QwenSimulator
) -> None:
    await until(pool, lambda: pool.ready == 1)
    await pool.close()
    await asyncio.wait_for(simulator.sessions[0].closed.wait(), 5)
    assert simulator.sessions[0].finished  # session.finish, not a dropped socket
    assert pool.ready == 0


def test_bounds() -> None:
    with pytest.raises(ValueError, match="minimum <= maximum"):
        WarmPool(None, minimum=2, maximum=1)  # type: ignore[arg-type]


async def test_no_reconnect_once_the_http_session_is_closed(
    simulator: QwenSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Home Assistant closes its shared HTTP session at stop, before any entry unloads."""
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    http = aiohttp.ClientSession()
    client = QwenRealtimeClient(http, simulator.options.api_key, url=simulator.url)
    pool = WarmPool(client, minimum=1, maximum=1)
    pool.start()
    try:
        await until(pool, lambda: pool.ready == 1)
        opened = len(simulator.sessions)
        await http.close()  # the ready connection dies with it
        await until(pool, lambda: pool.ready == 0)
        assert pool.stats.retired == 1  # the dead ready connection was retired, not kept
        pool._fill()  # what a refresh would do
        assert len(simulator.sessions) == opened  # nothing was reopened
        assert pool.stats.failures == 0
        with pytest.raises(ConnectError, match="HTTP session is closed"):
            await pool.connect()  # a request now gets a clear error, not a RuntimeError
    finally:
        await pool.close()
        loop.set_exception_handler(None)
    gc.collect()  # an exception never retrieved is reported when its task is collected
    assert unhandled == []
    assert "Cannot open a warm connection" not in caplog.text
