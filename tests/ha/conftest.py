"""Fixtures of the Home Assistant tests: the simulator on 127.0.0.1 and a loaded entry."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.qwen_tts.const import (
    DEFAULT_OPTIONS,
)
from tests.ha.helpers import API_KEY, BEIJING_KEY, VOICE_TITLE, voice_entry
from tests.helpers import FAST_RETRY
from wyoming_qwentts import catalog
from wyoming_qwentts.simulator import PATH, QwenSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: Any) -> Iterator[None]:
    """Load custom_components/ in every test."""
    return


@pytest.fixture(autouse=True)
def tts_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep Home Assistant's TTS file cache in the test's own folder."""
    cache = tmp_path / "tts"
    monkeypatch.setattr("homeassistant.components.tts.DEFAULT_CACHE_DIR", str(cache))
    return cache


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Failure paths give up quickly (the retry logic itself is tested in the library)."""
    monkeypatch.setattr("custom_components.qwen_tts.RETRY_POLICY", FAST_RETRY)


@pytest.fixture
async def simulator(socket_enabled: Any) -> AsyncIterator[QwenSimulator]:
    """The simulator, accepting API_KEY."""
    async with QwenSimulator() as sim:
        sim.options.api_key = API_KEY
        yield sim


@pytest.fixture
def entry_options() -> dict[str, Any]:
    """The settings of the entry's one voice subentry (parametrize to change them)."""
    return dict(DEFAULT_OPTIONS)


@pytest.fixture
def mock_entry(simulator: QwenSimulator, entry_options: dict[str, Any]) -> MockConfigEntry:
    """An entry pointed at the simulator, with one voice (not yet added). The voice's title
    names its entity: ``ENTITY_ID``."""
    return voice_entry(simulator.url, VOICE_TITLE, "singapore-test", entry_options)


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The entry, set up; unloaded after the test, before its simulator stops (its warm
    connections close, and no connection its pool had yet to open reaches a closed port)."""
    assert await async_setup_component(hass, "homeassistant", {})
    mock_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    yield mock_entry
    if mock_entry.state is ConfigEntryState.LOADED:
        await hass.config_entries.async_unload(mock_entry.entry_id)


@pytest.fixture
async def regions(
    simulator: QwenSimulator, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[dict[str, QwenSimulator]]:
    """Both regions served by simulators, each accepting only its own key."""
    async with QwenSimulator() as beijing:
        beijing.options.api_key = BEIJING_KEY
        for region, sim in (("singapore", simulator), ("beijing", beijing)):
            old = catalog.REGIONS[region]
            monkeypatch.setitem(
                catalog.REGIONS,  # type: ignore[arg-type]
                region,
                catalog.Region(old.id, old.name, sim.url.removesuffix(PATH), old.workspace_host),
            )
        yield {"singapore": simulator, "beijing": beijing}
