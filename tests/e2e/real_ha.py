"""A real Home Assistant process on 127.0.0.1, driven over its HTTP and WebSocket APIs."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = """\
homeassistant:
  name: Home
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: Europe/Amsterdam
  country: NL
  internal_url: http://127.0.0.1:{port}
  external_url: http://127.0.0.1:{port}
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: info
demo:
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RealHomeAssistant:
    """``hass`` with this integration in its config folder and the library from this tree."""

    def __init__(self, python: list[str], config: Path) -> None:
        self.python = python
        """The command that runs its Python."""
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client_id = f"{self.url}/"
        self.token: str | None = None
        self.refresh_token: str | None = None
        self.logs: list[Path] = []
        """One log file per start (Home Assistant would rotate a shared one away)."""
        self._process: asyncio.subprocess.Process | None = None
        self._drain: asyncio.Task[None] | None = None
        self.console: list[str] = []
        """What Home Assistant printed since it was initialized, every run."""
        self._console_grew = asyncio.Condition()
        config.mkdir(parents=True, exist_ok=True)
        (config / "configuration.yaml").write_text(CONFIGURATION.format(port=self.port))
        shutil.copytree(
            ROOT / "custom_components" / "qwen_tts",
            config / "custom_components" / "qwen_tts",
            dirs_exist_ok=True,
        )

    def log(self) -> str:
        """Everything Home Assistant logged, every run."""
        return "".join(path.read_text() for path in self.logs)

    @property
    def headers(self) -> dict[str, str]:
        assert self.token is not None
        return {"Authorization": f"Bearer {self.token}"}

    async def start(self) -> None:
        """Start ``hass``; return once it logged that it is initialized (its API is up)."""
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.logs.append(log_file := self.config / f"home-assistant-{len(self.logs) + 1}.log")
        self._process = process = await asyncio.create_subprocess_exec(
            *self.python, str(Path(__file__).parent / "launch_hass.py"),
            "--config", str(self.config), "--log-file", str(log_file), "--skip-pip",
            env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stderr is not None
        async with asyncio.timeout(120):
            while b"Home Assistant initialized in" not in (line := await process.stderr.readline()):
                if not line:
                    raise RuntimeError(f"hass exited with {await process.wait()}")
        self._drain = asyncio.create_task(self._follow(process.stderr))

    async def _follow(self, stream: asyncio.StreamReader) -> None:
        """Keep reading the console log (it is in the log file too), so hass never blocks."""
        while line := await stream.readline():
            self.console.append(line.decode(errors="replace"))
            async with self._console_grew:
                self._console_grew.notify_all()

    async def logged(self, text: str) -> str:
        """The console log, once a line of it holds ``text``. Home Assistant writes its log
        from a thread of its own: a line may come after the answer to the request that
        caused it (it gets 30 s)."""
        async with asyncio.timeout(30), self._console_grew:
            await self._console_grew.wait_for(lambda: any(text in line for line in self.console))
        return "".join(self.console)

    async def stop(self) -> int:
        """Stop ``hass`` as a service manager would (SIGTERM); its exit code."""
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            code = await self._process.wait()
            if self._drain is not None:
                await self._drain
        return code

    def kill(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()

    async def onboard(self, http: aiohttp.ClientSession) -> None:
        """The onboarding a new user goes through: owner account, analytics, done."""
        owner = {"client_id": self.client_id, "name": "Owner", "username": "owner",
                 "password": "a-long-test-password", "language": "en"}  # fmt: skip
        async with http.post(f"{self.url}/api/onboarding/users", json=owner) as response:
            response.raise_for_status()
            code = (await response.json())["auth_code"]
        form = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with http.post(f"{self.url}/auth/token", data=form) as response:
            response.raise_for_status()
            tokens = await response.json()
            self.token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        # The location step is left out: it adds weather, radio and translation entries that
        # reach for the internet, and nothing here may leave this machine.
        for step, body in (
            ("analytics", {}),
            ("integration", {"client_id": self.client_id, "redirect_uri": self.client_id}),
        ):
            async with http.post(
                f"{self.url}/api/onboarding/{step}", json=body, headers=self.headers
            ) as response:
                response.raise_for_status()

    async def version(self, http: aiohttp.ClientSession) -> tuple[int, int]:
        """Its release, as (year, month)."""
        _, config = await self.call(http, "GET", "/api/config")
        year, month = str(config["version"]).split(".")[:2]
        return int(year), int(month)

    async def call(self, http: aiohttp.ClientSession, method: str, path: str, **kw: Any) -> Any:
        """A REST call with the owner's token; the JSON answer (or the text, or the status)."""
        async with http.request(method, self.url + path, headers=self.headers, **kw) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.read()

    async def websocket(self, http: aiohttp.ClientSession, message: dict[str, Any]) -> Any:
        """One WebSocket command's result message."""
        async with http.ws_connect(f"{self.url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, **message})
            while True:
                answer = await ws.receive_json()
                if answer.get("id") == 1 and answer["type"] == "result":
                    return answer

    async def entry_settled(self, http: aiohttp.ClientSession, domain: str) -> dict[str, Any]:
        """The domain's one config entry once it is loaded (or failed): pushed over the
        WebSocket API as Home Assistant reloads it, nothing polled."""
        async with http.ws_connect(f"{self.url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, "type": "config_entries/subscribe"})
            async with asyncio.timeout(60):
                while True:
                    message = await ws.receive_json()
                    for change in message.get("event") or []:
                        entry: dict[str, Any] = change["entry"]
                        if entry["domain"] == domain and entry["state"] in SETTLED:
                            return entry


OURS = re.compile(r"qwen_tts|wyoming_qwentts")


def assert_clean_log(log: str, caused: tuple[str, ...] = ()) -> None:
    """Nothing of ours at ERROR, no unretrieved task exception, no blocking call or
    deprecation reported for this integration (every stop and start included). ``caused``:
    texts of errors the test caused on purpose (a record with one of them is allowed)."""
    records = re.split(r"\n(?=\d{4}-\d\d-\d\d )", log)  # one record per timestamp
    errors = [r for r in records if re.match(r"\S+ \S+ (ERROR|CRITICAL) ", r)]
    ours = [
        r
        for r in errors
        if (OURS.search(r) or "homeassistant.components.tts" in r or "Invalid speech" in r)
        and not _validation_echo(r)
        and not any(text in r for text in caused)
    ]
    assert ours == [], "\n".join(ours)
    assert "Task exception was never retrieved" not in log
    for record in records:
        if OURS.search(record):
            assert "Detected blocking call" not in record, record
            assert "deprecated" not in record.lower(), record
            assert "will stop working" not in record, record  # HA's report_usage wording


def _validation_echo(record: str) -> bool:
    """Home Assistant's WebSocket API logs every service validation error it returns to the
    UI as one ERROR line (its own handling, for any integration): ours is allowed there as
    that one line, without a traceback."""
    return (
        "[homeassistant.components.websocket_api.http.connection]" in record
        and "Invalid speech option: Voice 'Etan' is not offered" in record
        and "Traceback" not in record
    )


SETTLED = ("loaded", "setup_error", "setup_retry", "failed_unload")
"""States an entry stays in. Not ``not_loaded``: a reload passes through it between its unload
and its setup, so a subscription that starts then would see it first (a fresh-clone run
did)."""


def python_of(venv: str) -> Path:
    """The interpreter of the real Home Assistant's environment."""
    return Path(venv) / "bin" / ("python.exe" if sys.platform == "win32" else "python")
