"""``wyoming-qwentts voice``: the account's voices from the command line, against the
simulator as a user would run it (a process of its own, the global connection flags)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wyoming.info import Describe, Info
from wyoming.tts import SynthesizeVoice

from tests.helpers import (
    API_KEY,
    audio_of,
    clean_env,
    read_until,
    run,
    server,
    split_anywhere,
    stream,
)
from tests.recordings import wav
from wyoming_qwentts.simulator import QwenSimulator, decode, decode_wav

VC = "qwen3-tts-vc-realtime-2026-01-15"
VD = "qwen3-tts-vd-realtime-2026-01-15"
COSY = "cosyvoice-v3-flash"


def key_env() -> dict[str, str]:
    return clean_env(DASHSCOPE_API_KEY=API_KEY)


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "kitchen.wav"
    path.write_bytes(wav())
    return path


async def test_clone_prints_the_id_last_and_the_server_lists_it_at_a_later_describe(
    simulator: QwenSimulator, recording: Path
) -> None:
    """The issue's flow: a server of three models runs; a voice designed before it started
    is listed at once, one cloned meanwhile at the next Describe (its cached list being
    older than the refresh age); each speaks."""
    code, out, err = await run(
        "voice", "design", "A calm narrator.", "--preview-text", "Hello.", "--model", VD,
        "--name", "narrator", "--url", simulator.url, env=key_env(),
    )  # fmt: skip
    assert code == 0, err
    designed = out.splitlines()[-1]
    env = clean_env(DASHSCOPE_API_KEY=API_KEY, QWENTTS_VOICE_LIST_MAX_AGE="0")
    models = ("--model", COSY, "--model", VD, "--model", VC)
    async with server("--url", simulator.url, *models, env=env) as (_, port):
        from wyoming.client import AsyncTcpClient

        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            before = Info.from_event((await read_until(client, "info"))[-1])
            code, out, err = await run(
                "voice", "clone", str(recording), "--model", VC, "--name", "kitchen",
                "--url", simulator.url, env=key_env(),
            )  # fmt: skip
            assert code == 0, err
            voice_id = out.splitlines()[-1]
            assert voice_id.startswith("qwen-tts-vc-kitchen-voice-")
            await client.write_event(Describe().event())
            after = Info.from_event((await read_until(client, "info"))[-1])
            names = {voice.name: voice for voice in after.tts[0].voices}
            listed_before = {voice.name for voice in before.tts[0].voices}
            assert designed in listed_before
            assert voice_id not in listed_before
            assert voice_id in names
            assert names[voice_id].description == f"kitchen (your voice) · {VC}"
            assert names[designed].description == f"narrator (your voice) · {VD}"
            for own in (voice_id, designed):
                text = f"Spoken by {own[:12]}, streamed."
                events = await stream(client, split_anywhere(text), SynthesizeVoice(own))
                assert decode(audio_of(events)) == text


async def test_a_cosyvoice_clone_deploys_first(simulator: QwenSimulator, recording: Path) -> None:
    simulator.options.voice_deploy_delay = 0.3
    code, out, err = await run(
        "voice", "clone", str(recording), "--model", COSY, "--name", "hall", "--language", "en",
        "--url", simulator.url, env=key_env(),
    )  # fmt: skip
    assert code == 0, err
    progress, voice_id = out.splitlines()
    assert progress == f"Deploying {voice_id} for {COSY}: waiting until it is ready ..."
    assert simulator.account.speaks(voice_id, COSY)


async def test_design_writes_the_preview(simulator: QwenSimulator, tmp_path: Path) -> None:
    preview = tmp_path / "preview.wav"
    code, out, err = await run(
        "voice", "design", "A calm narrator.", "--preview-text", "Good evening.", "--model", VD,
        "--name", "narrator", "-o", str(preview), "--url", simulator.url, env=key_env(),
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[0] == f"Wrote the preview to {preview}"
    assert out.splitlines()[-1].startswith("qwen-tts-vd-narrator-voice-")
    assert decode_wav(preview.read_bytes()) == "Good evening."


async def test_list_wait_and_delete(simulator: QwenSimulator, recording: Path) -> None:
    code, out, _ = await run("voice", "list", "--url", simulator.url, env=key_env())
    assert (code, out) == (0, "No voices of your own.\n")
    flags = ("--url", simulator.url)
    _, out, _ = await run("voice", "clone", str(recording), "--model", COSY, "--name", "a",
                          *flags, env=key_env())  # fmt: skip
    voice_id = out.splitlines()[-1]
    code, out, _ = await run("voice", "list", "--model", COSY, *flags, env=key_env())
    assert code == 0
    assert out.split()[:3] == [voice_id, COSY, "OK"]
    code, out, _ = await run("voice", "list", "--model", VC, *flags, env=key_env())
    assert out == f"No voices of your own for {VC}.\n"
    code, out, _ = await run("voice", "wait", voice_id, *flags, env=key_env())
    assert (code, out) == (0, f"{voice_id} is ready for {COSY}\n")
    code, out, _ = await run("voice", "delete", voice_id, *flags, env=key_env())
    assert (code, out) == (0, f"Deleted {voice_id}\n")
    code, _, err = await run("voice", "delete", voice_id, *flags, env=key_env())
    assert code == 1
    assert f"This account has no voice {voice_id!r}" in err


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (
            lambda p: wav(rate=8000),
            ("--model", COSY, "--name", "a"),
            "kitchen.wav is sampled at 8000 Hz: this model needs at least 16 kHz",
        ),
        (
            lambda p: wav(seconds=3),
            ("--model", VC, "--name", "a"),
            "kitchen.wav lasts 3.0 s: the service needs 10 to 60 s",
        ),
        (
            lambda p: b"not audio at all",
            ("--model", VC, "--name", "a"),
            "kitchen.wav is not a WAV, MP3 or M4A audio file the service can read.",
        ),
        (
            lambda p: wav(),
            ("--model", COSY, "--name", "Big Kitchen"),
            "Invalid voice name 'Big Kitchen'",
        ),
        (
            lambda p: wav(),
            ("--model", "qwen3-tts-flash-realtime", "--name", "a"),
            "qwen3-tts-flash-realtime does not take cloned voices",
        ),
    ],
    ids=["8kHz", "3s", "not-audio", "name", "model"],
)
async def test_a_clone_that_cannot_work_uploads_nothing(
    simulator: QwenSimulator, tmp_path: Path, make: object, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "kitchen.wav"
    path.write_bytes(make(path))  # type: ignore[operator]
    code, out, err = await run(
        "voice", "clone", str(path), *args, "--url", simulator.url, env=key_env()
    )
    assert code == 1
    assert out == ""
    assert message in err
    assert err.count("\n") == 1  # one line, no traceback
    assert not simulator.customization.requests


async def test_usage_errors(simulator: QwenSimulator, tmp_path: Path) -> None:
    code, _, err = await run("voice", "list", "--url", simulator.url)
    assert (code, err) == (2, "wyoming-qwentts: error: an API key is required: --api-key or "
                              "DASHSCOPE_API_KEY\n")  # fmt: skip
    missing = tmp_path / "missing.wav"
    code, _, err = await run("voice", "clone", str(missing), "--model", VC, "--name", "a",
                             "--url", simulator.url, env=key_env())  # fmt: skip
    assert code == 2
    assert f"cannot read {missing}: No such file or directory" in err
    code, _, err = await run("voice", "list", "--url", simulator.url,
                             env=clean_env(DASHSCOPE_API_KEY="sk-wrong"))  # fmt: skip
    assert code == 1
    assert "AuthenticationError: The API key was rejected" in err
    assert "sk-wrong" not in err
