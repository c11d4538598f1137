"""Processes and clients shared by the benchmark scenarios."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wyoming.audio import AudioChunk
from wyoming.client import AsyncTcpClient
from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

KEY = "sk-bench-key"
READY = re.compile(r"Ready: .* on tcp://127\.0\.0\.1:(\d+)")
BYTES_PER_SECOND = 48_000  # PCM16 mono at 24 kHz


@dataclass
class Simulator:
    process: asyncio.subprocess.Process
    url: str
    stats_file: Path

    def sessions(self) -> list[dict[str, Any]]:
        """Figures of every finished session so far."""
        if not self.stats_file.exists():
            return []
        return [json.loads(line) for line in self.stats_file.read_text().splitlines()]


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int

    @property
    def ps(self) -> Any:
        import psutil  # the benchmark environment's; the soak script does without

        return psutil.Process(self.process.pid)

    def rss_kb(self) -> int:
        """Resident memory from /proc (no psutil needed)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(
            next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
        )

    def cpu_seconds(self) -> float:
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss(self) -> int:
        return int(self.ps.memory_info().rss)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()


@contextlib.asynccontextmanager
async def simulator(**knobs: Any) -> AsyncIterator[Simulator]:
    """The simulator in its own process; knobs are its flags (first_audio_delay=0.1, …)."""
    stats = Path(tempfile.mkstemp(prefix="sim-", suffix=".jsonl")[1])
    flags = [f"--{name.replace('_', '-')}={value}" for name, value in knobs.items()]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts.simulator", "--port", "0", "--api-key", KEY,
        "--idle-timeout", "600", "--stats-file", str(stats), *flags,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    url = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
    try:
        yield Simulator(process, url, stats)
    finally:
        await _stop(process)
        stats.unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def server(url: str, *flags: str) -> AsyncIterator[Server]:
    """The Wyoming server in its own process, upstream ``url``."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts", "--uri", "tcp://127.0.0.1:0", "--url", url,
        "--api-key", KEY, "--max-concurrency", "2000", *flags,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    port = None
    while port is None:
        line = (await asyncio.wait_for(process.stderr.readline(), 30)).decode()
        if not line:
            raise RuntimeError("the server exited before it was ready")
        if match := READY.search(line):
            port = int(match.group(1))
    drain = asyncio.create_task(_drain(process.stderr))
    try:
        yield Server(process, port)
    finally:
        await _stop(process)
        drain.cancel()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


@dataclass
class StreamResult:
    """One streamed request as a Wyoming client saw it (monotonic clock)."""

    first_text: str
    sent_at: float = 0.0
    first_audio_at: float | None = None
    audio_bytes: int = 0
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    """(time, audio bytes received before this chunk) of every chunk."""

    @property
    def ttfa(self) -> float:
        assert self.first_audio_at is not None
        return self.first_audio_at - self.sent_at

    def behind(self, tolerance: float) -> float:
        """How far playback from the first chunk would have run ahead of the audio (s)."""
        if self.first_audio_at is None:
            return float("inf")
        worst = 0.0
        for at, before in self.arrivals:
            worst = max(worst, (at - self.first_audio_at) - before / BYTES_PER_SECOND)
        return max(0.0, worst - tolerance)


async def stream(
    port: int, chunks: list[str], keep_arrivals: bool = False, pace: float = 0.0
) -> StreamResult:
    """Home Assistant's streaming sequence; measures from the first chunk to the first audio.

    With ``pace`` the chunks come that many seconds apart, as an LLM writes them.
    """
    result = StreamResult(chunks[0])
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(SynthesizeStart().event())
        result.sent_at = time.monotonic()
        if pace:
            reading = asyncio.create_task(_read(client, result, keep_arrivals))
            for chunk in chunks:
                await client.write_event(SynthesizeChunk(text=chunk).event())
                await asyncio.sleep(pace)
            await client.write_event(Synthesize(text="".join(chunks)).event())
            await client.write_event(SynthesizeStop().event())
            await reading
            return result
        for chunk in chunks:
            await client.write_event(SynthesizeChunk(text=chunk).event())
        await client.write_event(Synthesize(text="".join(chunks)).event())
        await client.write_event(SynthesizeStop().event())
        await _read(client, result, keep_arrivals)
        return result


async def _read(client: AsyncTcpClient, result: StreamResult, keep_arrivals: bool) -> None:
    """Read the answer of one stream into ``result``, up to ``synthesize-stopped``."""
    while True:
        event = await client.read_event()
        if event is None:
            raise RuntimeError("the server closed the connection")
        if event.type == "audio-chunk":
            now = time.monotonic()
            if result.first_audio_at is None:
                result.first_audio_at = now
            if keep_arrivals:
                result.arrivals.append((now, result.audio_bytes))
            result.audio_bytes += len(AudioChunk.from_event(event).audio)
        elif event.type == "error":
            raise RuntimeError(f"error event: {event.data}")
        elif event.type == "synthesize-stopped":
            return
