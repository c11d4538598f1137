"""Alibaba Cloud Model Studio text-to-speech (Qwen TTS) for Home Assistant."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import AccessDeniedError, AuthenticationError, QwenTtsError
from wyoming_qwentts.speech import WarmPool
from wyoming_qwentts.speech.dashscope import DashScopeClient

from .actions import async_setup_services
from .const import (
    CONF_MODEL,
    CONF_REGION,
    CONF_URL,
    CONF_WARM_CONNECTIONS,
    CONF_WORKSPACE,
    DEFAULT_MODEL,
    DEFAULT_OPTIONS,
    DOMAIN,
    MAX_WARM_CONNECTIONS,
    RETRY_POLICY,
)
from .credentials import async_works_in_other_region
from .data import QwenTtsConfigEntry, QwenTtsData

PLATFORMS = [Platform.TTS]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: QwenTtsConfigEntry) -> bool:
    """Check the key by opening a session, then add the TTS entity."""

    def client(model: catalog.Model) -> DashScopeClient:
        return protocols.client_for(
            async_get_clientsession(hass),
            entry.data[CONF_API_KEY],
            model,
            region=entry.data[CONF_REGION],
            url=entry.data.get(CONF_URL),
            workspace=entry.data.get(CONF_WORKSPACE),
        )

    def open_pool(model: catalog.Model) -> WarmPool[Any]:
        other: WarmPool[Any] = WarmPool(
            client(model), minimum=0, maximum=MAX_WARM_CONNECTIONS, policy=RETRY_POLICY
        )
        other.start()
        return other

    model = catalog.get_model(entry.options.get(CONF_MODEL, DEFAULT_MODEL))
    entry_client = client(model)
    try:
        connection = await entry_client.connect()
    except AuthenticationError as err:
        if entry.data.get(CONF_URL) is None and await async_works_in_other_region(
            hass, entry.data[CONF_API_KEY], entry.data[CONF_REGION]
        ):
            _create_issue(hass, entry, "wrong_region")
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="auth_failed",
            translation_placeholders={"error": str(err)},
        ) from err
    except QwenTtsError as err:
        reason = "cannot_connect"
        if isinstance(err, AccessDeniedError):
            reason = "access_denied"
            _create_issue(hass, entry, reason)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key=reason,
            translation_placeholders={"error": str(err)},
        ) from err
    await connection.close()
    for issue in ("wrong_region", "access_denied"):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, issue))
    warm = int(entry.options.get(CONF_WARM_CONNECTIONS, DEFAULT_OPTIONS[CONF_WARM_CONNECTIONS]))
    maximum = MAX_WARM_CONNECTIONS if warm else 0
    pool: WarmPool[Any] = WarmPool(entry_client, minimum=warm, maximum=maximum, policy=RETRY_POLICY)
    pool.start()

    data = entry.runtime_data = QwenTtsData(pool, open_pool, RETRY_POLICY)

    async def _close_pools(_event: Event) -> None:
        # Home Assistant closes its HTTP session at stop without unloading entries.
        await data.close()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _close_pools))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


def _create_issue(hass: HomeAssistant, entry: QwenTtsConfigEntry, issue: str) -> None:
    """A repair issue the user must fix outside Home Assistant (or by reconfiguring)."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        _issue_id(entry, issue),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=issue,
        translation_placeholders={
            "title": entry.title,
            "region": catalog.REGIONS[entry.data[CONF_REGION]].name,
        },
    )


def _issue_id(entry: QwenTtsConfigEntry, issue: str) -> str:
    return f"{issue}_{entry.entry_id}"


async def async_unload_entry(hass: HomeAssistant, entry: QwenTtsConfigEntry) -> bool:
    """Remove the TTS entity and close the warm connections."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.close()
    return unloaded
