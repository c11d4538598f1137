"""Chimes played ahead of an announcement: a few built in (synthesized at any rate) or the
user's own WAV file, as PCM16 mono at the voice's rate and loudness."""

from __future__ import annotations

import functools
import io
import wave
from pathlib import Path
from typing import Final

import numpy as np

from .convert import widened
from .errors import InvalidParameterError
from .loudness import DEFAULT_CEILING, DEFAULT_TARGET, Samples, gain_to, pcm_of

MAX_SECONDS: Final = 10.0
"""The longest chime: it is heard before every word of the announcement."""
_PARTIALS: Final[dict[str, tuple[tuple[float, float, float, float], ...]]] = {
    # name: (start s, frequency Hz, amplitude, decay s) of each partial
    "ding": ((0.0, 1318.5, 1.0, 0.35), (0.0, 2637.0, 0.3, 0.15)),
    "ding-dong": ((0.0, 659.3, 1.0, 0.45), (0.0, 1318.5, 0.25, 0.2),
                  (0.45, 523.3, 1.0, 0.6), (0.45, 1046.5, 0.25, 0.25)),
    "bell": ((0.0, 880.0, 1.0, 0.9), (0.0, 2428.8, 0.45, 0.4), (0.0, 4752.0, 0.2, 0.2)),
}  # fmt: skip
BUILT_IN: Final = tuple(_PARTIALS)
"""The chimes every front end offers by name."""


def _built_in(name: str, rate: int) -> Samples:
    partials = _PARTIALS[name]
    length = max(start + 5 * decay for start, _, _, decay in partials)
    t = np.arange(int(length * rate)) / rate
    out = np.zeros(len(t))
    for start, frequency, amplitude, decay in partials:
        local = t - start
        on = local >= 0
        attack = np.minimum(1.0, local[on] / 0.004)  # 4 ms: no click
        out[on] += (
            amplitude
            * attack
            * np.exp(-local[on] / decay)
            * np.sin(2 * np.pi * frequency * local[on])
        )
    return out


def _read_wav(data: bytes, source: str) -> tuple[Samples, int]:
    """A WAV file's samples, mixed to mono, and its rate."""
    try:
        with wave.open(io.BytesIO(data)) as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as err:
        raise _refused(f"{source} is not a WAV file ({err}).") from None
    if width not in (1, 2, 3, 4):
        raise _refused(f"{source} has {8 * width}-bit samples: use 8, 16, 24 or 32-bit PCM.")
    frames, width = widened(frames, width)
    ints = np.frombuffer(frames, dtype=np.dtype({1: "u1", 2: "<i2", 4: "<i4"}[width]))
    samples = ints.astype(np.float64)
    if width == 1:
        samples = (samples - 128) / 128
    else:
        samples /= float(2 ** (8 * width - 1))
    frames_count = len(samples) // channels
    mono = samples[: frames_count * channels].reshape(frames_count, channels).mean(axis=1)
    return mono, rate


def resample(samples: Samples, rate: int, to: int) -> Samples:
    """Band-limited resampling of a short clip (its spectrum cut or padded: what
    ``scipy.signal.resample`` does), exact in length."""
    if rate == to or not len(samples):
        return samples
    length = round(len(samples) * to / rate)
    return np.fft.irfft(np.fft.rfft(samples), n=length) * (length / len(samples))


@functools.lru_cache(maxsize=16)
def chime_pcm(
    chime: str, rate: int, target: float = DEFAULT_TARGET, ceiling: float = DEFAULT_CEILING
) -> bytes:
    """The chime ``chime`` (a built-in name, or a WAV file's path) as PCM16 mono at ``rate``,
    at ``target`` LUFS (true peak at most ``ceiling`` dBTP).

    Raises InvalidParameterError (``chime``) naming what is wrong with it.
    """
    if chime in _PARTIALS:
        samples = _built_in(chime, rate)
    else:
        path = Path(chime)
        try:
            data = path.read_bytes()
        except OSError as err:
            raise _refused(
                f"No chime {chime!r}: not one of {', '.join(BUILT_IN)}, and no file can be "
                f"read there ({err.strerror})."
            ) from None
        raw, source_rate = _read_wav(data, path.name)
        if len(raw) > MAX_SECONDS * source_rate:
            raise _refused(f"{path.name} lasts over {MAX_SECONDS:g} s: a chime must be shorter.")
        samples = resample(raw, source_rate, rate)
    return pcm_of(samples * gain_to(samples, rate, target, ceiling))


def _refused(message: str) -> InvalidParameterError:
    return InvalidParameterError("chime", message)
