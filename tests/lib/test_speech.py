"""The simulator's decodable speech and the segmenter."""

from __future__ import annotations

from array import array
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wyoming_qwentts.core.pcm import wav_header
from wyoming_qwentts.core.sentences import SentenceSplitter
from wyoming_qwentts.simulator.voice import decode, decode_wav, duration_seconds, synthesize


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(min_size=0, max_size=40),
    rate=st.sampled_from([8000, 16000, 24000, 48000]),
    speech_rate=st.floats(0.5, 2.0),
    pitch_rate=st.floats(0.5, 2.0),
    volume=st.integers(1, 100),
)
def test_any_text_round_trips(
    text: str, rate: int, speech_rate: float, pitch_rate: float, volume: int
) -> None:
    assert decode(synthesize(text, rate, speech_rate, pitch_rate, volume)) == text


def test_length_follows_text_and_speech_rate() -> None:
    normal = synthesize("abcdef", 24000)
    fast = synthesize("abcdef", 24000, speech_rate=2.0)
    assert len(normal) == 2 * round(24000 * duration_seconds("abcdef"))
    assert len(fast) == pytest.approx(len(normal) / 2, rel=0.01)
    assert len(synthesize("abcdefabcdef", 24000)) == 2 * len(normal)


def test_volume_scales_amplitude_and_zero_is_silence() -> None:
    def peak(pcm: bytes) -> int:
        return max(abs(sample) for sample in array("h", pcm))

    assert peak(synthesize("a", 24000, volume=100)) == 2 * peak(synthesize("a", 24000, volume=50))
    silent = synthesize("a", 24000, volume=0)
    assert set(silent) == {0}
    assert decode(silent) == ""


def test_pitch_raises_the_tone() -> None:
    def sign_changes(pcm: bytes) -> int:
        samples = array("h", pcm)
        return sum(1 for a, b in pairwise(samples) if a * b < 0)

    def active(pcm: bytes) -> int:
        return sum(1 for sample in array("h", pcm) if sample)

    low, high = synthesize("z", 24000, pitch_rate=0.5), synthesize("z", 24000, pitch_rate=2.0)
    assert len(low) == len(high)  # same duration
    assert sign_changes(low) == sign_changes(high)  # same symbols
    assert active(high) * 3 < active(low)  # packed into a shorter, higher-pitched burst


def test_cut_audio_never_decodes_to_the_input() -> None:
    pcm = synthesize("Hello world", 24000)
    for point in (len(pcm) // 3, len(pcm) // 2, len(pcm) - 960):  # 960 bytes: one slot
        cut = point - point % 2
        assert decode(pcm[:cut]) != "Hello world"
        assert decode(pcm[cut:]) != "Hello world"
    assert decode(pcm[: len(pcm) // 2] + pcm) != "Hello world"  # repeated audio is visible too


def test_corrupt_bursts_decode_to_replacement_characters() -> None:
    too_many = array("h", [300, -300] * 20 + [0, 0]).tobytes()  # 40 half-cycles
    assert decode(too_many) == "\ufffd"
    marker_only = array("h", [300, 300, 0, 0]).tobytes()
    assert decode(marker_only) == "\ufffd"
    out_of_range = (
        synthesize("a", 8000)[:0] + array("h", [300, 0] + [300, -300, 300, 0] * 7).tobytes()
    )
    assert decode(out_of_range) == "\ufffd"


def test_wav_helpers() -> None:
    one, two = synthesize("ab", 16000), synthesize("c", 16000)
    stream = wav_header(16000, len(one)) + one + wav_header(16000, len(two)) + two
    assert decode_wav(stream) == "abc"
    assert decode_wav(wav_header(16000, 0xFFFFFFFF) + one) == "ab"
    with pytest.raises(ValueError, match="no WAV header at byte 0"):
        decode_wav(b"JUNK" * 20)


def test_segmenter_cuts() -> None:
    segmenter = SentenceSplitter(max_chars=50)
    assert segmenter.feed("\n\n") == []
    assert segmenter.feed("Pi is 3.14 and") == []  # a period inside a number is no boundary
    assert segmenter.feed(" more. 你好！") == ["\n\nPi is 3.14 and more.", " 你好！"]
    assert segmenter.pending == ""
    assert segmenter.feed("x" * 60) == ["x" * 50]  # no break character: a hard cut
    assert segmenter.flush() == "x" * 10
    assert segmenter.flush() == ""
