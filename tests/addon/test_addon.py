"""The Home Assistant add-on: its config.yaml schema, and its run script against a fake
Supervisor on 127.0.0.1 (options in, the server's flags out, discovery posted)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import signal
import socket
import sys
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from aiohttp import web
from wyoming.client import AsyncTcpClient
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize

from wyoming_qwentts import catalog
from wyoming_qwentts.cli.flags import server_parser
from wyoming_qwentts.simulator import decode

ROOT = Path(__file__).resolve().parents[2]
ADDON = ROOT / "addon" / "wyoming_qwentts"
CONFIG = yaml.safe_load((ADDON / "config.yaml").read_text())
TOKEN = "supervisor-token-for-the-test"
KEY = "sk-addon-key-5150"

# The add-on schema grammar of the Supervisor (a value type, "?" when optional; negative
# bounds as its current grammar takes them).
_TYPES = re.compile(
    r"^(str|bool|email|url|port|password|int(\(-?\d*,-?\d*\))?|float(\(-?[\d.]*,-?[\d.]*\))?"
    r"|list\([^|()]+(\|[^|()]+)*\)|match\(.+\))\??$"
)


def run_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("addon_run", ADDON / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_config_schema_is_valid_and_matches_the_catalog() -> None:
    for key in ("name", "version", "slug", "description", "arch", "options", "schema"):
        assert key in CONFIG
    assert CONFIG["discovery"] == ["wyoming"]
    assert CONFIG["ports"] == {"10200/tcp": None}
    schema, options = CONFIG["schema"], CONFIG["options"]
    assert all(_TYPES.match(kind) for kind in schema.values()), schema
    assert set(options) <= set(schema)  # every default has a type
    assert {k for k, v in schema.items() if not v.endswith("?")} <= set(options)
    assert schema["api_key"] == "password"
    assert schema["region"] == f"list({'|'.join(catalog.REGIONS)})"
    assert options["model"] in catalog.MODELS
    model = catalog.MODELS[options["model"]]
    assert options["voice"] in model.voice_ids
    languages = schema["language"][len("list(") : -1].split("|")
    assert languages == list(catalog.LANGUAGE_TYPES)
    rate = model.ranges["rate"]
    assert schema["speech_rate"] == f"float({rate.low},{rate.high})"
    translations = yaml.safe_load((ADDON / "translations" / "en.yaml").read_text())
    assert set(translations["configuration"]) == set(schema)  # every option explained


def test_the_add_on_is_the_version_of_everything_else() -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert CONFIG["version"] == version
    build = yaml.safe_load((ADDON / "build.yaml").read_text())
    assert build["args"]["WYOMING_QWENTTS_VERSION"] == version
    assert set(build["build_from"]) == set(CONFIG["arch"])
    assert (
        '"wyoming-qwentts[uvloop,fallback]==${WYOMING_QWENTTS_VERSION}"'
        in (ADDON / "Dockerfile").read_text()
    )
    assert yaml.safe_load((ROOT / "repository.yaml").read_text())["name"]


def test_options_become_flags_and_the_key_stays_off_the_command_line() -> None:
    run = run_script()
    options = {**CONFIG["options"], "api_key": KEY, "voice": "Ethan", "log_level": "debug"}
    argv = run.command(options, port=10200)
    assert argv[:3] == ["wyoming-qwentts", "--uri", "tcp://0.0.0.0:10200"]
    flags = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert flags["--region"] == "singapore"
    assert flags["--voice"] == "Ethan"
    assert flags["--warm-connections"] == "1"
    assert "--debug" in argv
    assert KEY not in " ".join(argv)
    assert run.environment(options)["DASHSCOPE_API_KEY"] == KEY
    assert "--voice" not in run.command({**options, "voice": ""})  # no voice: the model's own
    # What the service does anyway is not said: language Auto, rate 1.0, pitch 1.0, volume 50.
    assert not {"--language", "--speech-rate", "--pitch-rate", "--volume", "--allow"} & set(argv)
    changed = run.command({**options, "language": "German", "speech_rate": 1.25, "volume": 80,
                           "allow": "172.30.32.0/23,127.0.0.1"})  # fmt: skip
    flags = dict(zip(changed[1::2], changed[2::2], strict=False))
    assert flags["--language"] == "German"
    assert flags["--speech-rate"] == "1.25"
    assert flags["--volume"] == "80"
    assert flags["--allow"] == "172.30.32.0/23,127.0.0.1"
    assert "--pitch-rate" not in changed
    assert not {"--chime", "--loudness"} & set(argv)  # none unless asked for
    announcing = run.command({**options, "chime": "/share/door.wav", "loudness": -16.0})
    flags = dict(zip(announcing[1::2], announcing[2::2], strict=False))
    assert (flags["--chime"], flags["--loudness"]) == ("/share/door.wav", "-16.0")
    assert server_parser().parse_args(announcing[1:]).loudness == -16.0
    assert "--fallback" not in argv
    assert "--fallback-voice" not in run.command({**options, "fallback_voice": "en_US-amy"})
    local = run.command({**options, "fallback": "tcp://core-piper:10200",
                         "fallback_voice": "en_US-lessac-medium"})  # fmt: skip
    parsed = server_parser().parse_args(local[1:])
    assert (parsed.fallback, parsed.fallback_voice) == (
        "tcp://core-piper:10200",
        "en_US-lessac-medium",
    )


def test_several_models_and_a_model_without_prosody_start_with_the_defaults() -> None:
    run = run_script()
    options = {**CONFIG["options"], "model": " qwen3-tts-flash-realtime, cosyvoice-v3-flash"}
    argv = run.command(options)
    flags = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert flags["--model"] == "qwen3-tts-flash-realtime,cosyvoice-v3-flash"
    parsed = server_parser().parse_args(argv[1:])
    assert parsed.model == ["qwen3-tts-flash-realtime", "cosyvoice-v3-flash"]
    # The legacy model takes no rate, pitch or volume: its default options say none of them.
    legacy = run.command({**CONFIG["options"], "model": "qwen-tts-realtime"})
    assert not {"--speech-rate", "--pitch-rate", "--volume"} & set(legacy)
    # Asked for a rate it cannot take, it is sent, and the server refuses it by name.
    refused = run.command({**CONFIG["options"], "model": "qwen-tts-realtime", "speech_rate": 1.5})
    assert dict(zip(refused[1::2], refused[2::2], strict=False))["--speech-rate"] == "1.5"


def test_the_server_does_not_inherit_the_supervisor_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SUPERVISOR_TOKEN", TOKEN)
    monkeypatch.setenv("HASSIO_TOKEN", TOKEN)
    monkeypatch.setenv("TZ", "Europe/Berlin")
    env = run_script().environment({"api_key": KEY})
    assert TOKEN not in env.values()
    assert env["TZ"] == "Europe/Berlin"  # the rest is inherited
    assert env["DASHSCOPE_API_KEY"] == KEY


Posts = list[tuple[dict[str, str], Any]]
FakeSupervisor = tuple[str, Posts, asyncio.Event]
"""Its URL, the discovery posts it received (headers, body), and an event set on each."""


@pytest.fixture
async def supervisor() -> AsyncIterator[
    tuple[str, list[tuple[dict[str, str], Any]], asyncio.Event]
]:
    """A fake Supervisor that records discovery posts."""
    posts: Posts = []
    received = asyncio.Event()

    async def discovery(request: web.Request) -> web.Response:
        posts.append((dict(request.headers), await request.json()))
        received.set()
        return web.json_response({"result": "ok", "data": {"uuid": "0123"}})

    app = web.Application()
    app.router.add_post("/discovery", discovery)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", posts, received
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_script_serves_and_announces_itself(
    tmp_path: Path, supervisor: FakeSupervisor
) -> None:
    url, posts, received = supervisor
    options = tmp_path / "options.json"
    options.write_text(json.dumps({**CONFIG["options"], "api_key": KEY, "voice": "Ethan"}))
    port = free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "QWENTTS_ADDON_OPTIONS": str(options),
        "QWENTTS_ADDON_PORT": str(port),
        "QWENTTS_SUPERVISOR_URL": url,
        "SUPERVISOR_TOKEN": TOKEN,
        "QWENTTS_SIMULATE": "1",  # the bundled simulator stands in for the service
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ADDON / "run.py"), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    log = bytearray()

    async def read_log(stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            log.extend(line)

    reading = asyncio.create_task(read_log(process.stderr))
    try:
        await asyncio.wait_for(received.wait(), 60)  # posted once the server was ready
        assert b"Ready: " in log
        headers, body = posts[0]
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert body == {"service": "wyoming",
                        "config": {"uri": f"tcp://{socket.gethostname()}:{port}"}}  # fmt: skip
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            info = Info.from_event(await asyncio.wait_for(client.read_event(), 30))
            assert info.tts[0].name == "qwen-tts"
            await client.write_event(Synthesize(text="From the add-on.").event())
            audio = b""
            while (event := await asyncio.wait_for(client.read_event(), 30)) is not None:
                if event.type == "audio-chunk":
                    audio += event.payload or b""
                if event.type == "audio-stop":
                    break
        assert decode(audio) == "From the add-on."
        # The server, the script's child, holds the key but not the Supervisor's token.
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        (server_environ,) = [Path(f"/proc/{pid}/environ").read_bytes() for pid in children]
        assert f"DASHSCOPE_API_KEY={KEY}".encode() in server_environ.split(b"\0")
        assert TOKEN.encode() not in server_environ
        process.send_signal(signal.SIGTERM)  # the Supervisor stops the add-on
        assert await asyncio.wait_for(process.wait(), 30) == 0
        await reading
        assert b"Stopped" in log  # the server stopped cleanly, not killed
        assert KEY.encode() not in log
    finally:
        reading.cancel()
        if process.returncode is None:
            process.kill()
            await process.wait()
