"""Audio of another format (rate, sample width, channels), as it streams, made the PCM16
mono every protocol delivers, at a given rate: PyAV's resampler (FFmpeg's swresample)."""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from .pcm import PCM_CHANNELS, PCM_WIDTH

_FORMATS: Final = {1: ("u8", "u1"), 2: ("s16", "<i2"), 4: ("s32", "<i4")}
_LAYOUTS: Final = {1: "mono", 2: "stereo"}


def widened(data: bytes, width: int) -> tuple[bytes, int]:
    """24-bit little-endian samples as 32-bit ones (the low byte zero), and their width;
    samples of any other width as they are."""
    if width != 3:
        return data, width
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3)
    wide = np.zeros((len(raw), 4), dtype=np.uint8)
    wide[:, 1:] = raw
    return wide.tobytes(), 4


class PcmConverter:
    """Converts a stream of ``width``-byte, ``channels``-channel audio at ``rate`` into PCM16
    mono at ``to_rate``; :meth:`push` as it comes, :meth:`flush` at its end."""

    def __init__(self, rate: int, width: int, channels: int, to_rate: int) -> None:
        if width not in (*_FORMATS, 3) or channels not in _LAYOUTS:
            raise ValueError(
                f"audio of {8 * width}-bit samples in {channels} channels cannot be converted"
            )
        self._width, self._channels, self._rate = width, channels, rate
        self._frame_bytes = width * channels
        self._pending = b""
        self._same = (rate, width, channels) == (to_rate, PCM_WIDTH, PCM_CHANNELS)
        self._resampler: Any = None
        if not self._same:
            import av  # the fallback's only need for it: imported where it is used

            self._av = av
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=to_rate)

    def push(self, audio: bytes) -> bytes:
        """Convert what arrived (whole frames; a partial one waits for the rest)."""
        data = self._pending + audio
        whole = len(data) // self._frame_bytes * self._frame_bytes
        self._pending = data[whole:]
        if self._same or not whole:
            return data[:whole]
        return self._resample(self._frame(data[:whole]))

    def flush(self) -> bytes:
        """What the resampler still holds."""
        if self._same:
            return b""
        return self._resample(None)

    def _frame(self, data: bytes) -> Any:
        width = self._width
        data, width = widened(data, width)  # FFmpeg has no 24-bit sample format
        name, dtype = _FORMATS[width]
        samples = np.frombuffer(data, dtype=np.dtype(dtype)).reshape(1, -1)  # interleaved
        frame = self._av.AudioFrame.from_ndarray(
            samples, format=name, layout=_LAYOUTS[self._channels]
        )
        frame.sample_rate = self._rate
        return frame

    def _resample(self, frame: Any) -> bytes:
        return b"".join(bytes(out.planes[0])[: out.samples * PCM_WIDTH]
                        for out in self._resampler.resample(frame))  # fmt: skip


class WavStream:
    """A WAV file as it streams in (its header first; sizes may say "streaming"), made PCM16
    mono at ``to_rate`` as it comes: :meth:`push` the bytes, :meth:`flush` at the end."""

    def __init__(self, to_rate: int) -> None:
        self._to_rate = to_rate
        self._head = b""
        self._converter: PcmConverter | None = None

    def push(self, data: bytes) -> bytes:
        """The audio of what arrived; ValueError if it is not PCM WAV."""
        if self._converter is not None:
            return self._converter.push(data)
        self._head += data
        found = _wav_data(self._head)
        if found is None:
            if len(self._head) > _MAX_HEADER:
                raise ValueError("no WAV audio data within the first 64 KiB")
            return b""
        (rate, width, channels), start = found
        self._converter = PcmConverter(rate, width, channels, self._to_rate)
        rest, self._head = self._head[start:], b""
        return self._converter.push(rest)

    def flush(self) -> bytes:
        """What the converter still holds; ValueError if no audio data ever came."""
        if self._converter is None:
            raise ValueError("the audio ended before its WAV data began")
        return self._converter.flush()


_MAX_HEADER: Final = 1 << 16


def _wav_data(head: bytes) -> tuple[tuple[int, int, int], int] | None:
    """``((rate, width, channels), offset of the samples)`` once ``head`` holds the WAV
    header up to its ``data`` chunk; None while it needs more."""
    if len(head) < 12:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    offset, fmt = 12, None
    while len(head) >= offset + 8:
        kind, size = (
            head[offset : offset + 4],
            int.from_bytes(head[offset + 4 : offset + 8], "little"),
        )
        body = offset + 8
        if kind == b"data":
            if fmt is None:
                raise ValueError("a WAV file whose data comes before its format")
            return fmt, body
        if len(head) < body + size:
            return None
        if kind == b"fmt ":
            tag, channels, rate = (int.from_bytes(head[body + a : body + b], "little")
                                   for a, b in ((0, 2), (2, 4), (4, 8)))  # fmt: skip
            bits = int.from_bytes(head[body + 14 : body + 16], "little")
            if tag not in (1, 0xFFFE):  # PCM, or WAVE_FORMAT_EXTENSIBLE (of PCM)
                raise ValueError(f"WAV audio of format {tag} (not PCM)")
            fmt = (rate, bits // 8, channels)
        offset = body + size + (size & 1)  # chunks are padded to an even size
    return None
