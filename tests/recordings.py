"""Recordings to clone voices from, in each format the service takes, built in memory.

The WAV files speak a text in the simulator's voice (so that a transcript can be checked
against them); the MP3 and M4A files are silent but well-formed, enough for the format,
sample rate and duration checks.
"""

from __future__ import annotations

import struct
from typing import Final

from wyoming_qwentts.core.pcm import wav_header
from wyoming_qwentts.simulator import synthesize
from wyoming_qwentts.simulator.voice import duration_seconds

SPOKEN: Final = (
    "This is the kitchen speaking: a calm voice reading a few sentences aloud, clearly and "
    "without music, so that the service can learn how it sounds. It goes on a little longer, "
    "because a recording must last ten seconds at least, and twenty is best."
)
"""What :func:`wav` says (about 16 s): a transcript that matches it."""


def wav(text: str = SPOKEN, rate: int = 24000, *, seconds: float | None = None) -> bytes:
    """A 16-bit mono WAV file speaking ``text`` (repeated or cut to ``seconds``)."""
    if seconds is not None:
        per_char = duration_seconds(text) / len(text)
        count = max(1, round(seconds / per_char))
        text = (text * (count // len(text) + 1))[:count]
    pcm = synthesize(text, rate)
    return wav_header(rate, len(pcm)) + pcm


def wav_of_bits(bits: int, rate: int = 24000, seconds: float = 12.0) -> bytes:
    """A silent mono WAV file of ``bits`` bits per sample."""
    width = bits // 8
    data = bytes(int(rate * seconds) * width)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * width, width, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


_MP3_RATES: Final = {  # rate: (version bits, rate index, bitrate index, bit/s, samples)
    44100: (3, 0, 9, 128000, 1152),
    48000: (3, 1, 9, 128000, 1152),
    24000: (2, 1, 8, 64000, 576),
    16000: (2, 2, 8, 64000, 576),
    8000: (0, 2, 8, 64000, 576),
}


def mp3(seconds: float = 12.0, rate: int = 44100) -> bytes:
    """A silent constant-bit-rate mono MP3 file."""
    version, rate_index, bitrate_index, bitrate, samples = _MP3_RATES[rate]
    header = bytes(
        (0xFF, 0xE0 | version << 3 | 1 << 1 | 1, bitrate_index << 4 | rate_index << 2, 0xC0)
    )
    size = samples // 8 * bitrate // rate
    frame = header + bytes(size - len(header))
    return frame * round(seconds * rate / samples)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def m4a(seconds: float = 12.0, rate: int = 44100) -> bytes:
    """A minimal M4A (MP4 audio) file: its boxes say an AAC track of ``seconds`` at ``rate``."""
    mvhd = _box(
        b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, rate, round(seconds * rate)) + bytes(80)
    )
    tkhd = _box(b"tkhd", bytes(84))
    mdhd = _box(b"mdhd", bytes(4) + struct.pack(">IIIIHH", 0, 0, rate, round(seconds * rate), 0, 0))
    hdlr = _box(b"hdlr", bytes(8) + b"soun" + bytes(12) + b"\0")
    entry = (
        bytes(6) + struct.pack(">H", 1) + bytes(8) + struct.pack(">HHHHI", 1, 16, 0, 0, rate << 16)
    )
    entry += _box(b"free", b"")  # the parser expects a box after the entry's fields
    stsd = _box(b"stsd", bytes(4) + struct.pack(">I", 1) + _box(b"mp4a", entry))
    minf = _box(b"minf", _box(b"stbl", stsd))
    moov = _box(b"moov", mvhd + _box(b"trak", tkhd + _box(b"mdia", mdhd + hdlr + minf)))
    return _box(b"ftyp", b"M4A " + bytes(4) + b"M4A isom") + moov
