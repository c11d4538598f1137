"""Alibaba Cloud Model Studio text-to-speech (Qwen TTS) for Home Assistant."""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import CONF_API_KEY, EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.catalog.customization import services_for
from wyoming_qwentts.core import AccessDeniedError, AuthenticationError, QwenTtsError
from wyoming_qwentts.enrollment import AccountVoices
from wyoming_qwentts.speech import WarmPool
from wyoming_qwentts.speech.dashscope import DashScopeClient
from wyoming_qwentts.speech.failover import Breaker, connection_probe

from .actions import async_setup_services
from .const import (
    CONF_MODEL,
    CONF_REGION,
    CONF_URL,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    CONF_WORKSPACE,
    DEFAULT_MODEL,
    DEFAULT_OPTIONS,
    DOMAIN,
    MAX_WARM_CONNECTIONS,
    RETRY_POLICY,
    SUBENTRY_VOICE,
)
from .credentials import async_works_in_other_region, studio_for
from .data import QwenTtsConfigEntry, QwenTtsData, voice_subentries, voice_title
from .fallback import Outages

_LOGGER = logging.getLogger(__name__)
PLATFORMS = [Platform.TTS]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the service actions."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: QwenTtsConfigEntry) -> bool:
    """Check the key by opening a session, then add a TTS entity of each voice subentry."""
    http = async_get_clientsession(hass)
    data = entry.data

    def client(model: catalog.Model) -> DashScopeClient:
        return protocols.client_for(
            http,
            data[CONF_API_KEY],
            model,
            region=data[CONF_REGION],
            url=data.get(CONF_URL),
            workspace=data.get(CONF_WORKSPACE),
        )

    voices = voice_subentries(entry)
    models: dict[str, catalog.Model] = {}
    for subentry_id, subentry in voices.items():
        model_id = subentry.data.get(CONF_MODEL, DEFAULT_MODEL)
        if model_id in catalog.MODELS:
            models[subentry_id] = catalog.MODELS[model_id]
        else:  # a model this release no longer knows: the other voices still speak
            _LOGGER.warning("Voice %r has an unknown model %r: remove it", subentry.title, model_id)
    first = next(iter(models.values()), catalog.get_model(DEFAULT_MODEL))

    try:
        await connection_probe(client(first))()
    except AuthenticationError as err:
        if data.get(CONF_URL) is None and await async_works_in_other_region(
            hass, data[CONF_API_KEY], data[CONF_REGION]
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
    for issue in ("wrong_region", "access_denied"):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(entry, issue))
    pools: dict[str, WarmPool[Any]] = {}
    for subentry_id, model in models.items():
        settings = voices[subentry_id].data
        warm = int(settings.get(CONF_WARM_CONNECTIONS, DEFAULT_OPTIONS[CONF_WARM_CONNECTIONS]))
        pools[subentry_id] = pool = WarmPool(
            client(model),
            minimum=warm,
            maximum=MAX_WARM_CONNECTIONS if warm else 0,
            policy=RETRY_POLICY,
        )
        pool.start()
    studio = studio_for(hass, data)
    own = sorted({model.id for model in models.values() if services_for(model.id)})
    breakers: dict[str, Breaker] = {}
    outages = Outages(hass, entry.entry_id, entry.title, breakers)
    for subentry_id, pool in pools.items():
        breakers[subentry_id] = breaker = Breaker(
            connection_probe(pool), policy=RETRY_POLICY, on_change=outages.changed
        )
        pool.on_connect = breaker.heard  # its reconnects hear an outage before a message
    runtime = entry.runtime_data = QwenTtsData(
        pools, studio, AccountVoices(studio, own), RETRY_POLICY, breakers, outages
    )
    if own:
        runtime.refresh_account(hass)

    async def _close_pools(_event: Event) -> None:
        # Home Assistant closes its HTTP session at stop without unloading entries.
        await runtime.close()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _close_pools))
    entry.async_on_unload(entry.add_update_listener(_async_reload))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_reload(hass: HomeAssistant, entry: QwenTtsConfigEntry) -> None:
    """A voice was added, changed or removed: set the entry up again."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_migrate_entry(hass: HomeAssistant, entry: QwenTtsConfigEntry) -> bool:
    """Version 1 kept one voice in the entry's options: it becomes the entry's first voice
    subentry, keeping its entity (and entity id) and its device."""
    if entry.version > 2:
        return False  # a newer version's entry: refuse rather than break it
    if entry.version == 1:
        settings = {**DEFAULT_OPTIONS, **entry.options}
        subentry = ConfigSubentry(
            data=MappingProxyType(settings),
            subentry_type=SUBENTRY_VOICE,
            title=voice_title(catalog.get_model(settings[CONF_MODEL]), settings[CONF_VOICE]),
            unique_id=None,
        )
        hass.config_entries.async_add_subentry(entry, subentry)
        entities = er.async_get(hass)
        if entity_id := entities.async_get_entity_id("tts", DOMAIN, entry.entry_id):
            entities.async_update_entity(
                entity_id,
                config_subentry_id=subentry.subentry_id,
                new_unique_id=subentry.subentry_id,
            )
        _move_device(hass, entry, subentry.subentry_id)
        hass.config_entries.async_update_entry(entry, options={}, version=2)
    return True


def _move_device(hass: HomeAssistant, entry: QwenTtsConfigEntry, subentry_id: str) -> None:
    """Give the entry's device to its first voice subentry (the device registry's API for it
    changed in Home Assistant 2026.10: a device now belongs to one entry and subentry)."""
    devices = dr.async_get(hass)
    identifier = (DOMAIN, entry.entry_id)
    new_identifiers = {(DOMAIN, subentry_id)}
    if hasattr(devices, "async_get_device_by_identifier"):  # Home Assistant 2026.10+
        device = devices.async_get_device_by_identifier(identifier, entry.entry_id)
        if device is not None:
            moved: dict[str, Any] = {"new_config_subentry_id": subentry_id}
            devices.async_update_device(device.id, new_identifiers=new_identifiers, **moved)
        return
    device = devices.async_get_device(identifiers={identifier})
    if device is not None:
        devices.async_update_device(
            device.id,
            add_config_entry_id=entry.entry_id,
            add_config_subentry_id=subentry_id,
            new_identifiers=new_identifiers,
        )
        devices.async_update_device(
            device.id, remove_config_entry_id=entry.entry_id, remove_config_subentry_id=None
        )


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
