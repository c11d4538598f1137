"""The add-on's entry point: its options become the server's flags, and once the server
listens, Home Assistant is told about it through the Supervisor's discovery API (so it offers
the Wyoming integration by itself).

The key goes to the server in its environment, never on its command line (which any process
of the machine can read). ``QWENTTS_ADDON_OPTIONS``, ``QWENTTS_ADDON_PORT`` and
``QWENTTS_SUPERVISOR_URL`` point it elsewhere than the Supervisor's defaults (for tests).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from wyoming_qwentts import catalog

OPTIONS = Path(os.environ.get("QWENTTS_ADDON_OPTIONS", "/data/options.json"))
SUPERVISOR = os.environ.get("QWENTTS_SUPERVISOR_URL", "http://supervisor")
PORT = int(os.environ.get("QWENTTS_ADDON_PORT", "10200"))
READY = b"Ready: "


PROSODY: Final = {"speech_rate": ("--speech-rate", "rate"), "pitch_rate": ("--pitch-rate", "pitch"),
                  "volume": ("--volume", "volume")}  # fmt: skip
"""Each prosody option: its server flag, and the parameter's name in the catalog."""
PRIVATE: Final = ("SUPERVISOR_TOKEN", "HASSIO_TOKEN")
"""The add-on's own credentials: the server never needs them, so it never holds them."""


def command(options: Mapping[str, Any], port: int = PORT) -> list[str]:
    """The server's command line for the add-on's options: only what differs from what the
    server and the service do anyway, so that a model without a setting still starts."""
    models = [name.strip() for name in str(options["model"]).split(",") if name.strip()]
    argv = [
        "wyoming-qwentts",
        "--uri", f"tcp://0.0.0.0:{port}",
        "--region", str(options["region"]),
        "--model", ",".join(models),
        "--warm-connections", str(options["warm_connections"]),
    ]  # fmt: skip
    if options.get("voice"):
        argv += ["--voice", str(options["voice"])]
    if options.get("language") not in (None, "", "Auto"):
        argv += ["--language", str(options["language"])]
    for option, (flag, name) in PROSODY.items():
        value = options.get(option)
        if value is not None and value != _service_default(name, models):
            argv += [flag, str(value)]
    if options.get("allow"):
        argv += ["--allow", str(options["allow"])]
    if options.get("chime"):
        argv += ["--chime", str(options["chime"])]
    if options.get("loudness") is not None:
        argv += ["--loudness", str(options["loudness"])]
    if options.get("fallback"):
        argv += ["--fallback", str(options["fallback"])]
        if options.get("fallback_voice"):
            argv += ["--fallback-voice", str(options["fallback_voice"])]
    if options.get("log_level") == "debug":
        argv.append("--debug")
    return argv


def _service_default(name: str, models: list[str]) -> float | None:
    """The value a parameter has when it is not sent: the default of the chosen models that
    take it, or of any model where none does (a value that says nothing to such a model)."""
    chosen = [catalog.MODELS[model] for model in models if model in catalog.MODELS]
    takers = [m for m in chosen if name in m.ranges] or [
        m for m in catalog.MODELS.values() if name in m.ranges
    ]
    defaults = {model.ranges[name].default for model in takers}
    return defaults.pop() if len(defaults) == 1 else None


def environment(options: Mapping[str, Any]) -> dict[str, str]:
    """The server's environment: the key (not a flag), and the rest but the Supervisor's
    token."""
    inherited = {name: value for name, value in os.environ.items() if name not in PRIVATE}
    return {**inherited, "DASHSCOPE_API_KEY": str(options.get("api_key") or "")}


def announce(port: int, token: str) -> None:
    """Tell Home Assistant, through the Supervisor, where the Wyoming server listens."""
    body = json.dumps(
        {"service": "wyoming", "config": {"uri": f"tcp://{socket.gethostname()}:{port}"}}
    ).encode()
    request = urllib.request.Request(
        f"{SUPERVISOR}/discovery",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def main() -> int:
    """Run the server until it exits (or the Supervisor stops the add-on)."""
    options = json.loads(OPTIONS.read_text())
    token = os.environ.get("SUPERVISOR_TOKEN", "")
    server = subprocess.Popen(command(options), env=environment(options), stderr=subprocess.PIPE)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    assert server.stderr is not None
    announced = False
    for line in server.stderr:  # the server's log, passed on to the add-on's log
        sys.stderr.buffer.write(line)
        sys.stderr.flush()
        if not announced and READY in line:
            announced = True
            try:
                announce(PORT, token)
            except OSError as err:
                print(f"Discovery failed ({err}); add the Wyoming integration by hand "
                      f"(port {PORT}).", file=sys.stderr)  # fmt: skip
    return server.wait()


if __name__ == "__main__":
    sys.exit(main())
