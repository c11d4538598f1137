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
