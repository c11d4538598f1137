"""The handler's audio-chunk serialization, pinned against the installed wyoming."""

from __future__ import annotations

import io
from typing import Any

import pytest
from wyoming.audio import AudioChunk
from wyoming.event import Event, async_read_event, async_write_event

from wyoming_qwentts.server import audio_output
from wyoming_qwentts.server.audio_output import AudioOutput


class _Buffer:
    """A stream writer that keeps what is written."""

    def __init__(self) -> None:
        self.data = io.BytesIO()

    def write(self, data: bytes) -> None:
        self.data.write(data)

    def writelines(self, data: Any) -> None:
        for part in data:
            self.data.write(part)

    async def drain(self) -> None:
        """Nothing to wait for."""


async def wyoming_bytes(event: Event) -> bytes:
    buffer = _Buffer()
    await async_write_event(event, buffer)  # type: ignore[arg-type]
    return buffer.data.getvalue()


async def chunk_bytes(output: AudioOutput, audio: bytes) -> bytes:
    return await output._chunk(audio)


PIECES = [bytes(range(256)) * 8, b"\x01\x02" * 1024, bytes(range(256)) * 8, b"\x7f\x80" * 7]


async def test_chunks_are_what_wyoming_itself_writes() -> None:
    output = AudioOutput(None, 24000, 2048)  # type: ignore[arg-type]
    for audio in PIECES:  # the second chunk of a size comes from the cached prefix
        expected = await wyoming_bytes(AudioChunk(24000, 2, 1, audio).event())
        assert await chunk_bytes(output, audio) == expected
    assert set(output._prefixes) == {2048, 14}


async def test_chunks_read_back_as_the_audio() -> None:
    output = AudioOutput(None, 16000, 2048)  # type: ignore[arg-type]
    stream = b"".join([await chunk_bytes(output, audio) for audio in PIECES])

    class _Reader:
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        async def readline(self) -> bytes:
            return self._data.readline()

        async def readexactly(self, count: int) -> bytes:
            return self._data.read(count)

    reader = _Reader(stream)
    for audio in PIECES:
        event = await async_read_event(reader)  # type: ignore[arg-type]
        assert event is not None
        chunk = AudioChunk.from_event(event)
        assert (chunk.audio, chunk.rate, chunk.width, chunk.channels) == (audio, 16000, 2, 1)


async def test_a_wyoming_that_writes_the_payload_elsewhere_is_still_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def payload_first(event: Event, writer: Any) -> None:
        # A hypothetical layout: not header, data, payload. Nothing may be cut from it.
        writer.write(event.payload or b"")
        writer.write(repr(event.type).encode() + b"\n")

    monkeypatch.setattr(audio_output, "async_write_event", payload_first)
    output = AudioOutput(None, 24000, 2048)  # type: ignore[arg-type]
    for audio in PIECES:
        assert await chunk_bytes(output, audio) == audio + b"'audio-chunk'\n"
    assert output._prefixes == {}  # no prefix could be cached: each chunk made whole
