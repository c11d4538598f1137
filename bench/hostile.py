"""The hostile soak: normal streams beside clients that try to hold or break the server.

Hostile clients, over and over: a stream that sends a little text and goes quiet, a client
that sends a long text and never reads, one that queues twenty requests on one connection,
a binary header line, malformed events, and idle connections opened in a crowd. The server
runs with few upstream slots (``--max-concurrency``) and a short ``--idle-timeout``, so a
hostile client that could hold a slot would starve the normal ones (they would end with
``server-busy``). Reported: the normal streams' outcomes (every one decoded), the hostile
attempts and how each was answered, and the server's memory slope.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import Counter
from typing import Any

from harness import server, simulator
from wyoming.event import Event, async_write_event
from wyoming.tts import SynthesizeChunk, SynthesizeStart

IDLE = 1.0
"""The server's --idle-timeout here (s)."""


async def _answer(reader: asyncio.StreamReader) -> str:
    """What the server said before it closed: an error code, audio, or nothing."""
    seen = "closed"
    try:
        async with asyncio.timeout(10 * IDLE + 10):
            while line := await reader.readline():
                header = json.loads(line)
                data = await reader.readexactly(header.get("data_length") or 0)
                await reader.readexactly(header.get("payload_length") or 0)
                if header["type"] == "error":
                    return str(json.loads(data).get("code"))
                if header["type"] == "audio-chunk":
                    seen = "audio"
    except (ConnectionError, TimeoutError, ValueError):
        return "reset"
    return seen


async def _quiet_stream(port: int) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await async_write_event(SynthesizeStart().event(), writer)
    await async_write_event(SynthesizeChunk(text="Then I go quiet").event(), writer)
    answer = await _answer(reader)  # the stream ends with idle-timeout
    writer.close()
    return answer


async def _never_reads(port: int) -> str:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
    _, writer = await asyncio.open_connection(sock=sock)
    await async_write_event(Event("synthesize", {"text": "Nobody reads this. " * 300}), writer)
    await asyncio.sleep(3 * IDLE)  # hold on, reading nothing
    writer.close()
    return "held"


async def _queue_flood(port: int) -> str:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    for n in range(20):
        await async_write_event(Event("synthesize", {"text": f"Queued {n}."}), writer)
    await asyncio.sleep(IDLE)  # the server reads at most two of them meanwhile
    writer.close()
    return "flooded"


async def _garbage(port: int, data: bytes) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    answer = await _answer(reader)
    writer.close()
    return answer


async def _crowd(port: int, size: int) -> str:
    opened = [await asyncio.open_connection("127.0.0.1", port) for _ in range(size)]
    await asyncio.sleep(IDLE / 2)
    for _, writer in opened:
        writer.close()
    return "crowd"


ATTACKS = {
    "quiet stream": _quiet_stream,
    "never reads": _never_reads,
    "queue flood": _queue_flood,
    "binary header": lambda port: _garbage(port, b"\xff\xfe\x00 not json\n"),
    "data not an object": lambda port: _garbage(port, b'{"type": "synthesize", "data": [1]}\n'),
    "chunk outside a stream": lambda port: _garbage(
        port, b'{"type": "synthesize-chunk", "data": {"text": "x"}}\n'
    ),
    "lone surrogate": lambda port: _garbage(
        port, b'{"type": "synthesize", "data": {"text": "\\ud800"}}\n'
    ),
    "idle crowd": lambda port: _crowd(port, 30),
}


async def _attacker(port: int, name: str, until: float, answers: Counter[str]) -> None:
    while time.monotonic() < until:
        answers[f"{name}: {await ATTACKS[name](port)}"] += 1


async def hostile(normal: int, seconds: float, one: Any, summary: Any, slope: Any) -> Any:
    """Normal streams (``one``, as the soak's) beside every attack, for ``seconds``."""
    outcomes: list[str] = []
    answers: Counter[str] = Counter()
    samples: list[tuple[float, int]] = []
    flags = ["--max-concurrency", str(normal + 4), "--idle-timeout", str(IDLE),
             "--queue-timeout", "10", "--max-connections-per-client", "200"]  # fmt: skip
    async with simulator(real_time_factor=0.5) as sim, server(sim.url, *flags) as srv:
        started = time.monotonic()
        until = started + seconds

        async def worker(first: int) -> None:
            n = first
            while time.monotonic() < until:
                outcomes.append(await one(srv.port, n))
                n += 100_000

        work = asyncio.gather(
            *(worker(i) for i in range(normal)),
            *(_attacker(srv.port, name, until, answers) for name in ATTACKS),
        )
        while not work.done():
            samples.append((time.monotonic() - started, srv.rss_kb()))
            await asyncio.wait({work}, timeout=max(1.0, seconds / 30))
        await work
    return summary(
        "hostile", outcomes, streams=normal, seconds=seconds, attacks=dict(sorted(answers.items())),
        rss_kb_first=samples[0][1], rss_kb_last=samples[-1][1],
        rss_slope_kb_per_min=slope(samples[len(samples) // 3 :]),
    )  # fmt: skip
