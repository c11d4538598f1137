"""Recordings are measured and checked against the service's rules before any upload."""

from __future__ import annotations

import pybase64
import pytest

from tests.recordings import SPOKEN, m4a, mp3, wav, wav_of_bits
from wyoming_qwentts.catalog.customization import QWEN_VOICE_ENROLLMENT, VOICE_ENROLLMENT
from wyoming_qwentts.enrollment import RecordingError, checked_recording, read_recording
from wyoming_qwentts.simulator.voice import decode_wav


def test_a_wav_file_is_measured_and_becomes_a_data_uri() -> None:
    data = wav()
    recording = checked_recording(data, QWEN_VOICE_ENROLLMENT)
    assert (recording.format, recording.sample_rate, recording.bits) == ("wav", 24000, 16)
    assert 10 < recording.seconds < 20
    uri = recording.data_uri()
    assert uri.startswith("data:audio/wav;base64,")
    assert decode_wav(pybase64.b64decode(uri.partition(",")[2])) == SPOKEN
    assert (
        repr(recording)
        == f"<Recording 'The recording' wav 24000 Hz {recording.seconds:.1f} s {len(data)} bytes>"
    )


@pytest.mark.parametrize(
    ("data", "kind", "media_type", "rate"),
    [
        (mp3(12.0, 44100), "mp3", "audio/mpeg", 44100),
        (mp3(12.0, 24000), "mp3", "audio/mpeg", 24000),
        (m4a(12.0, 48000), "m4a", "audio/mp4", 48000),
    ],
)
def test_mp3_and_m4a(data: bytes, kind: str, media_type: str, rate: int) -> None:
    recording = checked_recording(data, QWEN_VOICE_ENROLLMENT)
    assert (recording.format, recording.media_type, recording.sample_rate) == (
        kind,
        media_type,
        rate,
    )
    assert recording.seconds == pytest.approx(12.0, abs=0.1)
    assert recording.bits is None


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, this is not audio" * 100, b"RIFF\0\0\0\0WAVEjunk", b"\xff\xfb" + bytes(50)],
    ids=["empty", "text", "broken-wav", "broken-mp3"],
)
def test_what_is_not_audio(data: bytes) -> None:
    with pytest.raises(RecordingError) as err:
        read_recording(data, "kitchen.txt")
    assert err.value.problem == "format"
    assert err.value.field == "recording"
    assert err.value.code == "invalid-parameter"
    assert str(err.value) == "kitchen.txt is not a WAV, MP3 or M4A audio file the service can read."


RULES = [
    (wav(rate=8000), VOICE_ENROLLMENT, "sample_rate", "8000 Hz: this model needs at least 16 kHz"),
    (wav(rate=16000), QWEN_VOICE_ENROLLMENT, "sample_rate", "needs at least 24 kHz"),
    (wav(seconds=3.0), VOICE_ENROLLMENT, "too_short", "lasts 3.0 s: the service needs 10 to 60 s"),
    (mp3(62.0), VOICE_ENROLLMENT, "too_long", "s: the service takes at most 60 s"),
    (m4a(9.5, 44100), QWEN_VOICE_ENROLLMENT, "too_short", "lasts 9.5 s"),
    (wav_of_bits(24), VOICE_ENROLLMENT, "bits", "is a 24-bit WAV file: the service takes 16-bit"),
    (wav_of_bits(16, 48000, 110), VOICE_ENROLLMENT, "too_large", "10.1 MB: the service takes"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "service", "problem", "message"),
    RULES,
    ids=["8kHz", "16kHz-for-qwen", "3s", "62s", "9.5s-m4a", "24-bit", "10MB"],
)
def test_each_rule_names_what_is_wrong(
    data: bytes, service: str, problem: str, message: str
) -> None:
    with pytest.raises(RecordingError) as err:
        checked_recording(data, service, "kitchen.wav")
    assert err.value.problem == problem
    assert str(err.value).startswith("kitchen.wav ")
    assert message in str(err.value)


def test_16_khz_is_enough_for_cosyvoice() -> None:
    assert checked_recording(wav(rate=16000), VOICE_ENROLLMENT).sample_rate == 16000
