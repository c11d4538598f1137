"""Helpers shared by the library and the Home Assistant tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from wyoming_qwentts.core.pool import WarmPool


async def until(pool: WarmPool[Any], condition: Callable[[], bool]) -> None:
    """Wait, without sleeping, until the pool's state satisfies ``condition``."""

    async def wait() -> None:
        while not condition():
            pool.changed.clear()
            await pool.changed.wait()

    await asyncio.wait_for(wait(), 10)
