"""Config, reauth, reconfigure and options flows of Qwen TTS."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

import voluptuous as vol
from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_API_KEY
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from wyoming_qwentts import catalog
from wyoming_qwentts.core import AuthenticationError, InvalidParameterError, QwenTtsError
from wyoming_qwentts.speech.dashscope import check_workspace

from .const import (
    CONF_CONNECTION,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LEADING_SILENCE,
    CONF_MODEL,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_REGION,
    CONF_TRAILING_SILENCE,
    CONF_URL,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    CONF_WORKSPACE,
    DEFAULT_OPTIONS,
    DOMAIN,
    MAX_SILENCE_MS,
    MAX_WARM_CONNECTIONS,
    PROSODY,
)
from .credentials import async_check_key, async_works_in_other_region
from .options import OPTION_SCHEMA, speech_params

_LOGGER = logging.getLogger(__name__)

_FORM_FIELD = {"voice": (CONF_VOICE, "invalid_voice")}
"""The form field and translated error of a refused parameter (else: the form's base; the
form shows no setting the model does not take)."""


async def async_validate_credentials(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> dict[str, str]:
    """Errors of a key/region/url/workspace combination (empty when it works). Shared by
    every step."""
    region, url = data[CONF_REGION], data.get(CONF_URL) or None
    workspace = data.get(CONF_WORKSPACE) or None
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
    """Add a DashScope key for a region."""

    VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> QwenTtsOptionsFlow:
        """The voice, model and prosody options."""
        return QwenTtsOptionsFlow()

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
                return self.async_create_entry(
                    title=_title(data[CONF_REGION]), data=data, options=dict(DEFAULT_OPTIONS)
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
                return self.async_update_reload_and_abort(
                    entry, data_updates=data, unique_id=_unique_id(data)
                )
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
                return self.async_update_reload_and_abort(
                    entry,
                    title=_title(data[CONF_REGION]),
                    data_updates=data,
                    unique_id=self.unique_id,
                )
        defaults = _entry_data(user_input) if user_input is not None else entry.data
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_credentials_schema(defaults),
            errors=errors,
        )


class QwenTtsOptionsFlow(OptionsFlowWithReload):
    """Model first, then the voice and prosody that model accepts (the entry reloads)."""

    def __init__(self) -> None:
        self._model: catalog.Model | None = None
        self._init: dict[str, Any] = {}

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Pick the model among those of the entry's region, and the warm connections."""
        if user_input is not None:
            self._model = catalog.MODELS[user_input[CONF_MODEL]]
            self._init = {
                CONF_MODEL: self._model.id,
                CONF_WARM_CONNECTIONS: int(user_input[CONF_WARM_CONNECTIONS]),
            }
            return await self.async_step_voice()
        region = self.config_entry.data[CONF_REGION]
        options = [  # grouped by family, as the catalog orders them
            SelectOptionDict(value=model.id, label=catalog.label(model))
            for model in catalog.models_for_region(region)
        ]
        current = {**DEFAULT_OPTIONS, **self.config_entry.options}
        schema = vol.Schema(
            {
                vol.Required(CONF_MODEL): SelectSelector(
                    SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
                ),
                vol.Required(CONF_WARM_CONNECTIONS): NumberSelector(
                    NumberSelectorConfig(
                        min=0, max=MAX_WARM_CONNECTIONS, step=1, mode=NumberSelectorMode.BOX
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init", data_schema=self.add_suggested_values_to_schema(schema, current)
        )

    async def async_step_voice(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Voice, language, prosody, instructions and silence padding."""
        model = self._model
        assert model is not None
        errors: dict[str, str] = {}
        placeholders = {"model": model.id, "message": ""}
        if user_input is not None:
            values = OPTION_SCHEMA({**DEFAULT_OPTIONS, **user_input, **self._init})
            try:
                speech_params(model, values)
            except InvalidParameterError as err:
                field, key = _FORM_FIELD.get(err.field, ("base", "invalid_option"))
                errors[field] = key
                placeholders["message"] = err.message
            else:
                return self.async_create_entry(data=values)
        current = {**DEFAULT_OPTIONS, **self.config_entry.options, **(user_input or {})}
        if current[CONF_VOICE] not in model.voice_ids and not model.custom_voices:
            current[CONF_VOICE] = model.default_voice
        return self.async_show_form(
            step_id="voice",
            data_schema=self.add_suggested_values_to_schema(_voice_schema(model), current),
            errors=errors,
            description_placeholders=placeholders,
        )


def _number(low: float, high: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.SLIDER)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def _voice_schema(model: catalog.Model) -> vol.Schema:
    """The voice step: the model's voices and languages, and only the settings it takes."""
    voices = [SelectOptionDict(value=voice.id, label=voice.display_name) for voice in model.voices]
    fields: dict[vol.Marker, Any] = {
        vol.Required(CONF_VOICE): SelectSelector(
            SelectSelectorConfig(
                options=voices, custom_value=model.custom_voices, mode=SelectSelectorMode.DROPDOWN
            )
        ),
    }
    languages = [name for name, code in catalog.LANGUAGE_TYPES.items() if code in model.languages]
    if languages:
        fields[vol.Required(CONF_LANGUAGE_TYPE)] = SelectSelector(
            SelectSelectorConfig(
                options=["Auto", *languages],
                translation_key=CONF_LANGUAGE_TYPE,
                mode=SelectSelectorMode.DROPDOWN,
            )
        )
    for key, name in PROSODY.items():
        if (bounds := model.ranges.get(name)) is not None:
            step = 1 if bounds.integer else 0.05
            fields[vol.Required(key)] = _number(bounds.low, bounds.high, step)
    if "instructions" in model.options:
        fields[vol.Optional(CONF_INSTRUCTIONS)] = TextSelector(TextSelectorConfig(multiline=True))
    if "optimize_instructions" in model.options:
        fields[vol.Required(CONF_OPTIMIZE_INSTRUCTIONS)] = BooleanSelector()
    fields[vol.Required(CONF_LEADING_SILENCE)] = _number(0, MAX_SILENCE_MS, 50, "ms")
    fields[vol.Required(CONF_TRAILING_SILENCE)] = _number(0, MAX_SILENCE_MS, 50, "ms")
    return vol.Schema(fields)
