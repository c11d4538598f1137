"""The form of a voice's settings: only what its model takes, and its fallback."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from wyoming_qwentts import catalog
from wyoming_qwentts.core.chime import BUILT_IN
from wyoming_qwentts.enrollment import CustomVoice, offered_voices
from wyoming_qwentts.speech.announcement import LOUDNESS_RANGE

from .const import (
    CONF_CHIME,
    CONF_FALLBACK,
    CONF_INSTRUCTIONS,
    CONF_LANGUAGE_TYPE,
    CONF_LEADING_SILENCE,
    CONF_LOUDNESS,
    CONF_OPTIMIZE_INSTRUCTIONS,
    CONF_TRAILING_SILENCE,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    MAX_SILENCE_MS,
    MAX_WARM_CONNECTIONS,
    PROSODY,
)


def _number(low: float, high: float, step: float, unit: str | None = None) -> NumberSelector:
    config = NumberSelectorConfig(min=low, max=high, step=step, mode=NumberSelectorMode.SLIDER)
    if unit is not None:
        config["unit_of_measurement"] = unit
    return NumberSelector(config)


def settings_schema(
    hass: HomeAssistant, model: catalog.Model, own: tuple[CustomVoice, ...], entry_id: str
) -> vol.Schema:
    """The model's voices (system, then the account's), its languages, only the settings it
    takes, and a fallback among the TTS entities other than the entry ``entry_id``'s own."""
    voices = [
        SelectOptionDict(value=voice.id, label=voice.display_name)
        for voice in offered_voices(model, own)
    ]
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
    fields[vol.Optional(CONF_CHIME)] = SelectSelector(
        SelectSelectorConfig(
            options=list(BUILT_IN), custom_value=True, mode=SelectSelectorMode.DROPDOWN,
            translation_key=CONF_CHIME,
        )
    )  # fmt: skip
    low, high = LOUDNESS_RANGE
    fields[vol.Optional(CONF_LOUDNESS)] = _number(low, high, 0.5, "LUFS")
    fields[vol.Required(CONF_WARM_CONNECTIONS)] = NumberSelector(
        NumberSelectorConfig(min=0, max=MAX_WARM_CONNECTIONS, step=1, mode=NumberSelectorMode.BOX)
    )
    own_entities = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    ]  # a voice of the same account fails when it does: not a fallback
    fields[vol.Optional(CONF_FALLBACK)] = EntitySelector(
        EntitySelectorConfig(domain="tts", exclude_entities=own_entities)
    )
    return vol.Schema(fields)
