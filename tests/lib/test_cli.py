"""The command line in a subprocess: flags, environment variables, exit codes, subcommands."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import wave
from pathlib import Path

import pytest
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

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
from wyoming_qwentts import __version__, catalog
from wyoming_qwentts.cli import serve
from wyoming_qwentts.core import eventloop
from wyoming_qwentts.simulator import QwenSimulator, decode

BEIJING = ("--simulate", "--region", "beijing")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "an API key is required"),
        (["--simulate", "--voice", "Nobody"], {}, "'Nobody' is not offered"),
        (["--simulate", "--instructions", "Whisper"], {}, "does not accept instructions"),
        (["--simulate", "--speech-rate", "9"], {}, "out of range"),
        (["--simulate", "--model", "qwen9"], {}, "Unknown model 'qwen9'"),
        (["--url", "ws://proxy.example/x"], {}, "must be wss:// (ws:// only on 127.0.0.1"),
        (["--simulate", "--uri", "http://x:1"], {}, "--uri must be tcp://"),
        (["--simulate", "--uri", "tcp://127.0.0.1"], {}, "needs a host and a port"),
        (["--simulate", "--uri", "unix:///tmp/x", "--zeroconf"], {}, "--zeroconf needs a tcp://"),
        (["--simulate", "--samples-per-chunk", "0"], {}, "--samples-per-chunk must be at least 1"),
        (["--simulate", "--warm-connections", "-1"], {}, "--warm-connections must be 0 or more"),
        (["--simulate", "--model", "qwen3-tts-vc-realtime-2026-01-15"], {}, "only custom voices"),
        (
            ["--simulate"],
            {"QWENTTS_MODEL": "qwen3-tts-flash-realtime-2025-09-18", "QWENTTS_VOICE": "Momo"},
            "'Momo' is not offered by qwen3-tts-flash-realtime-2025-09-18",
        ),
        (["say", "  ", "-o", "/tmp/never.wav", "--simulate"], {}, "no text to speak"),
        (["--simulate", "--model", "sambert-zhichu-v1"], {}, "not served in region 'singapore'"),
        (
            ["--simulate", "--region", "beijing", "--model", "cosyvoice-v2", "--voice", "Cherry"],
            {},
            "'Cherry' is a system voice of another model: cosyvoice-v2 takes its own voices",
        ),
        (["--simulate", "--workspace", "a/b"], {}, "Invalid workspace id"),
        (
            ["--simulate", "--model", "cosyvoice-v3-flash,sambert-zhichu-v1"],
            {},
            "sambert-zhichu-v1 not served in region 'singapore'",
        ),
        (["--simulate", "--sample-rate", "22050"], {}, "Invalid sample_rate 22050 for qwen3-tts"),
        (
            [*BEIJING, "--model", "qwen-tts-realtime,cosyvoice-v2", "--speech-rate", "1.2"],
            {},
            "qwen-tts-realtime does not accept rate",
        ),
        (
            [*BEIJING, "--model", "sambert-zhichu-v1", "--model", "qwen-tts-realtime"],
            {},
            "share no sample rate",
        ),
        (["voices", "--model", "qwen9"], {}, "Known models: qwen3-tts-flash-realtime"),
    ],
)
async def test_bad_configuration_exits_2_with_one_line(
    args: list[str], env: dict[str, str], message: str
) -> None:
    code, _, err = await run(*args, env=clean_env(**env))
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("wyoming-qwentts: error:")]
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Ready" not in err  # no port was bound


async def test_version() -> None:
    code, out, _ = await run("--version")
    assert (code, out.strip()) == (0, __version__)


async def test_voices() -> None:
    code, out, _ = await run("voices", "--model", "qwen3-tts-flash-realtime")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 49
    assert re.match(
        r"Eldric Sage\s+male, old man\s+zh en fr", next(line for line in lines if "Eldric" in line)
    )
    code, out, _ = await run("voices", "--model", "qwen3-tts-vd-realtime-2026-01-15")
    assert "only custom voices" in out


async def test_voices_of_every_model_of_a_region() -> None:
    code, out, _ = await run("voices", "--region", "beijing")
    assert code == 0
    headers = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headers == [
        f"{model.id} ({model.protocol})" for model in catalog.models_for_region("beijing")
    ]
    assert "  longxiaochun_v2 " in out  # Beijing-only CosyVoice v2
    code, out, _ = await run("voices")  # Singapore: no Sambert, no CosyVoice v2
    assert "sambert-" not in out
    assert "cosyvoice-v2 " not in out
    assert "qwen-audio-3.0-tts-flash (inference)" in out


async def test_say_writes_a_wav(tmp_path: Path) -> None:
    target = tmp_path / "out.wav"
    text = "The garage door is open. " * 12  # long enough for progress lines
    code, out, err = await run("say", "-", "-o", str(target), "--simulate", "--voice", "Ethan",
                               stdin=text.encode())  # fmt: skip
    assert code == 0, err
    with wave.open(str(target)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (24000, 2, 1)
        # Trailing whitespace is never committed (it speaks nothing).
        assert decode(wav.readframes(wav.getnframes())) == text.rstrip()
    assert f"Wrote {target}" in out
    assert "voice Ethan" in out
    assert "s of audio ..." in err
    assert "simulated" in err.lower() or "simulator" in err


@pytest.mark.parametrize(
    ("model", "region", "rate"),
    [
        ("cosyvoice-v3-flash", "singapore", 24000),
        ("qwen-audio-3.0-tts-flash", "singapore", 24000),
        ("sambert-zhinan-v1", "beijing", 16000),
    ],
)
async def test_say_with_an_inference_model(
    tmp_path: Path, model: str, region: str, rate: int
) -> None:
    target = tmp_path / "out.wav"
    text = "Inference speaks. Two sentences."
    code, out, err = await run(
        "say", text, "-o", str(target), "--simulate", "--model", model, "--region", region
    )
    assert code == 0, err
    with wave.open(str(target)) as wav:
        assert wav.getframerate() == rate
        assert decode(wav.readframes(wav.getnframes())) == text
    assert f"{len(text)} characters billed" in out


async def test_say_with_a_voice_of_the_vendors_samples(tmp_path: Path) -> None:
    """``longanhuan_v3.6``, the voice of the vendor's Qwen-Audio-3.0 sample code."""
    target = tmp_path / "sample.wav"
    text = "Hello there."
    code, out, err = await run(
        "say", text, "-o", str(target), "--simulate",
        "--model", "qwen-audio-3.0-tts-flash", "--voice", "longanhuan_v3.6",
    )  # fmt: skip
    assert code == 0, err
    with wave.open(str(target)) as wav:
        assert decode(wav.readframes(wav.getnframes())) == text
    assert "voice longanhuan_v3.6 of qwen-audio-3.0-tts-flash" in out


async def test_voices_of_an_inference_model() -> None:
    code, out, _ = await run("voices", "--model", "qwen-audio-3.0-tts-flash")
    assert code == 0
    assert re.search(r"longanlingxin\s+female, warm, empathetic\s+zh en", out)


async def test_one_server_with_the_voices_of_three_models() -> None:
    """The issue's own command: every model's voices in one program, each request spoken by
    its voice's model, from the environment's comma list as from repeated flags."""
    env = clean_env(QWENTTS_MODEL="qwen3-tts-flash-realtime,cosyvoice-v3-flash")
    args = ("--simulate", "--model", "qwen-audio-3.0-tts-flash")
    async with server(*args, env=env) as (_, port), AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        flash = catalog.MODELS["qwen-audio-3.0-tts-flash"].voice_ids
        assert [voice.name for voice in info.tts[0].voices] == list(flash)  # the flag wins
    async with (
        server("--simulate", env=env) as (_, port),
        AsyncTcpClient("127.0.0.1", port) as client,
    ):
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        names = [voice.name for voice in info.tts[0].voices]
        realtime, cosy = (catalog.MODELS[m].voice_ids for m in env["QWENTTS_MODEL"].split(","))
        assert names == [*realtime, *cosy]
    three = ("--model", "qwen3-tts-flash-realtime", "--model", "cosyvoice-v3-flash",
             "--model", "qwen-audio-3.0-tts-flash")  # fmt: skip
    async with (
        server("--simulate", *three) as (_, port),
        AsyncTcpClient("127.0.0.1", port) as client,
    ):
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        listed = {voice.name for voice in info.tts[0].voices}
        assert len(listed) == sum(len(catalog.MODELS[m].voices) for m in three[1::2])
        for voice in ("Kiki", "longanyang", "longanlufeng", "longanhuan_v3.6"):
            text = f"Spoken by {voice}. Streamed."
            events = await stream(client, split_anywhere(text), SynthesizeVoice(name=voice))
            assert decode(audio_of(events)) == text


async def test_server_with_an_inference_model_streams() -> None:
    args = ("--simulate", "--model", "cosyvoice-v3-flash", "--workspace", "ws-local-1")
    async with server(*args) as (_, port), AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        voices = [voice.name for voice in info.tts[0].voices]
        assert voices == list(catalog.MODELS["cosyvoice-v3-flash"].voice_ids)
        assert "cosyvoice-v3-flash" in (info.tts[0].description or "")
        text = "Streamed to CosyVoice, as an LLM writes. Done."
        events = await stream(client, split_anywhere(text))
    assert decode(audio_of(events)) == text


async def test_the_inference_endpoint_of_its_own(simulator: QwenSimulator, tmp_path: Path) -> None:
    """--url names the realtime endpoint; --inference-url, when given, the inference one."""
    target = tmp_path / "own.wav"
    code, _, err = await run(
        "say", "Own endpoint.", "-o", str(target), "--model", "cosyvoice-v3-flash",
        "--url", "ws://127.0.0.1:9/api-ws/v1/realtime",  # nothing listens there
        "--inference-url", simulator.inference_url, "--api-key", API_KEY,
    )  # fmt: skip
    assert code == 0, err
    with wave.open(str(target)) as wav:
        assert decode(wav.readframes(wav.getnframes())) == "Own endpoint."
    assert simulator.sessions[0].protocol == "inference"


async def test_say_reports_a_rejected_key(simulator: QwenSimulator, tmp_path: Path) -> None:
    code, _, err = await run(
        "say", "Hello", "-o", str(tmp_path / "x.wav"), "--url", simulator.url,
        "--api-key", "sk-wrong-key-123",
    )  # fmt: skip
    assert code == 1
    assert "AuthenticationError: The API key was rejected in region 'singapore'" in err
    assert "sk-wrong-key-123" not in err


async def test_server_against_an_external_endpoint_from_environment(
    simulator: QwenSimulator,
) -> None:
    env = clean_env(
        DASHSCOPE_API_KEY=API_KEY,
        QWENTTS_URL=simulator.url,
        QWENTTS_VOICE="Kiki",
        QWENTTS_SPEECH_RATE="1.5",
        QWENTTS_NO_STREAMING="1",
        QWENTTS_DEBUG="true",
    )
    async with server(env=env) as (process, port), AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
        assert info.tts[0].supports_synthesize_streaming is False
        await client.write_event(Synthesize(text="From the environment.").event())
        events = await read_until(client, "audio-stop")
    assert decode(audio_of(events)) == "From the environment."
    # The session that spoke (a warm connection opened ahead may still sit unused beside it).
    (spoke,) = [record for record in simulator.sessions if record.spoken]
    assert spoke.config["voice"] == "Kiki"
    assert spoke.config["speech_rate"] == 1.5
    assert process.returncode == 0
    stderr = await process.stderr.read()
    assert API_KEY.encode() not in stderr  # not even at DEBUG


async def test_simulate_streams_and_sigterm_lets_requests_finish() -> None:
    async with server("--simulate") as (process, port):
        async with AsyncTcpClient("127.0.0.1", port) as client:
            assert decode(audio_of(await stream(client, ["Simulated ", "speech."]))) == (
                "Simulated speech."
            )
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(SynthesizeStart().event())
            await client.write_event(SynthesizeChunk(text="In flight when stopped. ").event())
            first = await read_until(client, "audio-chunk")
            process.send_signal(signal.SIGTERM)
            await client.write_event(SynthesizeChunk(text="Still finishes.").event())
            await client.write_event(SynthesizeStop().event())
            rest = await read_until(client, "synthesize-stopped")
        assert decode(audio_of(first + rest)) == "In flight when stopped. Still finishes."
        assert await asyncio.wait_for(process.wait(), 30) == 0
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)


async def test_shutdown_grace_cancels_what_does_not_finish() -> None:
    async with (
        server("--simulate", "--shutdown-grace", "0.2") as (process, port),
        AsyncTcpClient("127.0.0.1", port) as client,
    ):
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="Never stopped. ").event())
        await read_until(client, "audio-chunk")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    stderr = (await process.stderr.read()).decode()
    assert "Cancelled 1 request(s) still running after 0.2 s" in stderr


async def test_port_in_use_exits_1() -> None:
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = blocker.sockets[0].getsockname()[1]
    try:
        code, _, err = await run("--simulate", "--uri", f"tcp://127.0.0.1:{port}")
    finally:
        blocker.close()
    assert code == 1
    assert "address already in use" in err.lower()


async def test_zeroconf_registers_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[tuple[str, int]] = []

    class FakeZeroconf:
        def __init__(self, port: int, name: str) -> None:
            self.args = (name, port)

        async def register_server(self) -> None:
            registered.append(self.args)

    async def register_server(name: str, port: int) -> None:  # wyoming 1.7
        registered.append((name, port))

    from wyoming import zeroconf as module

    monkeypatch.setattr(module, "HomeAssistantZeroconf", FakeZeroconf, raising=False)
    await serve.register_zeroconf("kitchen", 10200)
    monkeypatch.delattr(module, "HomeAssistantZeroconf")
    monkeypatch.setattr(module, "register_server", register_server, raising=False)
    await serve.register_zeroconf("qwen-tts", 10201)
    assert registered == [("kitchen", 10200), ("qwen-tts", 10201)]


async def test_zeroconf_without_the_package(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "wyoming.zeroconf", None)
    await serve.register_zeroconf("kitchen", 10200)
    assert "pip install 'wyoming-qwentts[zeroconf]'" in caplog.text


async def test_stdio_uri() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts", "--simulate", "--uri", "stdio://",
        "--warm-connections", "0",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=clean_env(),
    )  # fmt: skip
    assert process.stdin is not None
    assert process.stdout is not None
    await async_write_event(Synthesize(text="Over a pipe.").event(), process.stdin)
    events: list[Event] = []
    while not events or events[-1].type != "audio-stop":
        event = await asyncio.wait_for(async_read_event(process.stdout), 30)
        assert event is not None
        events.append(event)
    process.stdin.close()
    assert await asyncio.wait_for(process.wait(), 30) == 0
    assert decode(audio_of(events)) == "Over a pipe."


async def _stdio_server(*flags: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts", "--simulate", "--uri", "stdio://",
        "--warm-connections", "0", *flags,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=clean_env(),
    )  # fmt: skip


async def test_stdio_enforces_the_event_size_limit() -> None:
    process = await _stdio_server("--max-event-bytes", "64")
    assert process.stdin is not None
    assert process.stdout is not None
    await async_write_event(Synthesize(text="x" * 200).event(), process.stdin)
    event = await asyncio.wait_for(async_read_event(process.stdout), 30)
    assert event is not None
    assert event.type == "error"
    assert Error.from_event(event).code == "bad-request"
    assert await asyncio.wait_for(process.wait(), 30) == 0  # the pipe was closed on it


async def test_stdio_enforces_the_idle_timeout() -> None:
    process = await _stdio_server("--idle-timeout", "0.2")
    # Nothing is written and stdin stays open: the server ends the idle "connection" itself.
    assert await asyncio.wait_for(process.wait(), 30) == 0


async def test_stdio_drains_on_sigterm() -> None:
    process = await _stdio_server()
    assert process.stdin is not None
    assert process.stdout is not None
    await async_write_event(Synthesize(text="Spoken before the stop.").event(), process.stdin)
    first = await asyncio.wait_for(async_read_event(process.stdout), 30)
    assert first is not None
    assert first.type == "audio-start"  # the request is in flight
    process.send_signal(signal.SIGTERM)
    events = [first]
    while events[-1].type != "audio-stop":
        event = await asyncio.wait_for(async_read_event(process.stdout), 30)
        assert event is not None
        events.append(event)
    assert decode(audio_of(events)) == "Spoken before the stop."  # finished, not cut off
    assert await asyncio.wait_for(process.wait(), 30) == 0


def _loop_module_of_a_run() -> str:
    modules: list[str] = []

    async def main() -> None:
        modules.append(type(asyncio.get_running_loop()).__module__)

    eventloop.run(main())
    return modules[0]


def test_programs_run_on_uvloop_when_it_is_installed() -> None:
    assert _loop_module_of_a_run().startswith("uvloop")


def test_programs_run_on_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now raises ImportError
    assert _loop_module_of_a_run().startswith("asyncio")


def test_an_error_without_uvloop_carries_no_import_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program's traceback must not start with "No module named 'uvloop'"."""
    monkeypatch.setitem(sys.modules, "uvloop", None)

    async def main() -> None:
        raise RuntimeError("the program's own error")

    with pytest.raises(RuntimeError, match="the program's own error") as err:
        eventloop.run(main())
    assert err.value.__context__ is None


async def test_the_key_from_a_file(simulator: QwenSimulator, tmp_path: Path) -> None:
    """``--api-key-file`` (a Docker or systemd secret): the key never in argv."""
    secret = tmp_path / "key"
    secret.write_text(f"{API_KEY}\n# a comment line after the key\n")
    out_wav = tmp_path / "hi.wav"
    code, _, err = await run(
        "say", "From a key file.", "-o", str(out_wav), "--url", simulator.url,
        "--api-key-file", str(secret),
    )  # fmt: skip
    assert code == 0, err
    with wave.open(str(out_wav)) as wav:
        assert decode(wav.readframes(wav.getnframes())) == "From a key file."
    assert simulator.sessions[0].headers["authorization"] == f"Bearer {API_KEY}"
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for path, message in ((tmp_path / "missing", "cannot read --api-key-file"),
                          (empty, "is empty")):  # fmt: skip
        code, _, err = await run("voice", "list", "--api-key-file", str(path))
        assert code == 2
        assert message in err


async def test_accept_errors_are_logged_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    handler = serve.QuietAcceptErrors(loop, every=60.0)
    flood = {"message": "socket.accept() out of system resource", "exception": OSError(24, "x")}
    for _ in range(1000):
        handler(loop, flood)
    records = [r for r in caplog.records if "Cannot accept connections" in r.getMessage()]
    assert len(records) == 1  # one line, not a thousand tracebacks
    assert records[0].exc_info is None
    assert handler.dropped == 999
    other = {"message": "something else went wrong"}
    handler(loop, other)  # anything else goes to asyncio's own handler
    assert "something else went wrong" in caplog.text
