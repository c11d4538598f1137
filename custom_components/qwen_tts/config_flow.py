"""Config, reauth and reconfigure flows of Qwen TTS (the key, its region and endpoints);
its voices are subentries, added and changed in :mod:`.voice_flow`."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryData,
    ConfigSubentryFlow,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from wyoming_qwentts import catalog
from wyoming_qwentts.core import AuthenticationError, InvalidParameterError, QwenTtsError
from wyoming_qwentts.speech.dashscope import check_url, check_workspace

from .const import (
    CONF_CONNECTION,
    CONF_REGION,
    CONF_URL,
    CONF_WORKSPACE,
    DEFAULT_MODEL,
    DEFAULT_OPTIONS,
    DOMAIN,
    SUBENTRY_VOICE,
)
from .credentials import async_check_key, async_works_in_other_region
from .data import QwenTtsConfigEntry, voice_title
from .voice_flow import VoiceSubentryFlow

_LOGGER = logging.getLogger(__name__)


async def async_validate_credentials(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> dict[str, str]:
    """Errors of a key/region/url/workspace combination (empty when it works). Shared by
    every step."""
    region, url = data[CONF_REGION], data.get(CONF_URL) or None
    workspace = data.get(CONF_WORKSPACE) or None
    if url is not None:
        try:
            check_url(url)
        except InvalidParameterError:
            return {"base": "invalid_url"}
    if workspace is not None:
        try:
            check_workspace(workspace)
        except ValueError:
            return {"base": "invalid_workspace"}
    try:
        await async_check_key(hass, data[CONF_API_KEY], region, url, workspace)
    except AuthenticationError:
        if url is None and await async_works_in_other_region(hass, data[CONF_API_KEY], region):
            return {"base": "wrong_region"}
        return {"base": "invalid_auth"}
    except QwenTtsError as err:
        _LOGGER.debug("Cannot connect: %s", err)
        return {"base": "cannot_connect"}
    except Exception:
        _LOGGER.exception("Unexpected error checking the key")
        return {"base": "unknown"}
    return {}


def _unique_id(data: Mapping[str, Any]) -> str:
    """One entry per key and region (the key itself is never stored in the id)."""
    digest = hashlib.sha256(data[CONF_API_KEY].encode()).hexdigest()[:16]
    return f"{data[CONF_REGION]}-{digest}"


def _credentials_schema(defaults: Mapping[str, Any], *, key_only: bool = False) -> vol.Schema:
    """Key and region; the workspace and the endpoint URL (a proxy) in a collapsed section."""
    fields: dict[Any, Any] = {
        vol.Required(CONF_API_KEY): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
    if not key_only:
        fields[
            vol.Required(CONF_REGION, default=defaults.get(CONF_REGION, catalog.DEFAULT_REGION))
        ] = SelectSelector(
            SelectSelectorConfig(options=list(catalog.REGIONS), translation_key=CONF_REGION)
        )
        workspace = vol.Optional(
            CONF_WORKSPACE, description={"suggested_value": defaults.get(CONF_WORKSPACE)}
        )
        url = vol.Optional(CONF_URL, description={"suggested_value": defaults.get(CONF_URL)})
        fields[vol.Optional(CONF_CONNECTION)] = section(
            vol.Schema(
                {
                    workspace: TextSelector(),
                    url: TextSelector(TextSelectorConfig(type=TextSelectorType.URL)),
                }
            ),
            {"collapsed": True},
        )
    return vol.Schema(fields)


def _entry_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """The form's answers as entry data: the section's workspace and URL at the top (None:
    none, and the region's endpoint)."""
    data = {key: value for key, value in user_input.items() if key != CONF_CONNECTION}
    connection = user_input.get(CONF_CONNECTION) or {}
    data[CONF_WORKSPACE] = (connection.get(CONF_WORKSPACE) or "").strip() or None
    data[CONF_URL] = connection.get(CONF_URL) or None
    return data


def _title(region: str) -> str:
    return f"Qwen TTS {catalog.REGIONS[region].name}"


class QwenTtsConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a DashScope key for a region, with a first voice (the default model's first)."""

    VERSION = 2

    @classmethod
    @callback
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry[Any]
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Voices: each one a subentry with its own TTS entity."""
        return {SUBENTRY_VOICE: VoiceSubentryFlow}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Key and region."""
        errors: dict[str, str] = {}
        data: dict[str, Any] = {}
        if user_input is not None:
            data = _entry_data(user_input)
            await self.async_set_unique_id(_unique_id(data))
            self._abort_if_unique_id_configured()
            errors = await async_validate_credentials(self.hass, data)
            if not errors:
                model = catalog.get_model(DEFAULT_MODEL)
                first = ConfigSubentryData(
                    data=dict(DEFAULT_OPTIONS),
                    subentry_type=SUBENTRY_VOICE,
                    title=voice_title(model, model.default_voice),
                    unique_id=None,
                )
                return self.async_create_entry(
                    title=_title(data[CONF_REGION]), data=data, subentries=[first]
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_credentials_schema(data), data),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The key was rejected."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """A new key for the same region."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_API_KEY: user_input[CONF_API_KEY]}
            errors = await async_validate_credentials(self.hass, data)
            if not errors:
                return self._store_and_abort(entry, data=data, unique_id=_unique_id(data))
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=_credentials_schema(entry.data, key_only=True),
            description_placeholders={"region": catalog.REGIONS[entry.data[CONF_REGION]].name},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change key or region."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _entry_data(user_input)
            await self.async_set_unique_id(_unique_id(data))
            if self.unique_id != entry.unique_id:
                self._abort_if_unique_id_configured()
            errors = await async_validate_credentials(self.hass, data)
            if not errors:
                return self._store_and_abort(
                    entry,
                    title=_title(data[CONF_REGION]),
                    data={**entry.data, **data},
                    unique_id=self.unique_id,
                )
        defaults = _entry_data(user_input) if user_input is not None else entry.data
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_credentials_schema(defaults),
            errors=errors,
        )

    def _store_and_abort(self, entry: QwenTtsConfigEntry, **changes: Any) -> ConfigFlowResult:
        """Store the checked credentials, set the entry up again with them, and finish.

        A loaded entry's update listener reloads it after a change; an entry that failed to
        set up (no listener) or an unchanged one (the same key, accepted again) reloads here.
        """
        changed = self.hass.config_entries.async_update_entry(entry, **changes)
        if not (changed and entry.state is ConfigEntryState.LOADED):
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
        if self.source == SOURCE_RECONFIGURE:
            return self.async_abort(reason="reconfigure_successful")
        return self.async_abort(reason="reauth_successful")
