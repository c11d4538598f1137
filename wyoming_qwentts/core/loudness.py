"""Loudness after ITU-R BS.1770: measuring it, and bringing a stream of PCM to a target
without waiting for its end.

The K-weighting (the standard's high shelf and high pass, for any sample rate) is applied to
each block's spectrum: a block's K-weighted power is its power spectrum weighted by the
filters' squared magnitude (Parseval), which numpy does at a fraction of a sample loop's cost.
"""

from __future__ import annotations

from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt

Samples: TypeAlias = npt.NDArray[np.float64]

DEFAULT_TARGET: Final = -16.0
"""LUFS: speech on small speakers (what podcast and voice-assistant guidance asks for)."""
DEFAULT_CEILING: Final = -1.0
"""dBTP: the true-peak ceiling (EBU R128's)."""
LOOKAHEAD: Final = 0.05
"""Seconds of audio the normalizer holds before it lets any out (its added latency)."""
MAX_GAIN: Final = 24.0
"""dB: the most a quiet stream is raised (silence is never pumped up)."""
_ABSOLUTE_GATE: Final = -70.0
_RELATIVE_GATE: Final = -10.0
_OFFSET: Final = -0.691
_FULL_SCALE: Final = 32768.0


def _biquad_power(
    frequencies: Samples, rate: int, b: tuple[float, ...], a: tuple[float, ...]
) -> Samples:
    z = np.exp(-2j * np.pi * frequencies / rate)
    numerator = b[0] + b[1] * z + b[2] * z * z
    denominator = a[0] + a[1] * z + a[2] * z * z
    return np.asarray(np.abs(numerator / denominator) ** 2, dtype=np.float64)


def k_weighting(n: int, rate: int) -> Samples:
    """The squared magnitude of the K-weighting filter at the ``rfft`` bins of ``n`` points."""
    frequencies = np.fft.rfftfreq(n, 1.0 / rate).astype(np.float64)
    # High shelf: +4 dB above about 1.5 kHz (RBJ form, as the standard's 48 kHz coefficients).
    gain, q, centre = 4.0, 1 / np.sqrt(2), 1500.0
    amplitude = 10 ** (gain / 40)
    w0 = 2 * np.pi * centre / rate
    alpha = np.sin(w0) / (2 * q)
    cos, root = np.cos(w0), 2 * np.sqrt(amplitude) * alpha
    shelf = _biquad_power(
        frequencies, rate,
        (amplitude * ((amplitude + 1) + (amplitude - 1) * cos + root),
         -2 * amplitude * ((amplitude - 1) + (amplitude + 1) * cos),
         amplitude * ((amplitude + 1) + (amplitude - 1) * cos - root)),
        ((amplitude + 1) - (amplitude - 1) * cos + root,
         2 * ((amplitude - 1) - (amplitude + 1) * cos),
         (amplitude + 1) - (amplitude - 1) * cos - root),
    )  # fmt: skip
    # High pass at 38 Hz (the "RLB" weighting).
    w0 = 2 * np.pi * 38.0 / rate
    alpha, cos = np.sin(w0) / (2 * 0.5), np.cos(w0)
    high_pass = _biquad_power(
        frequencies, rate,
        ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha),
    )  # fmt: skip
    return shelf * high_pass


def samples_of(pcm: bytes) -> Samples:
    """PCM16 little-endian mono as floats in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64) / _FULL_SCALE


def pcm_of(samples: Samples) -> bytes:
    """Floats back to PCM16 (clipped)."""
    scaled = np.clip(np.round(samples * _FULL_SCALE), -32768, 32767)
    return scaled.astype("<i2").tobytes()


def block_power(samples: Samples, rate: int) -> float:
    """Mean square of the K-weighted block."""
    if not len(samples):
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples)) ** 2
    spectrum[1:] *= 2  # the bins rfft folds (Nyquist counted twice, a negligible excess)
    weighted = spectrum * k_weighting(len(samples), rate)
    return float(weighted.sum() / len(samples) ** 2)


def _lufs(power: float) -> float:
    return _OFFSET + 10 * np.log10(power) if power > 0 else -np.inf


class GatedLoudness:
    """The gated loudness of blocks added one by one (BS.1770-4: the absolute gate, then the
    relative one), in constant time per block: blocks are kept as a histogram of 0.1 LU bins
    (with their exact power sums), as libebur128 keeps them."""

    _LOW, _HIGH, _STEP = _ABSOLUTE_GATE, 10.0, 0.1

    def __init__(self) -> None:
        bins = int((self._HIGH - self._LOW) / self._STEP) + 1
        self._counts = np.zeros(bins)
        self._sums = np.zeros(bins)
        self._centres = self._LOW + self._STEP * (np.arange(bins) + 0.5)

    def add(self, power: float) -> None:
        """One block's K-weighted mean square."""
        loudness = _lufs(power)
        if loudness <= _ABSOLUTE_GATE:
            return
        index = min(len(self._counts) - 1, int((loudness - self._LOW) / self._STEP))
        self._counts[index] += 1
        self._sums[index] += power

    def loudness(self) -> float:
        """LUFS of the blocks so far; -inf while none passed the absolute gate."""
        count = self._counts.sum()
        if not count:
            return -np.inf
        threshold = _lufs(float(self._sums.sum() / count)) + _RELATIVE_GATE
        kept = self._centres > threshold
        kept_count = self._counts[kept].sum()
        return _lufs(float(self._sums[kept].sum() / kept_count)) if kept_count else -np.inf


def integrated_loudness(samples: Samples, rate: int) -> float:
    """BS.1770 integrated loudness (LUFS) of a whole clip: 400 ms blocks, 75 % overlap."""
    size, step = int(0.4 * rate), int(0.1 * rate)
    gated = GatedLoudness()
    for start in range(0, max(1, len(samples) - size + 1), step):
        gated.add(block_power(samples[start : start + size], rate))
    return gated.loudness()


def true_peak(samples: Samples) -> float:
    """The largest absolute value of the signal oversampled four times (a true-peak
    estimate, as BS.1770 asks), in linear full scale."""
    if not len(samples):
        return 0.0
    spectrum = np.fft.rfft(samples)
    oversampled = np.fft.irfft(spectrum, n=4 * len(samples)) * 4
    return float(max(np.max(np.abs(oversampled)), np.max(np.abs(samples))))


def gain_to(samples: Samples, rate: int, target: float, ceiling: float) -> float:
    """The linear gain that brings a whole clip to ``target`` LUFS, its true peak at most
    ``ceiling`` dBTP."""
    loudness = integrated_loudness(samples, rate)
    if not np.isfinite(loudness):
        return 1.0
    gain = 10 ** (min(target - loudness, MAX_GAIN) / 20)
    peak = true_peak(samples) * gain
    limit = 10 ** (ceiling / 20)
    return gain * min(1.0, limit / peak) if peak > 0 else gain


class LoudnessNormalizer:
    """Brings streamed PCM16 to ``target`` LUFS as it arrives, holding ``LOOKAHEAD`` of it.

    The gain follows the gated loudness of all the stream heard so far (so it settles within
    the first seconds and then holds, as a message's voice does), moving smoothly across each
    block; a block whose true peak would pass ``ceiling`` dBTP is turned down to it.
    """

    def __init__(
        self, rate: int, target: float = DEFAULT_TARGET, ceiling: float = DEFAULT_CEILING
    ) -> None:
        self._rate = rate
        self._target = target
        self._limit = 10 ** (ceiling / 20)
        self._block = max(1, int(LOOKAHEAD * rate))
        self._pending = bytearray()
        self._heard = GatedLoudness()
        self._gain: float | None = None
        """The linear gain at the end of the last block let out (None: none yet)."""

    def push(self, pcm: bytes) -> bytes:
        """Add audio; return what may be let out now (whole blocks)."""
        self._pending += pcm
        size = 2 * self._block
        whole = len(self._pending) // size * size
        if not whole:
            return b""
        out = b"".join(
            self._process(bytes(self._pending[i : i + size])) for i in range(0, whole, size)
        )
        del self._pending[:whole]
        return out

    def flush(self) -> bytes:
        """The rest, at the gain reached."""
        rest, self._pending = bytes(self._pending[: len(self._pending) // 2 * 2]), bytearray()
        return self._process(rest) if rest else b""

    def _process(self, block: bytes) -> bytes:
        samples = samples_of(block)
        self._heard.add(block_power(samples, self._rate))
        loudness = self._heard.loudness()
        if np.isfinite(loudness):
            wanted = 10 ** (min(self._target - loudness, MAX_GAIN) / 20)
        else:  # silence so far: nothing to go by
            wanted = self._gain or 1.0
        start = wanted if self._gain is None else self._gain
        ramp = np.linspace(start, wanted, num=len(samples), endpoint=True)
        out = samples * ramp
        peak = true_peak(out)
        if peak > self._limit:  # the block is turned down as a whole: no peak passes
            out *= self._limit / peak
            wanted *= self._limit / peak
        self._gain = wanted
        return pcm_of(out)
