"""A recording to clone a voice from, checked against the service's rules before upload.

The vendor's rules (its cloning pages, read 2026-12-02): WAV (16-bit), MP3 or M4A; at most
60 s (10–20 s recommended, and we refuse less than 10 s); at most 10 MB; at least 16 kHz for
CosyVoice and Qwen-Audio (``voice-enrollment``), 24 kHz for Qwen3 VC
(``qwen-voice-enrollment``). A recording that breaks one is refused with one
:class:`RecordingError` naming what is wrong, and nothing is uploaded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, Final, Literal

import pybase64
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.wave import WAVE

from ..catalog.customization import QWEN_VOICE_ENROLLMENT
from ..core.errors import InvalidParameterError

MAX_BYTES: Final = 10 * 1024 * 1024
MIN_SECONDS: Final = 10.0
MAX_SECONDS: Final = 60.0
MIN_SAMPLE_RATE: Final = {QWEN_VOICE_ENROLLMENT: 24000}
"""The lowest sample rate each cloning service takes (16 kHz where not listed)."""
_DEFAULT_MIN_RATE: Final = 16000
_MEDIA_TYPES: Final = {"wav": "audio/wav", "mp3": "audio/mpeg", "m4a": "audio/mp4"}
_KINDS: Final = {WAVE: "wav", MP3: "mp3", MP4: "m4a"}

Problem = Literal["format", "bits", "sample_rate", "too_short", "too_long", "too_large", "rejected"]
"""What is wrong with a recording (``rejected``: the service itself refused it)."""


class RecordingError(InvalidParameterError):
    """A recording the service would refuse; ``problem`` says which rule it breaks (Home
    Assistant's form error is named after it), ``detail`` the figures."""

    def __init__(self, problem: Problem, message: str, **detail: str) -> None:
        super().__init__("recording", message)
        self.problem: Problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Recording:
    """An audio file read and measured: what is uploaded and what the rules look at."""

    data: bytes
    format: str
    """``wav``, ``mp3`` or ``m4a``."""
    sample_rate: int
    seconds: float
    bits: int | None = None
    """Bits per sample of a WAV file (None for compressed formats)."""
    name: str = "The recording"
    """What messages call it (its file name)."""

    @property
    def media_type(self) -> str:
        """The data URI's media type (``audio/wav``, ``audio/mpeg``, ``audio/mp4``)."""
        return _MEDIA_TYPES[self.format]

    def data_uri(self) -> str:
        """The recording as the ``data:`` URI the service takes instead of a public URL."""
        return f"data:{self.media_type};base64,{pybase64.b64encode(self.data).decode()}"

    def __repr__(self) -> str:
        return (
            f"<Recording {self.name!r} {self.format} {self.sample_rate} Hz {self.seconds:.1f} s "
            f"{len(self.data)} bytes>"
        )


def read_recording(data: bytes, name: str = "The recording") -> Recording:
    """Measure ``data`` (a WAV, MP3 or M4A file); raise :class:`RecordingError` if it is none
    of them or is larger than the service takes. ``name`` names it in messages."""
    if len(data) > MAX_BYTES:
        raise RecordingError(
            "too_large",
            f"{name} is {len(data) / 1048576:.1f} MB: the service takes at most 10 MB "
            "(10–20 s of speech is plenty).",
            megabytes=f"{len(data) / 1048576:.1f}",
        )
    kind = _kind(data)
    info: Any = None
    if kind is not None:
        try:
            info = kind(io.BytesIO(data)).info
        except Exception:  # whatever the parser trips on, the file is unreadable
            info = None
    if kind is None or info is None or not getattr(info, "sample_rate", 0):
        raise RecordingError(
            "format", f"{name} is not a WAV, MP3 or M4A audio file the service can read."
        )
    bits = getattr(info, "bits_per_sample", None) if kind is WAVE else None
    return Recording(data, _KINDS[kind], int(info.sample_rate), float(info.length), bits, name)


def _kind(data: bytes) -> type[WAVE | MP3 | MP4] | None:
    """The parser of ``data``'s format, told by its first bytes."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return WAVE
    if data[4:8] == b"ftyp":
        return MP4
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return MP3
    return None


def check_recording(recording: Recording, service: str) -> None:
    """Raise :class:`RecordingError` unless ``service`` would take ``recording``."""
    name = recording.name
    minimum = MIN_SAMPLE_RATE.get(service, _DEFAULT_MIN_RATE)
    if recording.bits is not None and recording.bits != 16:
        raise RecordingError(
            "bits",
            f"{name} is a {recording.bits}-bit WAV file: the service takes 16-bit WAV "
            "(or MP3, M4A).",
            bits=str(recording.bits),
        )
    if recording.sample_rate < minimum:
        raise RecordingError(
            "sample_rate",
            f"{name} is sampled at {recording.sample_rate} Hz: this model needs at least "
            f"{minimum // 1000} kHz. Record again at {minimum // 1000} kHz or more "
            "(resampling a low-rate recording does not help).",
            rate=str(recording.sample_rate),
            minimum=str(minimum),
        )
    seconds = f"{recording.seconds:.1f}"
    if recording.seconds < MIN_SECONDS:
        raise RecordingError(
            "too_short",
            f"{name} lasts {seconds} s: the service needs 10 to 60 s of one person speaking "
            "(10–20 s is best).",
            seconds=seconds,
        )
    if recording.seconds > MAX_SECONDS:
        raise RecordingError(
            "too_long",
            f"{name} lasts {seconds} s: the service takes at most 60 s (10–20 s is best).",
            seconds=seconds,
        )


def checked_recording(data: bytes, service: str, name: str = "The recording") -> Recording:
    """:func:`read_recording` then :func:`check_recording`: a recording ``service`` takes."""
    recording = read_recording(data, name)
    check_recording(recording, service)
    return recording
