"""The simulator's "voice": PCM that encodes the text it was made from, and its decoder.

Each character becomes a run of tone bursts separated by silence: a one-half-cycle marker,
then one burst per hexadecimal digit of the code point (most significant first), where digit
``d`` is a square tone of ``d + 2`` half-cycles. Counting sign changes inside each burst reads
the text back, whatever the sample rate, speech rate, pitch or volume, so any test can assert
that exactly its input was spoken, once, in order, with nothing cut off.

- speech_rate shortens every burst slot (audio length is proportional to text / speech_rate);
- pitch_rate shortens the burst inside its slot (a higher tone frequency, same duration);
- volume scales the amplitude (volume 0 is silence, which decodes to nothing).
"""

from __future__ import annotations

import re
import sys
from array import array
from functools import cache, lru_cache
from typing import Final

from ..core.pcm import STREAMING_SIZE, WAV_HEADER_SIZE, parse_wav_header

SLOT_SECONDS: Final = 0.02
"""Length of one burst slot at speech_rate 1.0."""

_MARKER: Final = 1
_DIGIT_BASE: Final = 2
_MAX_HALF_CYCLES: Final = 15 + _DIGIT_BASE
_AMPLITUDE_PER_VOLUME: Final = 320
_MIN_AMPLITUDE: Final = 256  # keeps the high byte non-zero, which the decoder relies on


def synthesize(
    text: str,
    sample_rate: int,
    speech_rate: float = 1.0,
    pitch_rate: float = 1.0,
    volume: int = 50,
) -> bytes:
    """Return PCM16 LE mono audio that speaks ``text`` in the simulator's code."""
    slot = max(_MAX_HALF_CYCLES + 2, round(sample_rate * SLOT_SECONDS / speech_rate))
    gap = max(2, slot // 10)
    burst = min(slot - gap, max(_MAX_HALF_CYCLES, round(slot * 0.45 / pitch_rate)))
    amplitude = 0 if volume <= 0 else max(_MIN_AMPLITUDE, round(volume * _AMPLITUDE_PER_VOLUME))
    amplitude = min(amplitude, 32767)
    return b"".join([_character(char, slot, burst, amplitude) for char in text])


def duration_seconds(text: str, speech_rate: float = 1.0) -> float:
    """Approximate length of ``synthesize(text, ...)`` in seconds."""
    slots = sum(1 + len(f"{ord(char):x}") for char in text)
    return slots * SLOT_SECONDS / speech_rate


@lru_cache(maxsize=8192)
def _character(char: str, slot: int, burst: int, amplitude: int) -> bytes:
    parts = [_burst(_MARKER, slot, burst, amplitude)]
    parts.extend(
        _burst(int(digit, 16) + _DIGIT_BASE, slot, burst, amplitude) for digit in f"{ord(char):x}"
    )
    return b"".join(parts)


@lru_cache(maxsize=1024)
def _burst(half_cycles: int, slot: int, burst: int, amplitude: int) -> bytes:
    samples = array("h", bytes(2 * slot))
    for index in range(burst):
        half_cycle = index * half_cycles // burst
        samples[index] = amplitude if half_cycle % 2 == 0 else -amplitude
    if sys.byteorder == "big":  # pragma: no cover - little-endian hosts only in CI
        samples.byteswap()
    return samples.tobytes()


# The decoder reads only the high byte of each little-endian sample: 0 is silence,
# 0x01-0x7f positive, 0x80-0xff negative (amplitudes are at least 256).
_SIGN_TABLE: Final = bytes([ord("0")] + [ord("+")] * 127 + [ord("-")] * 128)
_POSITIVE_RUN: Final = re.compile(rb"\++")
_NEGATIVE_RUN: Final = re.compile(rb"-+")


def decode(pcm: bytes) -> str:
    """Read back the text encoded in simulator PCM16 LE audio.

    A burst sequence that is not a whole character (audio cut off or corrupted) decodes to
    U+FFFD, so a truncated stream never decodes to its input.
    """
    signs = pcm[1::2].translate(_SIGN_TABLE)
    signs = _NEGATIVE_RUN.sub(b"-", _POSITIVE_RUN.sub(b"+", signs))
    chars: list[str] = []
    code: int | None = None
    for burst in signs.split(b"0"):
        if not burst:
            continue
        half_cycles = len(burst)
        if half_cycles == _MARKER:
            if code is not None:
                chars.append(_to_char(code))
            code = -1
        elif code is None or half_cycles > _MAX_HALF_CYCLES:
            chars.append("\ufffd")
            code = None
        else:
            code = (max(code, 0) << 4) | (half_cycles - _DIGIT_BASE)
    if code is not None:
        chars.append(_to_char(code))
    return "".join(chars)


def _to_char(code: int) -> str:
    if code < 0 or code > 0x10FFFF:
        return "\ufffd"
    return chr(code)


def decode_wav(data: bytes) -> str:
    """Decode one or more concatenated simulator WAV files (as sent for ``wav`` sessions)."""
    texts = []
    offset = 0
    while offset < len(data):
        _, size = parse_wav_header(data, offset)
        start = offset + WAV_HEADER_SIZE
        end = len(data) if size == STREAMING_SIZE else start + size
        texts.append(decode(data[start:end]))
        offset = end
    return "".join(texts)


def is_resumed(spoken: str, sentences: list[str], restarts: int = 1) -> bool:
    """Whether ``spoken`` is ``sentences`` in order where, up to ``restarts`` times, a segment
    restarted: a cut-off start of it (whose last character may be garbled) came first.

    A segment is one sentence or several consecutive ones (the speaker sends together what
    was cut by the time it sends). This is what a listener hears of a request resumed after
    a fault: nothing skipped, and nothing repeated but the start of the segment cut off.
    """
    whole = "".join(sentences)
    starts = [0]
    for sentence in sentences:
        starts.append(starts[-1] + len(sentence))

    @cache
    def matches(position: int, sentence: int, budget: int) -> bool:
        if sentence == len(sentences):
            return position == len(spoken)
        text = sentences[sentence]
        after = position + len(text)
        if spoken.startswith(text, position) and matches(after, sentence + 1, budget):
            return True
        rest = whole[starts[sentence] :]  # a restarted segment begins at this sentence
        return budget > 0 and any(
            spoken.startswith(rest[: length - 1], position)
            and matches(position + length, sentence, budget - 1)
            for length in range(1, len(rest) + 1)
        )

    return matches(0, 0, restarts)
