"""What a release ships: one version everywhere, a wheel that holds the package and nothing
else, and that wheel, installed alone in a fresh environment, speaking."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from wyoming_qwentts import __version__
from wyoming_qwentts.simulator import decode_wav

ROOT = Path(__file__).resolve().parents[2]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

pytestmark = pytest.mark.timeout(600)


def test_one_version_everywhere() -> None:
    manifest = json.loads((ROOT / "custom_components/qwen_tts/manifest.json").read_text())
    assert manifest["version"] == VERSION
    # PyAV (resampling a fallback entity's audio) is Home Assistant's own: the extra adds
    # nothing Home Assistant does not ship.
    assert f"wyoming-qwentts[fallback]=={VERSION}" in manifest["requirements"]
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


WORKFLOWS = ROOT / ".github/workflows"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def _workflow(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return loaded


def _steps() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{job_name}", step)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for job_name, job in _workflow(path.name)["jobs"].items()
        for step in job.get("steps", [])
    ]


def test_every_action_is_pinned_by_commit_with_its_release_named() -> None:
    uses = [(where, step["uses"]) for where, step in _steps() if "uses" in step]
    assert len(uses) >= 10
    assert [(where, use) for where, use in uses if not PINNED.match(use)] == []
    for path in WORKFLOWS.glob("*.yml"):  # the comment Dependabot keeps up to date
        for line in path.read_text().splitlines():
            if re.match(r"\s*(- )?uses: \w[\w.-]*/", line):  # not ./ (this repository's)
                assert re.search(r"@[0-9a-f]{40} # \S+$", line), line
    dependabot = yaml.safe_load((ROOT / ".github/dependabot.yml").read_text())
    assert [u["package-ecosystem"] for u in dependabot["updates"]] == ["github-actions"]


def test_no_checkout_keeps_its_credentials() -> None:
    checkouts = [(w, s) for w, s in _steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert len(checkouts) >= 3
    assert [w for w, s in checkouts if (s.get("with") or {}).get("persist-credentials")
            is not False] == []  # fmt: skip
    # The job that may write to the repository checks nothing out at all.
    release = _workflow("release.yml")["jobs"]
    writers = [name for name, job in release.items()
               if (job.get("permissions") or {}).get("contents") == "write"]  # fmt: skip
    assert writers == ["github-release"]
    assert not [s for s in release["github-release"]["steps"] if "checkout" in s.get("uses", "")]


def test_nothing_is_published_before_the_test_command_passed() -> None:
    release = _workflow("release.yml")["jobs"]
    assert release["test"]["uses"] == "./.github/workflows/ci.yml"
    assert release["build"]["needs"] == "test"
    assert release["pypi"]["needs"] == "build"
    assert release["pypi"]["environment"]["name"] == "pypi"
    assert release["github-release"]["needs"] == "pypi"
    ci: dict[Any, Any] = _workflow("ci.yml")
    assert "workflow_call" in ci[True]  # YAML 1.1 reads the key `on` as True
    assert [s["run"] for s in ci["jobs"]["test"]["steps"] if "run" in s] == ["script/test"]
