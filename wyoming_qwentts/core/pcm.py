"""The PCM every protocol delivers (16-bit little-endian mono), WAV headers for it, and
re-slicing it into chunks."""

from __future__ import annotations

import struct
from typing import Final

PCM_WIDTH: Final = 2
"""Bytes per sample (16-bit little-endian)."""
PCM_CHANNELS: Final = 1

STREAMING_SIZE: Final = 0xFFFFFFFF
"""WAV size fields for a stream of unknown length."""

_WAV_HEADER: Final = struct.Struct("<4sI4s4sIHHIIHH4sI")


def wav_header(sample_rate: int, data_size: int = STREAMING_SIZE) -> bytes:
    """A 44-byte RIFF/WAVE header for PCM16 mono; the default sizes mean "streaming"."""
    riff_size = STREAMING_SIZE if data_size == STREAMING_SIZE else 36 + data_size
    block = PCM_WIDTH * PCM_CHANNELS
    return _WAV_HEADER.pack(
        b"RIFF", riff_size, b"WAVE", b"fmt ", 16, 1, PCM_CHANNELS, sample_rate,
        sample_rate * block, block, 8 * PCM_WIDTH, b"data", data_size,
    )  # fmt: skip


def parse_wav_header(data: bytes, offset: int = 0) -> tuple[int, int]:
    """Return ``(sample_rate, data_size)`` of a header written by :func:`wav_header`."""
    if len(data) - offset < _WAV_HEADER.size:
        raise ValueError(f"no WAV header at byte {offset}")
    fields = _WAV_HEADER.unpack_from(data, offset)
    if fields[0] != b"RIFF" or fields[2] != b"WAVE" or fields[11] != b"data":
        raise ValueError(f"no WAV header at byte {offset}")
    return fields[7], fields[12]


WAV_HEADER_SIZE: Final = _WAV_HEADER.size


class PcmChunker:
    """Re-slices PCM into chunks of exactly ``chunk_bytes`` (the last one may be shorter)."""

    def __init__(self, chunk_bytes: int) -> None:
        if chunk_bytes <= 0 or chunk_bytes % PCM_WIDTH:
            raise ValueError("chunk_bytes must be a positive multiple of the sample width")
        self._size = chunk_bytes
        self._buffer = bytearray()

    def push(self, data: bytes) -> list[bytes]:
        """Add audio and return every whole chunk now available."""
        self._buffer += data
        size = self._size
        count = len(self._buffer) // size
        if not count:
            return []
        view = memoryview(self._buffer)
        chunks = [bytes(view[i * size : (i + 1) * size]) for i in range(count)]
        view.release()
        del self._buffer[: count * size]
        return chunks

    def flush(self) -> bytes:
        """Return and forget the remainder."""
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest
