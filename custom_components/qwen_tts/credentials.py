"""Checking a DashScope key against a region, and its customization API (shared by the
flows and the setup)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import QwenTtsError
from wyoming_qwentts.enrollment import CustomizationClient

from .const import CONF_REGION, CONF_URL, CONF_WORKSPACE


async def async_check_key(
    hass: HomeAssistant, api_key: str, region: str, url: str | None, workspace: str | None = None
) -> None:
    """Open (and close) a connection of the default model: the handshake checks the key in
    that region.

    Raises the client's error (AuthenticationError for a rejected key).
    """
    client = protocols.client_for(
        async_get_clientsession(hass),
        api_key,
        catalog.get_model(catalog.DEFAULT_MODEL),
        region=region,
        url=url,
        workspace=workspace,
    )
    connection = await client.connect()
    await connection.close()


async def async_works_in_other_region(hass: HomeAssistant, api_key: str, region: str) -> bool:
    """Whether a key rejected in ``region`` opens a session in the other region."""
    other = next(candidate for candidate in catalog.REGIONS if candidate != region)
    try:
        await async_check_key(hass, api_key, other, None)
    except QwenTtsError:
        return False
    return True


def studio_for(hass: HomeAssistant, data: Mapping[str, Any]) -> CustomizationClient:
    """The customization API (the account's own voices) of an entry's key and endpoints."""
    return CustomizationClient(
        async_get_clientsession(hass),
        data[CONF_API_KEY],
        region=data[CONF_REGION],
        url=data.get(CONF_URL),
        workspace=data.get(CONF_WORKSPACE),
    )
