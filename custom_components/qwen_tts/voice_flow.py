"""The voice subentry flow: *Add voice* (a system voice, one of the account's own, a clone
of a recording, or a voice designed from a description) and *Reconfigure* (a voice's
settings). Each voice subentry has its own TTS entity."""

from __future__ import annotations

import asyncio
from typing import Any

import voluptuous as vol
from homeassistant.components.file_upload import process_uploaded_file
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigSubentryFlow,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.selector import (
    FileSelector,
    FileSelectorConfig,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from wyoming_qwentts import catalog
from wyoming_qwentts.catalog.customization import CLONING, DESIGN, services_for
from wyoming_qwentts.core import InvalidParameterError, QwenTtsError, VoiceQuotaError
from wyoming_qwentts.enrollment import (
    CustomVoice,
    Recording,
    RecordingError,
    check_name,
    read_recording,
)

from .const import (
    CONF_DESCRIPTION,
    CONF_LANGUAGE,
    CONF_MODEL,
    CONF_NAME,
    CONF_PREVIEW_TEXT,
    CONF_RECORDING,
    CONF_REGION,
    CONF_TRANSCRIPT,
    CONF_VOICE,
    CONF_WARM_CONNECTIONS,
    DEFAULT_OPTIONS,
)
from .data import QwenTtsData, voice_title
from .options import OPTION_SCHEMA, speech_params
from .settings_form import settings_schema

_FORM_FIELD = {"voice": (CONF_VOICE, "invalid_voice")}
"""The form field and translated error of a refused parameter (else: the form's base; the
form shows no setting the model does not take)."""
MENU = ["system", "account", "clone", "design"]


def _read_upload(hass: HomeAssistant, file_id: str) -> Recording:
    """The uploaded file, measured (in the executor: it reads a file)."""
    with process_uploaded_file(hass, file_id) as path:
        return read_recording(path.read_bytes(), path.name)


class VoiceSubentryFlow(ConfigSubentryFlow):
    """Adds a voice or changes one's settings."""

    def __init__(self) -> None:
        self._model: catalog.Model | None = None
        self._own: tuple[CustomVoice, ...] = ()
        """The account's voices the settings step offers (besides the system voices)."""
        self._voice: str | None = None
        self._made: CustomVoice | None = None
        self._deploying: asyncio.Task[CustomVoice] | None = None
        self._failure = ""

    @property
    def _runtime(self) -> QwenTtsData:
        return self._get_entry().runtime_data  # type: ignore[no-any-return]

    def _models(self, wanted: Any) -> list[SelectOptionDict]:
        region = self._get_entry().data[CONF_REGION]
        return [
            SelectOptionDict(value=model.id, label=catalog.label(model))
            for model in catalog.models_for_region(region)
            if wanted(model)
        ]

    def _model_field(self, wanted: Any) -> dict[vol.Marker, Any]:
        options = self._models(wanted)
        return {
            vol.Required(CONF_MODEL, default=options[0]["value"]): SelectSelector(
                SelectSelectorConfig(options=options, mode=SelectSelectorMode.DROPDOWN)
            )
        }

    # Adding ------------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> SubentryFlowResult:
        """What kind of voice to add."""
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        return self.async_show_menu(step_id="user", menu_options=MENU)

    async def async_step_system(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A system voice: first the model."""
        if user_input is not None:
            self._model = catalog.get_model(user_input[CONF_MODEL])
            return await self.async_step_settings()
        schema = vol.Schema(self._model_field(lambda model: model.voices))
        return self.async_show_form(step_id="system", data_schema=schema)

    async def async_step_account(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """One of the account's own voices: the model, then its voices, listed live."""
        errors: dict[str, str] = {}
        placeholders = {"message": ""}
        if user_input is not None:
            model = catalog.get_model(user_input[CONF_MODEL])
            try:
                found = await self._runtime.studio.voices(model.id)
            except QwenTtsError as err:
                errors["base"] = "customization_failed"
                placeholders["message"] = str(err)
            else:
                self._own = tuple(voice for voice in found if voice.ready)
                if self._own:
                    self._model, self._voice = model, self._own[0].id
                    return await self.async_step_settings()
                errors[CONF_MODEL] = "no_account_voices"
        schema = vol.Schema(self._model_field(lambda model: services_for(model.id)))
        return self._form("account", schema, user_input, errors, placeholders)

    async def async_step_clone(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Clone a voice from an uploaded recording (checked before anything is sent)."""
        errors: dict[str, str] = {}
        placeholders = {"message": ""}
        if user_input is not None:
            model = catalog.get_model(user_input[CONF_MODEL])
            try:
                # The name first: reading the upload uses it up, and a mistyped name should
                # not cost the user their file.
                check_name(CLONING[model.id], user_input[CONF_NAME])
                recording = await self.hass.async_add_executor_job(
                    _read_upload, self.hass, user_input[CONF_RECORDING]
                )
                made = await self._runtime.studio.clone(
                    model.id,
                    user_input[CONF_NAME],
                    recording,
                    language=user_input.get(CONF_LANGUAGE) or None,
                    transcript=user_input.get(CONF_TRANSCRIPT) or None,
                )
            except QwenTtsError as err:
                self._form_error(err, errors, placeholders)
            except ValueError:  # Home Assistant no longer has the upload
                errors[CONF_RECORDING] = "upload_missing"
            else:
                return await self._deploy(model, made)
        schema = vol.Schema(
            {
                **self._model_field(lambda model: model.id in CLONING),
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_RECORDING): FileSelector(FileSelectorConfig(accept="audio/*")),
                vol.Optional(CONF_LANGUAGE): TextSelector(),
                vol.Optional(CONF_TRANSCRIPT): TextSelector(TextSelectorConfig(multiline=True)),
            }
        )
        return self._form("clone", schema, user_input, errors, placeholders)

    async def async_step_design(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Design a voice from a description (the service also makes a preview clip)."""
        errors: dict[str, str] = {}
        placeholders = {"message": ""}
        if user_input is not None:
            model = catalog.get_model(user_input[CONF_MODEL])
            try:
                designed = await self._runtime.studio.design(
                    model.id,
                    user_input[CONF_NAME],
                    user_input[CONF_DESCRIPTION],
                    user_input[CONF_PREVIEW_TEXT],
                    language=user_input.get(CONF_LANGUAGE) or None,
                )
            except QwenTtsError as err:
                self._form_error(err, errors, placeholders)
            else:
                return await self._deploy(model, designed.voice)
        schema = vol.Schema(
            {
                **self._model_field(lambda model: model.id in DESIGN),
                vol.Required(CONF_NAME): TextSelector(),
                vol.Required(CONF_DESCRIPTION): TextSelector(TextSelectorConfig(multiline=True)),
                vol.Required(CONF_PREVIEW_TEXT): TextSelector(),
                vol.Optional(CONF_LANGUAGE): TextSelector(),
            }
        )
        return self._form("design", schema, user_input, errors, placeholders)

    def _form(
        self,
        step_id: str,
        schema: vol.Schema,
        user_input: dict[str, Any] | None,
        errors: dict[str, str],
        placeholders: dict[str, str],
    ) -> SubentryFlowResult:
        """A step's form again, with what was typed (an upload must be chosen again)."""
        typed = {k: v for k, v in (user_input or {}).items() if k != CONF_RECORDING}
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, typed),
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    def _form_error(
        err: QwenTtsError, errors: dict[str, str], placeholders: dict[str, str]
    ) -> None:
        """A library error as the form's error (translated by its kind, with its message)."""
        placeholders["message"] = str(err)
        if isinstance(err, RecordingError):
            errors[CONF_RECORDING] = f"recording_{err.problem}"
        elif isinstance(err, InvalidParameterError) and err.field == "name":
            errors[CONF_NAME] = "invalid_name"
        elif isinstance(err, VoiceQuotaError):
            errors["base"] = "voice_quota"
        else:
            errors["base"] = "customization_failed"

    async def _deploy(self, model: catalog.Model, made: CustomVoice) -> SubentryFlowResult:
        self._model, self._made, self._voice, self._own = model, made, made.id, (made,)
        if made.ready:
            return await self.async_step_settings()
        return await self.async_step_deploy()

    async def async_step_deploy(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Wait, with a progress screen, until a new voice is usable."""
        assert self._made is not None
        if self._deploying is None:
            self._deploying = self.hass.async_create_task(self._runtime.studio.wait(self._made.id))
        if not self._deploying.done():
            return self.async_show_progress(
                step_id="deploy",
                progress_action="deploying",
                progress_task=self._deploying,
                description_placeholders={"voice": self._made.id},
            )
        try:
            self._deploying.result()
        except QwenTtsError as err:
            self._failure = str(err)
            return self.async_show_progress_done(next_step_id="deploy_failed")
        return self.async_show_progress_done(next_step_id="settings")

    async def async_step_deploy_failed(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The new voice did not become usable."""
        return self.async_abort(
            reason="deploy_failed", description_placeholders={"message": self._failure}
        )

    # Changing ----------------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A voice's settings (its model stays: a voice belongs to one model)."""
        if self._get_entry().state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        subentry = self._get_reconfigure_subentry()
        self._model = catalog.get_model(subentry.data[CONF_MODEL])
        self._own = self._runtime.account_voices(self._model)
        if services_for(self._model.id):
            try:
                found = await self._runtime.studio.voices(self._model.id)
                self._own = tuple(voice for voice in found if voice.ready)
            except QwenTtsError:
                pass  # the last list read stands
        return await self.async_step_settings()

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Voice, language, prosody, instructions, silence padding, warm connections."""
        model = self._model
        assert model is not None
        errors: dict[str, str] = {}
        placeholders = {"model": model.id, "message": ""}
        if user_input is not None:
            values = OPTION_SCHEMA({**DEFAULT_OPTIONS, **user_input, CONF_MODEL: model.id})
            values[CONF_WARM_CONNECTIONS] = int(values[CONF_WARM_CONNECTIONS])
            try:
                speech_params(model, values)
            except InvalidParameterError as err:
                field, key = _FORM_FIELD.get(err.field, ("base", "invalid_option"))
                errors[field] = key
                placeholders["message"] = err.message
            else:
                title = self._title(model, values[CONF_VOICE])
                if self.source == SOURCE_USER:
                    return self.async_create_entry(title=title, data=values)
                return self.async_update_and_abort(
                    self._get_entry(), self._get_reconfigure_subentry(), data=values, title=title
                )
        current = {**DEFAULT_OPTIONS}
        if self.source != SOURCE_USER:
            current.update(self._get_reconfigure_subentry().data)
        current[CONF_VOICE] = self._voice or current[CONF_VOICE]
        if current[CONF_VOICE] not in model.voice_ids and not model.custom_voices:
            current[CONF_VOICE] = model.default_voice
        current.update(user_input or {})
        return self.async_show_form(
            step_id="settings",
            data_schema=self.add_suggested_values_to_schema(
                settings_schema(self.hass, model, self._own, self._get_entry().entry_id), current
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    def _title(self, model: catalog.Model, voice: str) -> str:
        own = next((entry for entry in self._own if entry.id == voice), None)
        return voice_title(model, voice, own.name if own else None)
