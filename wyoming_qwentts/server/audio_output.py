"""The audio of one Wyoming request: one ``audio-start``, fixed-size ``audio-chunk``s (each
serialized by wyoming once per size), one ``audio-stop``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Final

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.event import Event, async_write_event

from ..core.pcm import PCM_CHANNELS, PCM_WIDTH, PcmChunker

Writer = Callable[[list[Event | bytes]], Awaitable[None]]
"""Writes events (or events already serialized) to the client, in one go."""

_WIDTH: Final = PCM_WIDTH
_CHANNELS: Final = PCM_CHANNELS


async def serialized(event: Event) -> bytes:
    """The bytes wyoming writes for ``event``."""
    cork = _Cork()
    await async_write_event(event, cork)  # type: ignore[arg-type]
    return b"".join(cork.parts)


class _Cork:
    """Stands in for the stream writer so that wyoming serializes events into one buffer."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def writelines(self, data: Iterable[bytes]) -> None:
        self.parts.extend(data)

    async def drain(self) -> None:
        """Nothing to wait for: the handler writes the parts at once."""


class AudioOutput:
    """Writes one ``audio-start``, fixed-size ``audio-chunk``s and one ``audio-stop``."""

    def __init__(self, write: Writer, rate: int, chunk_bytes: int) -> None:
        self._write = write
        self._rate = rate
        self._chunker = PcmChunker(chunk_bytes)
        self._started = False
        self._prefixes: dict[int, bytes] = {}

    async def _chunk(self, audio: bytes) -> bytes:
        """A serialized ``audio-chunk``: all but the payload is the same for every chunk of a
        size, so wyoming serializes it once per size and the payload is appended.

        The payload ends a serialized event (the header line, the data, then the payload);
        should a wyoming version ever lay it out otherwise, every chunk is serialized whole.
        """
        prefix = self._prefixes.get(len(audio))
        if prefix is not None:
            return prefix + audio
        whole = await serialized(self._event(audio))
        if audio and whole.endswith(audio):
            self._prefixes[len(audio)] = whole[: -len(audio)]
        return whole

    @property
    def started(self) -> bool:
        """Whether any audio went out (its ``audio-start`` did)."""
        return self._started

    def _event(self, audio: bytes) -> Event:
        return AudioChunk(self._rate, _WIDTH, _CHANNELS, audio).event()

    async def write(self, audio: bytes) -> None:
        events: list[Event | bytes] = [
            await self._chunk(chunk) for chunk in self._chunker.push(audio)
        ]
        if not self._started:
            self._started = True
            events.insert(0, AudioStart(self._rate, _WIDTH, _CHANNELS).event())
        if events:
            await self._write(events)

    async def _held(self) -> list[Event | bytes]:
        """The audio still held (a partial chunk), as its event."""
        rest = self._chunker.flush()
        return [await self._chunk(rest)] if rest else []

    async def flush(self) -> None:
        """Send the audio still held: before an error, all that was heard."""
        if events := await self._held():
            await self._write(events)

    async def stop(self) -> None:
        await self._write([*await self._held(), AudioStop().event()])
