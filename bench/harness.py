"""Processes and clients shared by the benchmark scenarios."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wyoming.tts import Synthesize, SynthesizeChunk, SynthesizeStart, SynthesizeStop

from wyoming_qwentts.server.audio_output import serialized

KEY = "sk-bench-key"
READY = re.compile(r"Ready: .* on tcp://127\.0\.0\.1:(\d+)")
BRIDGE = re.compile(r"First audio .* bridge ([\d.]+) ms")
BYTES_PER_SECOND = 48_000  # PCM16 mono at 24 kHz
UNDERRUN_TOLERANCE = 0.01  # a player's own buffer covers gaps shorter than this (s)


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
    bridge_times: list[float] = field(default_factory=list)
    """The server's own share of each request's time to first audio, in seconds, from its
    ``--debug`` lines (first text in to first audio out, minus the upstream's part)."""

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
async def server(url: str, *flags: str, core: int | None = None) -> AsyncIterator[Server]:
    """The Wyoming server in its own process, upstream ``url``; with ``core``, pinned to that
    CPU (``taskset``) where the machine has it."""
    pinned: list[str] = []
    if core is not None and shutil.which("taskset") and len(os.sched_getaffinity(0)) > core:
        pinned = ["taskset", "-c", str(core)]
    process = await asyncio.create_subprocess_exec(
        *pinned, sys.executable, "-m", "wyoming_qwentts", "--uri", "tcp://127.0.0.1:0",
        "--url", url,
        "--api-key", KEY, "--max-concurrency", "2000", "--max-connections", "2000",
        "--max-connections-per-client", "2000", *flags,  # every client is on loopback here
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
    running = Server(process, port)
    drain = asyncio.create_task(_drain(process.stderr, running))
    try:
        yield running
    finally:
        await _stop(process)
        drain.cancel()


async def _drain(stream: asyncio.StreamReader, running: Server) -> None:
    while line := await stream.readline():
        if match := BRIDGE.search(line.decode(errors="replace")):
            running.bridge_times.append(float(match.group(1)) / 1000)


@dataclass
class StreamResult:
    """One streamed request as a Wyoming client saw it (monotonic clock)."""

    first_text: str
    sent_at: float = 0.0
    first_audio_at: float | None = None
    speech_from: int = 0
    """Bytes of audio that come before the speech (a chime's)."""
    speech_at: float | None = None
    """When the first byte of speech (after ``speech_from``) arrived."""
    audio_bytes: int = 0
    worst_lag: float = 0.0
    """Largest lead of playback (started at the first chunk) over the audio received (s)."""
    underruns: int = 0
    """Times a player that started at the first chunk, and pauses whenever it runs dry, ran
    dry before the end (gaps under ``UNDERRUN_TOLERANCE`` not counted)."""
    underrun_seconds: float = 0.0
    """How long that player stood silent in all (s)."""
    play_end: float = 0.0
    """When that player will have played everything received so far (monotonic s)."""

    def played(self, now: float, seconds: float) -> None:
        """Audio of ``seconds`` arrived at ``now``: advance the real-time player model."""
        if self.play_end and now - self.play_end > UNDERRUN_TOLERANCE:
            self.underruns += 1
            self.underrun_seconds += now - self.play_end
        self.play_end = max(self.play_end, now) + seconds

    @property
    def ttfa(self) -> float:
        assert self.first_audio_at is not None
        return self.first_audio_at - self.sent_at

    def behind(self, tolerance: float) -> float:
        """How far playback from the first chunk would have run ahead of the audio (s)."""
        if self.first_audio_at is None:
            return float("inf")
        return max(0.0, self.worst_lag - tolerance)


async def stream(
    port: int, chunks: list[str], pace: float = 0.0, speech_from: int = 0
) -> StreamResult:
    """Home Assistant's streaming sequence; measures from the first chunk to the first audio.

    With ``pace`` the chunks come that many seconds apart, as an LLM writes them. Events are
    serialized by the wyoming library; the answer is parsed as its bytes arrive, in the
    socket's callback (:class:`_Answer`): the first audio is timed when it is in, not when a
    reading task gets its turn, and the load generator, sharing the machine's two cores,
    takes as little as it can from the bridge.
    """
    result = StreamResult(chunks[0], speech_from=speech_from)
    loop = asyncio.get_running_loop()
    transport, answer = await loop.create_connection(
        lambda: _Answer(result, loop.create_future()), "127.0.0.1", port
    )
    try:
        transport.write(await serialized(SynthesizeStart().event()))
        result.sent_at = time.monotonic()
        for chunk in chunks:
            transport.write(await serialized(SynthesizeChunk(text=chunk).event()))
            if pace:
                await asyncio.sleep(pace)
        transport.write(await serialized(Synthesize(text="".join(chunks)).event()))
        transport.write(await serialized(SynthesizeStop().event()))
        await answer.done
        return result
    finally:
        transport.close()


class _Answer(asyncio.Protocol):
    """The answer of one stream, parsed into ``result`` as it arrives; ``done`` when
    ``synthesize-stopped`` came (an ``error`` event or a close: its exception)."""

    def __init__(self, result: StreamResult, done: asyncio.Future[None]) -> None:
        self.result = result
        self.done = done
        self._buffer = bytearray()
        self._header: dict[str, Any] | None = None
        self._extra = 0

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self._buffer
        buffer += data
        while not self.done.done():
            if self._header is None:
                end = buffer.find(b"\n")
                if end < 0:
                    return
                self._header = header = json.loads(buffer[:end])
                del buffer[: end + 1]
                self._extra = (header.get("data_length") or 0) + (header.get("payload_length") or 0)
            if len(buffer) < self._extra:
                return
            header, self._header = self._header, None
            # Only an error's body is read: audio is counted, not copied.
            body = bytes(buffer[: self._extra]) if header["type"] == "error" else b""
            del buffer[: self._extra]
            self._event(header, body, now)

    def _event(self, header: dict[str, Any], body: bytes, now: float) -> None:
        result = self.result
        kind = header["type"]
        if kind == "audio-chunk":
            if result.first_audio_at is None:
                result.first_audio_at = now
            lag = (now - result.first_audio_at) - result.audio_bytes / BYTES_PER_SECOND
            result.worst_lag = max(result.worst_lag, lag)
            payload = header.get("payload_length") or 0
            if result.speech_at is None and result.audio_bytes + payload > result.speech_from:
                result.speech_at = now
            result.audio_bytes += payload
            result.played(now, payload / BYTES_PER_SECOND)
        elif kind == "error":
            self.done.set_exception(
                RuntimeError(f"error event: {header.get('data') or body[:200]!r}")
            )
        elif kind == "synthesize-stopped":
            self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_exception(RuntimeError("the server closed the connection"))


async def relay_cpu(
    work: list[list[str]], server_flags: list[str], sdk: list[str]
) -> dict[str, Any]:
    """CPU of the server per second of audio for ``work`` (streams of chunks, all at once),
    and the vendor SDK's doing the same: ``sdk`` is its command line, to which the path of a
    JSON file of the texts is appended (it prints ``cpu_seconds`` and ``audio_seconds``)."""
    async with simulator() as sim:
        async with server(sim.url, "--warm-connections", "0", *server_flags) as srv:
            await stream(srv.port, ["Warm up the interpreter. "])
            before = srv.cpu_seconds()
            streams = await asyncio.gather(*(stream(srv.port, chunks) for chunks in work))
            cpu = srv.cpu_seconds() - before
        audio = sum(r.audio_bytes for r in streams) / BYTES_PER_SECOND
        ours = {
            "cpu_seconds": cpu,
            "audio_seconds": audio,
            "ms_per_audio_second": 1000 * cpu / audio,
        }
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
            json.dump(["".join(chunks) for chunks in work], handle)
        command = [arg.replace("{url}", sim.url) for arg in sdk]
        process = await asyncio.create_subprocess_exec(
            sys.executable, *command, handle.name, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await process.communicate()
        os.unlink(handle.name)
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["ms_per_audio_second"] = 1000 * result["cpu_seconds"] / result["audio_seconds"]
    return {
        "ours": ours,
        "sdk": result,
        "ratio": ours["ms_per_audio_second"] / result["ms_per_audio_second"],
    }


SENTENCE = "The quick brown fox jumps over the lazy dog near the riverbank today. "


def unique_chunks(tag: str, sentences: int = 1) -> list[str]:
    """Text split as an LLM streams it; the first chunk is unique, to match simulator figures."""
    text = f"Stream {tag} says hello. " + SENTENCE * sentences
    return [text[:24]] + [text[i : i + 12] for i in range(24, len(text), 12)]


async def after(delay: float, request: Any) -> Any:
    """Start ``request`` after ``delay`` s: the level's streams start spread over one second
    and then overlap, rather than all in the same millisecond."""
    await asyncio.sleep(delay)
    return await request


def tag_of(text: str) -> str:
    """A stream's tag: its first words, which the simulator's figures are matched by."""
    return text.split(" says")[0]


async def simulator_times(sim: Any, firsts: list[str]) -> dict[str, float]:
    """The simulator's own first-text-to-first-delta time of each stream, by its tag."""
    wanted = {tag_of(first) for first in firsts}
    while True:
        own = {
            tag_of(text): first_audio - first_text
            for s in sim.sessions()
            for text, first_text, first_audio in s["firsts"]
        }
        if wanted <= own.keys():
            return own
        await asyncio.sleep(0.1)  # sessions write their figures when they close
