"""The client of Model Studio's customization API: the account's cloned and designed voices.

Both families of the API behind one face: ``voice-enrollment`` (CosyVoice, Qwen-Audio-3.0:
clone, design, list, query, update, delete) and the Qwen3 services
(``qwen-voice-enrollment`` clones for the VC models, ``qwen-voice-design`` designs for the
VD models). Which one a call goes to follows from the model (:mod:`..catalog.customization`)
or, for an existing voice, from its id. A recording is checked before it is uploaded. The
key lives in the request headers only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

import aiohttp

from .. import catalog
from ..catalog.customization import (
    CLONING,
    DESIGN,
    DESIGN_LIMITS,
    QWEN_VOICE_DESIGN,
    QWEN_VOICE_ENROLLMENT,
    SERVICES,
    VOICE_ENROLLMENT,
    service_of_voice,
    services_for,
)
from ..core.errors import (
    InvalidParameterError,
    ProtocolError,
    QwenTimeoutError,
    VoiceNotReadyError,
)
from ..speech.dashscope import headers, transport_error
from . import wire
from .recording import Recording, check_recording
from .voices import DEPLOYING, CustomVoice, DesignedVoice, check_name, designed_from, voice_from

PAGE_SIZE: Final = 10
"""Voices per listing page (the size the vendor documents)."""
_ACTIONS: Final = {
    VOICE_ENROLLMENT: {
        "create": "create_voice",
        "list": "list_voice",
        "query": "query_voice",
        "update": "update_voice",
        "delete": "delete_voice",
    },
    QWEN_VOICE_ENROLLMENT: {"create": "create", "list": "list", "delete": "delete"},
    QWEN_VOICE_DESIGN: {"create": "create", "list": "list", "query": "query", "delete": "delete"},
}
_ID_FIELD: Final = {VOICE_ENROLLMENT: "voice_id"}
"""The input field naming a voice (``voice`` where not listed)."""


def _supported(table: Mapping[str, str], model: str, what: str) -> str:
    catalog.get_model(model)
    if model not in table:
        raise InvalidParameterError(
            "model",
            f"{model} does not take {what} voices; models that do: {', '.join(table)}.",
            tuple(table),
        )
    return table[model]


def _new_id(output: dict[str, Any], field: str) -> str:
    """The id of a voice just made (ProtocolError if the answer has none)."""
    voice_id = output.get(field)
    if not isinstance(voice_id, str) or not voice_id:
        raise ProtocolError(f"The service answered without the new voice's {field}.")
    return voice_id


def _audio(recording: Recording | str, service: str) -> str:
    """What the service takes as a recording: a checked file as a data URI, or a URL."""
    if isinstance(recording, Recording):
        check_recording(recording, service)
        return recording.data_uri()
    if recording.startswith(("https://", "http://")):
        return recording
    raise InvalidParameterError(
        "recording", "A recording is an audio file or the http(s) URL of a public one."
    )


class CustomizationClient:
    """Makes, lists and removes the account's voices (one key, one region).

    ``url`` is any synthesis URL of the host to use (the simulator, a proxy): the API is
    served on its host, over ``http`` for ``ws`` and ``https`` for ``wss``.
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        api_key: str,
        *,
        region: str = catalog.DEFAULT_REGION,
        url: str | None = None,
        workspace: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        if not api_key:
            raise ValueError("An API key is required")
        self.region = catalog.get_region(region).id
        self.url = wire.endpoint(self.region, workspace=workspace, url=url)
        self.timeout = timeout
        self._http = http
        self._headers = headers(api_key, workspace)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} url={self.url}>"

    async def _call(
        self,
        service: str,
        action: str,
        fields: dict[str, Any],
        parameters: dict[str, Any] | None = None,
        *,
        subject: str,
    ) -> dict[str, Any]:
        body = wire.event(service, _ACTIONS[service][action], fields, parameters)
        try:
            async with asyncio.timeout(self.timeout):
                async with self._http.post(self.url, json=body, headers=self._headers) as answer:
                    try:
                        payload = await answer.json(content_type=None)
                    except ValueError:
                        payload = None
                    status = answer.status
        except TimeoutError:
            raise QwenTimeoutError("customization", self.timeout) from None
        except (aiohttp.ClientError, OSError) as err:
            raise transport_error(err, self.url) from None
        if status != 200 or (isinstance(payload, dict) and payload.get("code")):
            raise wire.error_from_response(
                status if status != 200 else 400, payload, region=self.region, subject=subject
            )
        return wire.output_of(payload)

    # Making voices -----------------------------------------------------------------------

    async def clone(
        self,
        model: str,
        name: str,
        recording: Recording | str,
        *,
        language: str | None = None,
        transcript: str | None = None,
    ) -> CustomVoice:
        """Clone a voice for ``model`` from ``recording`` (a checked file, uploaded inline,
        or the URL of a public one). A CosyVoice or Qwen-Audio voice is ``DEPLOYING`` at
        first (:meth:`wait` for it); a Qwen3 VC voice is ready at once, ``warning`` set
        when the service made a degraded clone."""
        service = _supported(CLONING, model, "cloned")
        check_name(service, name)
        audio = _audio(recording, service)
        if service == VOICE_ENROLLMENT:
            fields: dict[str, Any] = {"target_model": model, "prefix": name, "url": audio}
            if language:
                fields["language_hints"] = [language]
            output = await self._call(service, "create", fields, subject=model)
            return CustomVoice(_new_id(output, "voice_id"), model, DEPLOYING, name, language)
        fields = {"target_model": model, "preferred_name": name, "audio": {"data": audio}}
        optional = {"text": transcript, "language": language}
        fields |= {key: value for key, value in optional.items() if value}
        output = await self._call(service, "create", fields, subject=model)
        warning = None
        if output.get("fallback_mode"):
            reason = output.get("fallback_reason") or "unknown reason"
            warning = (
                f"The service made a degraded clone ({reason}): for a better one, record "
                "10–20 s of one person speaking clearly (and give a transcript that matches)."
            )
        voice = _new_id(output, "voice")
        return CustomVoice(voice, model, name=name, language=language, warning=warning)

    async def design(
        self,
        model: str,
        name: str,
        description: str,
        preview_text: str,
        *,
        language: str | None = None,
        sample_rate: int = 24000,
        audio_format: str = "wav",
    ) -> DesignedVoice:
        """Design a voice for ``model`` from a description, with a preview clip of
        ``preview_text`` (``audio_format`` at ``sample_rate`` Hz)."""
        service = _supported(DESIGN, model, "designed")
        check_name(service, name)
        longest = DESIGN_LIMITS.get(service)
        for field, text, limit in (
            ("description", description, longest[0] if longest else None),
            ("preview_text", preview_text, longest[1] if longest else None),
        ):
            if not text.strip():
                raise InvalidParameterError(field, f"The {field.replace('_', ' ')} is empty.")
            if limit is not None and len(text) > limit:
                raise InvalidParameterError(
                    field,
                    f"The {field.replace('_', ' ')} has {len(text)} characters: at most "
                    f"{limit} for {model}.",
                )
        fields: dict[str, Any] = {
            "target_model": model,
            "voice_prompt": description,
            "preview_text": preview_text,
        }
        if service == VOICE_ENROLLMENT:
            fields["prefix"] = name
            if language:
                fields["language_hints"] = [language]
        else:
            fields["preferred_name"] = name
            if language:
                fields["language"] = language
        parameters = {"sample_rate": sample_rate, "response_format": audio_format}
        output = await self._call(service, "create", fields, parameters, subject=model)
        voice_id = _new_id(output, "voice_id" if service == VOICE_ENROLLMENT else "voice")
        status = DEPLOYING if service == VOICE_ENROLLMENT else "OK"
        return designed_from(output, CustomVoice(voice_id, model, status, name, language))

    # The account's voices ----------------------------------------------------------------

    async def voices(self, *models: str) -> tuple[CustomVoice, ...]:
        """The account's voices (every page), of ``models`` only if some are given."""
        wanted = {catalog.get_model(model).id for model in models}
        services = {service for model in wanted for service in services_for(model)}
        found: list[CustomVoice] = []
        for service in SERVICES:
            if not wanted or service in services:
                found.extend(await self._list(service))
        return tuple(voice for voice in found if not wanted or voice.model in wanted)

    async def _list(self, service: str) -> list[CustomVoice]:
        found: list[CustomVoice] = []
        page = 0
        while True:
            fields = {"page_index": page, "page_size": PAGE_SIZE}
            output = await self._call(service, "list", fields, subject=service)
            listed = output.get("voice_list")
            entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
            found.extend(voice_from(entry) for entry in entries)
            total = output.get("total_count")
            if len(entries) < PAGE_SIZE or (isinstance(total, int) and len(found) >= total):
                return found
            page += 1

    async def voice(self, voice_id: str) -> CustomVoice:
        """One voice of the account, with its status."""
        service = service_of_voice(voice_id)
        if "query" not in _ACTIONS[service]:  # qwen-voice-enrollment has list, not query
            for voice in await self._list(service):
                if voice.id == voice_id:
                    return voice
            raise InvalidParameterError("voice", f"This account has no voice {voice_id!r}.")
        field = _ID_FIELD.get(service, "voice")
        output = await self._call(service, "query", {field: voice_id}, subject=voice_id)
        return voice_from(output, voice_id=voice_id)

    async def update(self, voice_id: str, recording: Recording | str) -> CustomVoice:
        """Give a CosyVoice or Qwen-Audio voice a new recording (it deploys again)."""
        if service_of_voice(voice_id) != VOICE_ENROLLMENT:
            raise InvalidParameterError(
                "voice",
                f"{voice_id!r} is a Qwen3 voice, which cannot be updated: clone a new voice "
                "and delete this one.",
            )
        fields = {"voice_id": voice_id, "url": _audio(recording, VOICE_ENROLLMENT)}
        await self._call(VOICE_ENROLLMENT, "update", fields, subject=voice_id)
        return await self.voice(voice_id)

    async def delete(self, voice_id: str) -> None:
        """Delete a voice of the account (its quota is released)."""
        service = service_of_voice(voice_id)
        field = _ID_FIELD.get(service, "voice")
        await self._call(service, "delete", {field: voice_id}, subject=voice_id)

    async def wait(
        self,
        voice_id: str,
        *,
        timeout: float = 300.0,  # noqa: ASYNC109 (a deadline over many requests)
        interval: float = 2.0,
        progress: Callable[[CustomVoice], None] | None = None,
    ) -> CustomVoice:
        """Poll a voice until it is ``OK`` (as the vendor's sample does: every 2 s, at most
        300 s); ``progress`` sees each status read. Raise VoiceNotReadyError if it is still
        deploying after ``timeout`` s or failed to deploy."""
        deadline = time.monotonic() + timeout
        while True:
            voice = await self.voice(voice_id)
            if progress is not None:
                progress(voice)
            if voice.ready:
                return voice
            if voice.status != DEPLOYING:
                raise VoiceNotReadyError(
                    voice_id,
                    voice.status,
                    f"Voice {voice_id!r} failed to deploy (status {voice.status}): delete it "
                    "and clone again from a clearer recording.",
                )
            if time.monotonic() + interval > deadline:
                raise VoiceNotReadyError(
                    voice_id,
                    voice.status,
                    f"Voice {voice_id!r} is still deploying after {timeout:g} s: wait a "
                    f"little longer (wyoming-qwentts voice wait {voice_id}).",
                )
            await asyncio.sleep(interval)
