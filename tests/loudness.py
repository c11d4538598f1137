"""ITU-R BS.1770-4 loudness measured the plain way, in the time domain: the reference the
product's own (spectral) measurement and its normalizer are checked against."""

from __future__ import annotations

import numpy as np


def _biquad(x: np.ndarray, b: tuple[float, ...], a: tuple[float, ...]) -> np.ndarray:
    """A direct-form biquad, sample by sample (the reference, slow and plain)."""
    out = np.zeros_like(x)
    x1 = x2 = y1 = y2 = 0.0
    b0, b1, b2 = (c / a[0] for c in b)
    a1, a2 = a[1] / a[0], a[2] / a[0]
    for i, value in enumerate(x):
        y = b0 * value + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
        x2, x1, y2, y1 = x1, value, y1, y
        out[i] = y
    return out


def reference_loudness(x: np.ndarray, rate: int) -> float:
    """BS.1770-4 in the time domain: the K-weighting filters run over the signal, 400 ms
    blocks every 100 ms, the absolute and the relative gate."""
    gain = 10 ** (4 / 40)
    w0 = 2 * np.pi * 1500 / rate
    alpha, cos = np.sin(w0) / np.sqrt(2), np.cos(w0)
    root = 2 * np.sqrt(gain) * alpha
    x = _biquad(
        x,
        (gain * ((gain + 1) + (gain - 1) * cos + root), -2 * gain * ((gain - 1) + (gain + 1) * cos),
         gain * ((gain + 1) + (gain - 1) * cos - root)),
        ((gain + 1) - (gain - 1) * cos + root, 2 * ((gain - 1) - (gain + 1) * cos),
         (gain + 1) - (gain - 1) * cos - root),
    )  # fmt: skip
    w0 = 2 * np.pi * 38 / rate
    alpha, cos = np.sin(w0), np.cos(w0)
    x = _biquad(x, ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2), (1 + alpha, -2 * cos, 1 - alpha))
    size, step = int(0.4 * rate), int(0.1 * rate)
    powers = [float(np.mean(x[s : s + size] ** 2)) for s in range(0, len(x) - size + 1, step)]

    def lufs(power: float) -> float:
        return -0.691 + 10 * float(np.log10(power))

    loud = [p for p in powers if lufs(p) > -70]
    threshold = lufs(float(np.mean(loud))) - 10
    return lufs(float(np.mean([p for p in loud if lufs(p) > threshold])))
