"""Warm connections: ready ahead of requests, replaced, refreshed, never handed out dead."""

from __future__ import annotations

import asyncio
import gc
import itertools
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


class _Opening:
    """When each connection starts opening (loop time), by requests and by the pool alike."""

    def __init__(self, client: QwenRealtimeClient, monkeypatch: pytest.MonkeyPatch) -> None:
        self.starts: list[float] = []
        connect = client.connect

        async def noted() -> RealtimeConnection:
            self.starts.append(asyncio.get_running_loop().time())
            return await connect()

        monkeypatch.setattr(client, "connect", noted)


def _gaps(starts: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(starts)]


def _behind_the_first(starts: list[float]) -> list[float]:
    """How far each start after the first four came behind the first, in pacing slots
    (the pool plans each one a slot after the one before; measured from its predecessor, a
    start that came late makes the next gap look short)."""
    return [(start - starts[0]) / (index - 3) for index, start in enumerate(starts) if index > 3]


async def test_the_pool_paces_its_connections_and_requests_do_not_wait_for_it(
    client: QwenRealtimeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A burst's replacements neither take the CPU from the burst's own first audio all at
    once nor reach the service as one surge of handshakes; a request that finds nothing
    ready connects at once, beside them."""
    opening = _Opening(client, monkeypatch)
    pool = WarmPool(client, minimum=8, maximum=8, open_interval=0.05)
    pool.start()
    try:
        await until(pool, lambda: pool.ready == 8)
        assert len(opening.starts) == 8
        # four at once, then one at a time
        assert min(_behind_the_first(opening.starts)) >= 0.049
        opening.starts.clear()
        burst = await asyncio.gather(*(pool.connect() for _ in range(11)))  # 8 warm, 3 cold
        assert (pool.stats.warm, pool.stats.cold) == (8, 3)
        assert max(_gaps(opening.starts[:3])) < 0.049  # the cold ones at once, not paced
        await until(pool, lambda: pool.ready == 8)
        replacements = opening.starts[3:]
        assert len(replacements) == 8
        assert min(_behind_the_first(replacements)) >= 0.049
        for connection in burst:
            assert await speak(connection, "Served.") == "Served."
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


async def test_a_bursts_peak_is_kept_for_one_idle_period(
    client: QwenRealtimeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connections opened for a burst live out one idle period, ready for another burst;
    they are not renewed for longer unless bursts keep coming."""
    clock = _Clock()
    monkeypatch.setattr(pool_module, "time", clock)
    pool = WarmPool(client, minimum=1, maximum=8)  # not started: requests connect
    sessions = [await pool.connect() for _ in range(5)]
    for session in sessions:
        await session.close()
    clock.now += client.max_idle - 1
    assert pool.target == 5
    clock.now += 2
    assert pool.target == 1


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
