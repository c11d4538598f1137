"""Helpers shared by the test suites (library, SDK, release, end to end): every test module
imports its helpers from here, never from another test module or a conftest.

Home Assistant's own helpers, which need Home Assistant installed, are in
``tests/ha/helpers.py``.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import aiohttp
from wyoming.audio import AudioChunk
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.server import AsyncServer
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from wyoming_qwentts import catalog
from wyoming_qwentts.cli import flags
from wyoming_qwentts.core import RetryPolicy, SpeechParams, Timeouts
from wyoming_qwentts.core.sentences import SentenceSplitter
from wyoming_qwentts.protocols import client_for
from wyoming_qwentts.server import (
    ConnectionGate,
    ConnectionLimits,
    QwenTtsEventHandler,
    Upstream,
    UpstreamSettings,
    VoiceMenu,
)
from wyoming_qwentts.server.info import ServerInfo
from wyoming_qwentts.simulator import QwenSimulator, SimulatedSession
from wyoming_qwentts.simulator.voice import is_resumed
from wyoming_qwentts.speech import SpeechSource, SpeechStream, WarmPool

API_KEY = "sk-test-0123456789abcdef"
"""The key the library tests' simulator accepts."""

FAST_RETRY = RetryPolicy(deadline=0.3, backoff=0.01, backoff_max=0.02)
"""Retries that give up quickly, so that failure paths stay fast."""

TEXT = (
    "Attention please, the garage door is open. It has been open for ten minutes. "
    "Please close it before you go to bed. 谢谢！ Good night."
)
"""A text of several sentences, two scripts and a clause break for the first cut."""


# Waiting without sleeping ------------------------------------------------------------------


async def until(pool: WarmPool[Any], condition: Callable[[], bool]) -> None:
    """Wait, without sleeping, until the pool's state satisfies ``condition``."""

    async def wait() -> None:
        while not condition():
            pool.changed.clear()
            await pool.changed.wait()

    await asyncio.wait_for(wait(), 10)


# Text in -----------------------------------------------------------------------------------


def split_anywhere(text: str, size: int = 7) -> list[str]:
    """Chunks that cut words (and characters' neighbours) apart, as LLM deltas do."""
    return [text[i : i + size] for i in range(0, len(text), size)]


async def chunks(items: Sequence[str]) -> AsyncIterator[str]:
    """``items`` as a stream of text."""
    for item in items:
        yield item


def pieces(text: str, size: int = 9) -> AsyncIterator[str]:
    """``text`` in pieces of ``size`` characters, as a stream."""
    return chunks(split_anywhere(text, size))


def sentences(text: str) -> list[str]:
    """The speaker's sentences of ``text`` (segments are runs of them)."""
    splitter = SentenceSplitter(first_cut=12)
    return [s for s in (*splitter.feed(text), splitter.flush()) if s]


# Audio out ---------------------------------------------------------------------------------


async def speak(stream: SpeechStream, text: str = TEXT) -> bytes:
    """All the audio of ``stream`` (a Speaker or a native stream) for ``text``."""
    return b"".join([chunk async for chunk in stream.speak(pieces(text))])


def assert_resumed(spoken: str, segments: list[str], restarts: int = 1) -> None:
    """``spoken`` is ``segments`` in order, with at most ``restarts`` restarted segments."""
    assert is_resumed(spoken, segments, restarts), f"not {segments} with restarts: {spoken!r}"


def used(simulator: QwenSimulator) -> list[SimulatedSession]:
    """Sessions that received events (warm connections waiting unused have none)."""
    return [session for session in simulator.sessions if session.events]


# The Wyoming server ------------------------------------------------------------------------


class WyomingServer:
    """The Wyoming server in-process on 127.0.0.1, upstream the simulator."""

    def __init__(self, upstream: Upstream, port: int, gate: ConnectionGate | None = None) -> None:
        self.upstream = upstream
        self.port = port
        self.gate = gate
        """Its connections' count (where the fixture made one)."""

    def client(self) -> AsyncTcpClient:
        """A new connection (use ``async with``)."""
        return AsyncTcpClient("127.0.0.1", self.port)


def upstream_of(sources: Sequence[SpeechSource], settings: UpstreamSettings) -> Upstream:
    """The server's upstream of ``sources``, with the voice menu of their models."""
    menu = VoiceMenu([source.model for source in sources], settings.params.voice)
    return Upstream(sources, menu, settings)


async def read_until(client: AsyncTcpClient, event_type: str) -> list[Event]:
    """Read events up to and including the first of ``event_type``."""
    events: list[Event] = []
    while True:
        event = await asyncio.wait_for(client.read_event(), 10)
        assert event is not None, f"connection closed before {event_type}: {types(events)}"
        events.append(event)
        if event.type == event_type:
            return events


def types(events: list[Event]) -> list[str]:
    """The type of each event, in order."""
    return [event.type for event in events]


def audio_of(events: list[Event]) -> bytes:
    """The audio of every ``audio-chunk`` among ``events``."""
    return b"".join(AudioChunk.from_event(e).audio for e in events if AudioChunk.is_type(e.type))


def shape(events: list[Event]) -> list[str]:
    """Event types with runs of audio-chunk folded into one."""
    folded: list[str] = []
    for kind in types(events):
        if not (kind == "audio-chunk" and folded and folded[-1] == "audio-chunk"):
            folded.append(kind)
    return folded


async def stream(
    client: AsyncTcpClient, chunks: list[str], voice: SynthesizeVoice | None = None
) -> list[Event]:
    """Home Assistant's streaming sequence, event for event (tts.py, 2025.7 and later)."""
    await client.write_event(SynthesizeStart(voice=voice).event())
    for chunk in chunks:
        await client.write_event(SynthesizeChunk(text=chunk).event())
    await client.write_event(Synthesize(text="".join(chunks), voice=voice).event())
    await client.write_event(SynthesizeStop().event())
    return await read_until(client, "synthesize-stopped")


# The command line, run as a user runs it -------------------------------------------------

READY = re.compile(r"Ready: .* on tcp://127\.0\.0\.1:(\d+)")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any of our variables, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(flags.ENV_PREFIX) and key != "DASHSCOPE_API_KEY"
    }
    return {**env, **extra}


async def run(
    *args: str, env: dict[str, str] | None = None, stdin: bytes = b""
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts", *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env or clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(stdin), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@asynccontextmanager
async def server(*args: str, env: dict[str, str] | None = None) -> AsyncIterator[Any]:
    """Start the server on a free port; yield (process, port); SIGTERM it at the end."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts", "--uri", "tcp://127.0.0.1:0", *args,
        stderr=asyncio.subprocess.PIPE,
        env=env or clean_env(),
    )  # fmt: skip
    assert process.stderr is not None
    try:
        port = None
        while port is None:
            line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
            assert line, "the server exited before it was ready"
            if match := READY.search(line):
                port = int(match.group(1))
        yield process, port
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)


EVERY_FAMILY = (
    "qwen3-tts-flash-realtime", "cosyvoice-v3-flash", "qwen-audio-3.0-tts-flash",
    "sambert-zhichu-v1",
)  # fmt: skip
"""One model of each family (Sambert's own rates, 16 and 48 kHz, make the server's 48 kHz)."""


@asynccontextmanager
async def serving_every_family(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> AsyncIterator[WyomingServer]:
    """The Wyoming server with a model of each family, at 48 kHz, on the simulator."""
    settings = UpstreamSettings(SpeechParams(sample_rate=48000), retry=FAST_RETRY)
    async with serving(http, simulator.url, EVERY_FAMILY, settings) as server:
        yield server


@asynccontextmanager
async def serving(
    http: aiohttp.ClientSession, url: str, models: Sequence[str], settings: UpstreamSettings
) -> AsyncIterator[WyomingServer]:
    """The Wyoming server in-process on 127.0.0.1 with ``models``, upstream ``url``."""
    timeouts = Timeouts(connect=1.0, configure=1.0, first_audio=1.0, audio_gap=1.0)
    pools: list[WarmPool[Any]] = [
        WarmPool(
            client_for(http, API_KEY, catalog.MODELS[model], url=url, timeouts=timeouts),
            minimum=0,
            maximum=0,
        )
        for model in models
    ]
    upstream = upstream_of(pools, settings)
    try:
        async with handling(upstream, limits=ConnectionLimits(max_text_chars=2000)) as port:
            yield WyomingServer(upstream, port)
    finally:
        await upstream.drain(5)
        await upstream.close()


@asynccontextmanager
async def handling(upstream: Upstream, **options: Any) -> AsyncIterator[int]:
    """Wyoming connections on 127.0.0.1 handled by the server's handler over ``upstream``
    (``options``: the handler's own); yields the port."""
    tcp = AsyncServer.from_uri("tcp://127.0.0.1:0")
    await tcp.start(
        partial(QwenTtsEventHandler, info=ServerInfo(upstream).event, upstream=upstream, **options)
    )
    try:
        yield tcp._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    finally:
        await tcp.stop()
