"""The bundled simulator on 127.0.0.1, for the vendor SDK (which is synchronous and threaded).

The simulator runs on an event loop of its own thread; the SDK is pointed at it the way a
user points it at another endpoint (``dashscope.base_websocket_api_url``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import dashscope
import pytest

from wyoming_qwentts.simulator import QwenSimulator

API_KEY = "sk-sdk-cross-check"


@pytest.fixture
def simulator() -> Iterator[QwenSimulator]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sim = QwenSimulator()
    sim.options.api_key = API_KEY
    asyncio.run_coroutine_threadsafe(sim.start(), loop).result(10)
    old_url, old_key = dashscope.base_websocket_api_url, dashscope.api_key
    dashscope.base_websocket_api_url = sim.inference_url
    dashscope.api_key = API_KEY
    try:
        yield sim
    finally:
        dashscope.base_websocket_api_url, dashscope.api_key = old_url, old_key
        asyncio.run_coroutine_threadsafe(sim.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
