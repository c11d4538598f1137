"""Random faults on both sides: every stream completes exactly or ends cleanly, and nothing
leaks (tasks, sockets, file descriptors, upstream sessions)."""

from __future__ import annotations

import asyncio
import os
import random
from typing import Any

import pytest
from wyoming.error import Error
from wyoming.tts import SynthesizeChunk, SynthesizeStart

from tests.helpers import WyomingServer, assert_resumed, audio_of, split_anywhere, stream, types
from wyoming_qwentts.core import Timeouts
from wyoming_qwentts.core.sentences import SentenceSplitter
from wyoming_qwentts.simulator import QwenSimulator, decode

TEXTS = [
    "Request {n}: the front door is unlocked, please check it. Thank you.",
    "请求{n}：厨房的灯还开着，要关掉吗？好的。",
    "Request {n}, short one.",
]


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


async def one_request(server: WyomingServer, n: int, rng: random.Random) -> str:
    text = TEXTS[n % len(TEXTS)].format(n=n)
    async with server.client() as client:
        if rng.random() < 0.1:  # a client that leaves mid-stream
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeChunk(text=text).event())
            return "left"
        events = await stream(client, split_anywhere(text, rng.randint(3, 9)))
    assert types(events)[-2:] == ["audio-stop", "synthesize-stopped"]
    errors = [Error.from_event(e) for e in events if e.type == "error"]
    if errors:
        assert len(errors) == 1
        assert errors[0].code in {"upstream-failed", "upstream-timeout", "rate-limited",
                                  "upstream-unreachable"}  # fmt: skip
        return "error"
    spoken = decode(audio_of(events))
    if spoken != text:
        # A resumed session: one segment may restart. The server's segments of the text:
        segmenter = SentenceSplitter(first_cut=12)
        segments = [*segmenter.feed(text), segmenter.flush()]
        assert_resumed(spoken, [s for s in segments if s], restarts=3)
        return "resumed"
    return "exact"


@pytest.mark.parametrize("timeouts", [Timeouts(first_audio=0.5, audio_gap=0.2)])
async def test_random_faults_on_both_sides(
    wyoming_server: WyomingServer, simulator: QwenSimulator, timeouts: Any
) -> None:
    await still_answering(wyoming_server)  # warm up the interpreter's lazily loaded parts
    simulator.options.chaos_rate = 0.3
    simulator.options.chaos_seed = 7
    simulator.options.delta_bytes = 960
    rng = random.Random(11)
    tasks_before = len(asyncio.all_tasks())
    fds_before = open_fds()

    outcomes = []
    total = int(os.environ.get("RESILIENCE_REQUESTS", "120"))  # the long run: 1000
    for start in range(0, total, 20):  # 20 at a time
        outcomes += await asyncio.gather(
            *(one_request(wyoming_server, n, rng) for n in range(start, start + 20))
        )
    assert outcomes.count("exact") > total / 3
    assert "resumed" in outcomes or "error" in outcomes  # the faults did happen

    # Every upstream session ends (a leaked one would keep this wait from completing).
    await asyncio.wait_for(asyncio.gather(*(r.closed.wait() for r in simulator.sessions)), 10)
    while wyoming_server.upstream.jobs:
        await asyncio.wait(set(wyoming_server.upstream.jobs))
    assert len(asyncio.all_tasks()) <= tasks_before
    assert open_fds() <= fds_before + 2  # the pool may hold its one ready connection


async def still_answering(server: WyomingServer) -> None:
    async with server.client() as client:
        events = await stream(client, ["Warm up."])
    assert decode(audio_of(events)) == "Warm up."
