"""The real Home Assistant of the end-to-end tests, set by script/test: ``QWENTTS_REAL_HA``,
its environment (2026.2.3 here), or ``QWENTTS_REAL_HA_COMMAND``, the command that runs its
Python (the newest release, in script/newest-ha's chroot)."""

from __future__ import annotations

import os
import shlex
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .real_ha import RealHomeAssistant, python_of


def real_python() -> list[str] | None:
    """The command that runs the real Home Assistant's Python, if one is set."""
    if command := os.environ.get("QWENTTS_REAL_HA_COMMAND"):
        return shlex.split(command)
    if venv := os.environ.get("QWENTTS_REAL_HA"):
        return [str(python_of(venv))]
    return None


@pytest.fixture
async def hass(tmp_path: Path) -> AsyncIterator[RealHomeAssistant]:
    """A real Home Assistant with a config folder of its own (not started yet)."""
    python = real_python()
    if python is None:
        pytest.skip("no real Home Assistant is set: script/test runs these with one")
    real = RealHomeAssistant(python, tmp_path / "config")
    try:
        yield real
    finally:
        real.kill()
