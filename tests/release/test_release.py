"""What a release ships: one version everywhere, a wheel that holds the package and nothing
else, and that wheel, installed alone in a fresh environment, speaking."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from wyoming_qwentts import __version__
from wyoming_qwentts.simulator import decode_wav

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

pytestmark = pytest.mark.timeout(600)


def test_one_version_everywhere() -> None:
    manifest = json.loads((ROOT / "custom_components/qwen_tts/manifest.json").read_text())
    assert manifest["version"] == VERSION
    assert f"wyoming-qwentts=={VERSION}" in manifest["requirements"]
    assert __version__ == VERSION  # the installed package reports it too


def test_hacs_minimum_is_the_tested_home_assistant() -> None:
    tested = subprocess.run(
        [str(ROOT / "script/real-ha-path"), "--version"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert json.loads((ROOT / "hacs.json").read_text())["homeassistant"] == tested


async def _run(*command: str, cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    assert process.returncode == 0, out.decode()
    return out.decode()


async def test_the_wheel_installed_alone_speaks(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    await _run(sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT),
               cwd=tmp_path)  # fmt: skip
    (wheel,) = dist.glob("wyoming_qwentts-*.whl")
    assert wheel.name.startswith(f"wyoming_qwentts-{VERSION}-py3-none-any")
    names = zipfile.ZipFile(wheel).namelist()
    assert all(n.startswith(("wyoming_qwentts/", f"wyoming_qwentts-{VERSION}.dist-info/"))
               for n in names), names  # fmt: skip
    assert "wyoming_qwentts/py.typed" in names
    assert not [n for n in names if n.startswith(("tests", "bench", "script", "custom_comp"))]

    venv = tmp_path / "venv"
    await _run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)  # Python 3.11, bare
    await _run(str(venv / "bin/pip"), "install", "-q", "--disable-pip-version-check",
               str(wheel), cwd=tmp_path)  # fmt: skip
    program = str(venv / "bin/wyoming-qwentts")
    assert (await _run(program, "--version", cwd=tmp_path)).strip().endswith(VERSION)
    text = "Installed from the wheel alone."
    await _run(program, "say", "--simulate", text, "-o", "x.wav", cwd=tmp_path)
    assert decode_wav((tmp_path / "x.wav").read_bytes()) == text
