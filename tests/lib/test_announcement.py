"""Announcements: loudness measured as ITU-R BS.1770 measures it and brought to a target as
the speech streams, chimes built in or read from a WAV file, and both through the server."""

from __future__ import annotations

import io
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from wyoming.audio import AudioChunk
from wyoming.tts import Synthesize

from tests.helpers import TEXT, WyomingServer, audio_of, read_until, run
from tests.loudness import reference_loudness
from wyoming_qwentts.core import ConnectError, InvalidParameterError, SpeechParams
from wyoming_qwentts.core.chime import BUILT_IN, MAX_SECONDS, chime_pcm, resample
from wyoming_qwentts.core.loudness import (
    LOOKAHEAD,
    LoudnessNormalizer,
    integrated_loudness,
    pcm_of,
    samples_of,
    true_peak,
)
from wyoming_qwentts.core.pcm import PCM_WIDTH
from wyoming_qwentts.server.upstream import UpstreamSettings
from wyoming_qwentts.simulator import QwenSimulator, decode, synthesize
from wyoming_qwentts.speech.announcement import Announcement

RATE = 24000


SPEECH = TEXT * 2
"""About 25 s of the simulator's voice."""


@pytest.fixture(scope="module")
def speech() -> bytes:
    return synthesize(SPEECH, RATE)


def test_loudness_is_measured_as_the_standard_measures_it(speech: bytes) -> None:
    samples = samples_of(speech)
    assert integrated_loudness(samples, RATE) == pytest.approx(
        reference_loudness(samples, RATE), abs=0.05
    )
    # A 1 kHz sine at full scale is -3.01 LUFS (K-weighting is 0 dB there): at -20 dBFS, -23.
    t = np.arange(RATE * 3) / RATE
    sine = 0.1 * np.sin(2 * np.pi * 997 * t)
    assert integrated_loudness(sine, RATE) == pytest.approx(-23.0, abs=0.1)
    assert integrated_loudness(np.zeros(RATE), RATE) == -np.inf  # silence: gated away


def normalized(pcm: bytes, target: float, piece: int = 4800) -> bytes:
    normalizer = LoudnessNormalizer(RATE, target)
    out = b"".join(normalizer.push(pcm[i : i + piece]) for i in range(0, len(pcm), piece))
    return out + normalizer.flush()


@pytest.mark.parametrize("level", [0.06, 0.3, 1.0], ids=["quiet", "middle", "loud"])
@pytest.mark.parametrize("target", [-23.0, -16.0])
def test_streamed_speech_reaches_its_target_whatever_its_level(
    speech: bytes, level: float, target: float
) -> None:
    quiet_or_loud = pcm_of(samples_of(speech) * level)
    out = normalized(quiet_or_loud, target)
    assert len(out) == len(quiet_or_loud)  # every sample out, none added
    assert reference_loudness(samples_of(out), RATE) == pytest.approx(target, abs=1.0)
    assert 20 * np.log10(true_peak(samples_of(out))) <= -1.0 + 0.05
    assert decode(out) == SPEECH  # the words are intact


def test_the_normalizer_holds_no_more_than_its_lookahead(speech: bytes) -> None:
    normalizer = LoudnessNormalizer(RATE)
    block = 2 * int(LOOKAHEAD * RATE)
    assert normalizer.push(speech[: block - 2]) == b""  # less than one block: held
    assert len(normalizer.push(speech[block - 2 : block])) == block  # one block: let out
    assert normalizer.push(b"") == b""
    assert len(normalizer.flush()) == 0


def test_peaks_are_held_under_the_ceiling() -> None:
    t = np.arange(RATE * 4) / RATE
    clicks = np.where((t * 4) % 1 < 0.01, 0.9, 0.0) + 0.005 * np.sin(2 * np.pi * 300 * t)
    out = samples_of(normalized(pcm_of(clicks), -10.0))  # loud target, peaky signal
    assert 20 * np.log10(true_peak(out)) <= -1.0 + 0.05


@pytest.mark.parametrize("name", BUILT_IN)
@pytest.mark.parametrize("rate", [16000, 24000, 48000])
def test_built_in_chimes_at_any_rate_and_the_target_loudness(name: str, rate: int) -> None:
    samples = samples_of(chime_pcm(name, rate, -18.0))
    assert 0.3 * rate < len(samples) < MAX_SECONDS * rate
    assert integrated_loudness(samples, rate) == pytest.approx(-18.0, abs=0.5)
    assert 20 * np.log10(true_peak(samples)) <= -1.0 + 0.05


def _wav_file(path: Path, samples: np.ndarray, rate: int, width: int, channels: int) -> Path:
    ints = np.round(samples * (2 ** (8 * width - 1) - 1)).astype("<i4")
    frames = np.repeat(ints, channels)
    raw = (
        frames.astype("<i2").tobytes()
        if width == 2
        else b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in frames)
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(raw)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.mark.parametrize(("rate", "width", "channels"), [(44100, 3, 2), (16000, 2, 1)])
def test_a_wav_chime_is_resampled_to_the_voice(
    tmp_path: Path, rate: int, width: int, channels: int
) -> None:
    t = np.arange(int(rate * 1.5)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    path = _wav_file(tmp_path / "chime.wav", tone, rate, width, channels)
    out = samples_of(chime_pcm(str(path), RATE, -20.0))
    assert len(out) == round(len(tone) * RATE / rate)  # the same length of time
    spectrum = np.abs(np.fft.rfft(out))
    assert np.fft.rfftfreq(len(out), 1 / RATE)[np.argmax(spectrum)] == pytest.approx(440, abs=2)
    assert integrated_loudness(out, RATE) == pytest.approx(-20.0, abs=0.5)


def test_resampling_keeps_a_tone_where_it_was() -> None:
    t = np.arange(48000) / 48000
    down = resample(np.sin(2 * np.pi * 1000 * t), 48000, 16000)
    assert len(down) == 16000
    assert np.allclose(down, np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000), atol=1e-6)


def test_a_chime_that_cannot_be_played_is_refused_by_name(tmp_path: Path) -> None:
    cases = {
        str(tmp_path / "missing.wav"): "no file can be read there",
        str(_text := tmp_path / "notes.wav"): "is not a WAV file",
        str(_wav_file(tmp_path / "long.wav", np.zeros(16000 * 11), 16000, 2, 1)): "over 10 s",
    }
    _text.write_text("not audio")
    for chime, problem in cases.items():
        with pytest.raises(InvalidParameterError, match=problem) as refused:
            chime_pcm(chime, RATE)
        assert refused.value.field == "chime"


@pytest.fixture
def upstream_settings() -> UpstreamSettings:
    """The server of this module announces: a chime, and speech at -16 LUFS."""
    return UpstreamSettings(SpeechParams(), announcement=Announcement("ding", -16.0))


async def test_the_server_sends_the_chime_at_once_then_the_speech(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    simulator.options.first_audio_delay = 0.2
    chime = chime_pcm("ding", RATE, -16.0)
    async with wyoming_server.client() as client:
        await client.write_event(Synthesize(text=TEXT).event())
        asked = time.monotonic()
        events = await read_until(client, "audio-chunk")
        first = time.monotonic()
        events += await read_until(client, "audio-stop")
    # The first chunk came before the service had sent any audio at all.
    assert simulator.sessions[0].first_delta_at is not None
    assert first < simulator.sessions[0].first_delta_at
    assert first - asked < 0.1
    audio = audio_of(events)
    assert audio[: len(chime)] == chime
    speech = audio[len(chime) :]
    assert decode(speech) == TEXT
    assert reference_loudness(samples_of(speech), RATE) == pytest.approx(-16.0, abs=1.0)
    assert all(AudioChunk.from_event(e).rate == RATE for e in events if e.type == "audio-chunk")


async def test_say_writes_the_chime_then_the_normalized_speech(tmp_path: Path) -> None:
    target = tmp_path / "announcement.wav"
    code, _, err = await run(
        "say", "--simulate", "--chime", "bell", "--loudness", "-20", TEXT, "-o", str(target)
    )
    assert code == 0, err
    with wave.open(str(target)) as written:
        audio = written.readframes(written.getnframes())
    chime = chime_pcm("bell", RATE, -20.0)
    assert audio[: len(chime)] == chime
    assert decode(audio[len(chime) :]) == TEXT
    assert reference_loudness(samples_of(audio[len(chime) :]), RATE) == pytest.approx(-20, abs=1)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--chime", "/no/such/chime.wav"], "No chime '/no/such/chime.wav'"),
        (["--loudness", "-3"], "--loudness must be -30 to -10 LUFS, not -3"),
    ],
)
async def test_an_announcement_flag_it_cannot_follow_stops_it_at_once(
    flags: list[str], message: str
) -> None:
    code, _, err = await run("say", "--simulate", *flags, "Hello.", "-o", "/tmp/never.wav")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


async def test_speech_that_fails_is_heard_up_to_its_failure_when_normalized(
    speech: bytes,
) -> None:
    """What the normalizer held when the speech failed was spoken: it is heard, then the
    error (a fallback takes over from there)."""
    half = speech[: len(speech) // 2 // PCM_WIDTH * PCM_WIDTH]

    async def failing() -> AsyncIterator[bytes]:
        for start in range(0, len(half), 4800):
            yield half[start : start + 4800]
        raise ConnectError("Gone.")

    heard: list[bytes] = []

    async def listen() -> None:
        async for audio in Announcement(loudness=-16.0).announce(failing(), RATE):
            heard.append(audio)

    with pytest.raises(ConnectError):
        await listen()
    assert len(b"".join(heard)) == len(half)
