"""Checking a DashScope key against a region (shared by the flows and the setup)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from wyoming_qwentts import catalog
from wyoming_qwentts.core import QwenTtsError
from wyoming_qwentts.realtime import QwenRealtimeClient


async def async_check_key(
    hass: HomeAssistant, api_key: str, region: str, url: str | None, workspace: str | None = None
) -> None:
    """Open (and close) a session: the handshake checks the key in that region.

    Raises the client's error (AuthenticationError for a rejected key).
    """
    client = QwenRealtimeClient(
        async_get_clientsession(hass), api_key, region=region, url=url, workspace=workspace
    )
    session = await client.connect()
    await session.close()


async def async_works_in_other_region(hass: HomeAssistant, api_key: str, region: str) -> bool:
    """Whether a key rejected in ``region`` opens a session in the other region."""
    other = next(candidate for candidate in catalog.REGIONS if candidate != region)
    try:
        await async_check_key(hass, api_key, other, None)
    except QwenTtsError:
        return False
    return True
