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
from typing import Any

OPTIONS = Path(os.environ.get("QWENTTS_ADDON_OPTIONS", "/data/options.json"))
SUPERVISOR = os.environ.get("QWENTTS_SUPERVISOR_URL", "http://supervisor")
PORT = int(os.environ.get("QWENTTS_ADDON_PORT", "10200"))
READY = b"Ready: "


def command(options: Mapping[str, Any], port: int = PORT) -> list[str]:
    """The server's command line for the add-on's options."""
    argv = [
        "wyoming-qwentts",
        "--uri", f"tcp://0.0.0.0:{port}",
        "--region", str(options["region"]),
        "--model", str(options["model"]),
        "--language", str(options["language"]),
        "--speech-rate", str(options["speech_rate"]),
        "--pitch-rate", str(options["pitch_rate"]),
        "--volume", str(options["volume"]),
        "--warm-connections", str(options["warm_connections"]),
    ]  # fmt: skip
    if options.get("voice"):
        argv += ["--voice", str(options["voice"])]
    if options.get("log_level") == "debug":
        argv.append("--debug")
    return argv


def environment(options: Mapping[str, Any]) -> dict[str, str]:
    """The server's environment: the key (not a flag), everything else inherited."""
    return {**os.environ, "DASHSCOPE_API_KEY": str(options.get("api_key") or "")}


def announce(port: int) -> None:
    """Tell Home Assistant, through the Supervisor, where the Wyoming server listens."""
    body = json.dumps(
        {"service": "wyoming", "config": {"uri": f"tcp://{socket.gethostname()}:{port}"}}
    ).encode()
    request = urllib.request.Request(
        f"{SUPERVISOR}/discovery",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {os.environ.get('SUPERVISOR_TOKEN', '')}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def main() -> int:
    """Run the server until it exits (or the Supervisor stops the add-on)."""
    options = json.loads(OPTIONS.read_text())
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
                announce(PORT)
            except OSError as err:
                print(f"Discovery failed ({err}); add the Wyoming integration by hand "
                      f"(port {PORT}).", file=sys.stderr)  # fmt: skip
    return server.wait()


if __name__ == "__main__":
    sys.exit(main())
