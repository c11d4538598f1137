"""The real Home Assistant of the end-to-end tests (``QWENTTS_REAL_HA``, set by script/test)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .real_ha import RealHomeAssistant, python_of


@pytest.fixture
async def hass(tmp_path: Path) -> AsyncIterator[RealHomeAssistant]:
    """A real Home Assistant with a config folder of its own (not started yet)."""
    venv = os.environ.get("QWENTTS_REAL_HA")
    if not venv:
        pytest.skip("QWENTTS_REAL_HA is not set: script/test runs this with the real HA")
    real = RealHomeAssistant(python_of(venv), tmp_path / "config")
    try:
        yield real
    finally:
        real.kill()
