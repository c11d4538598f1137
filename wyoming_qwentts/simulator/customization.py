"""The simulator's customization API: the account's cloned and designed voices.

``POST /api/v1/services/audio/tts/customization`` with the vendor's envelope, for its three
services: ``voice-enrollment`` (CosyVoice, Qwen-Audio-3.0: ``create_voice`` from a
recording or, with ``voice_prompt``, a design; ``list_voice``, ``query_voice``,
``update_voice``, ``delete_voice``), ``qwen-voice-enrollment`` (Qwen3 VC: ``create``,
``list``, ``delete``) and ``qwen-voice-design`` (Qwen3 VD: ``create`` with a preview clip,
``list``, ``query``, ``delete``). The documented rules are kept: names, recordings, a voice
bound to its ``target_model``, ``DEPLOYING`` then ``OK``; the disputed ones are knobs of
:class:`~.options.SimulatorOptions`. Voices live as long as the simulator.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final

import pybase64

from ..catalog.customization import (
    CLONING,
    DESIGN,
    DESIGN_LIMITS,
    NAME_RULES,
    QWEN_VOICE_DESIGN,
    QWEN_VOICE_ENROLLMENT,
    VOICE_ENROLLMENT,
)
from ..core.pcm import wav_header
from ..enrollment.recording import RecordingError, checked_recording
from .options import HANDSHAKE_BODIES, SimulatorOptions, new_id
from .voice import decode_wav, synthesize

PATH: Final = "/api/v1/services/audio/tts/customization"
_DATA_URI: Final = re.compile(r"data:(audio/[a-z0-9.+-]+);base64,(.*)", re.DOTALL)
_PREVIEW_RATES: Final = (8000, 16000, 24000, 48000)
_RECORDING_CODES: Final = {
    "format": "Audio.FormatError",
    "bits": "Audio.FormatError",
    "sample_rate": "Audio.AudioRateError",
    "too_short": "Audio.AudioShortError",
    "too_long": "Audio.AudioLongError",
    "too_large": "Audio.AudioSizeError",
}
QUOTA_BODY: Final = ("BadRequest.TooManyVoices", "The number of voices reached the upper limit.")
"""The answer to a creation beyond ``voice_quota`` (the service's exact code is unconfirmed)."""


class Refusal(Exception):
    """A request the service refuses: HTTP ``status`` with the body's code and message."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(slots=True)
class StoredVoice:
    """A voice of the simulated account."""

    id: str
    service: str
    target_model: str
    language: str | None
    created: str
    ready_at: float
    """Monotonic time it becomes usable."""
    final_status: str = "OK"

    def status(self) -> str:
        """``DEPLOYING`` until ``ready_at``, then its final status."""
        return self.final_status if time.monotonic() >= self.ready_at else "DEPLOYING"


class SimulatedAccount:
    """The simulated account's voices, by id."""

    def __init__(self) -> None:
        self.voices: dict[str, StoredVoice] = {}

    def speaks(self, voice_id: str, model_id: str) -> bool:
        """Whether synthesis with ``model_id`` may use ``voice_id``: it exists, is ``OK``
        and is bound to that model."""
        voice = self.voices.get(voice_id)
        return voice is not None and voice.target_model == model_id and voice.status() == "OK"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _text(fields: dict[str, Any], name: str, limit: int | None = None) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Refusal("InvalidParameter", f"Missing required parameter: {name}.")
    if limit is not None and len(value) > limit:
        raise Refusal("InvalidParameter", f"{name} exceeds {limit} characters.")
    return value


class CustomizationService:
    """Answers the customization API's requests for one simulator."""

    def __init__(self, options: SimulatorOptions, account: SimulatedAccount) -> None:
        self._options = options
        self._account = account
        self.requests: deque[tuple[str, str]] = deque(maxlen=1000)
        """The service and action of each authenticated request (the latest thousand)."""
        self._actions: dict[tuple[str, str], Callable[[dict[str, Any], dict[str, Any]], Any]] = {
            (VOICE_ENROLLMENT, "create_voice"): self._create_voice,
            (VOICE_ENROLLMENT, "list_voice"): self._list_voice,
            (VOICE_ENROLLMENT, "query_voice"): self._query_voice,
            (VOICE_ENROLLMENT, "update_voice"): self._update_voice,
            (VOICE_ENROLLMENT, "delete_voice"): self._delete,
            (QWEN_VOICE_ENROLLMENT, "create"): self._create_clone,
            (QWEN_VOICE_ENROLLMENT, "list"): partial(self._list, QWEN_VOICE_ENROLLMENT),
            (QWEN_VOICE_ENROLLMENT, "delete"): self._delete,
            (QWEN_VOICE_DESIGN, "create"): self._create_design,
            (QWEN_VOICE_DESIGN, "list"): partial(self._list, QWEN_VOICE_DESIGN),
            (QWEN_VOICE_DESIGN, "query"): self._query,
            (QWEN_VOICE_DESIGN, "delete"): self._delete,
        }

    def answer(self, authorization: str, body: Any) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON body of one request."""
        request_id = new_id("")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self._options.api_key.encode()
        ):
            code, message = HANDSHAKE_BODIES[401]
            return 401, {"request_id": request_id, "code": code, "message": message}
        try:
            if not isinstance(body, dict) or not isinstance(body.get("input"), dict):
                raise Refusal("InvalidParameter", "The request body is not the API's envelope.")
            fields = body["input"]
            service, action = body.get("model"), fields.get("action")
            self.requests.append((str(service), str(action)))
            handler = self._actions.get((str(service), str(action)))
            if handler is None:
                known = {model for model, _ in self._actions}
                what = f"action {action!r}" if service in known else f"model {service!r}"
                raise Refusal("InvalidParameter", f"Unsupported {what}.")
            parameters = body.get("parameters")
            output = handler(fields, parameters if isinstance(parameters, dict) else {})
        except Refusal as refusal:
            error = {"request_id": request_id, "code": refusal.code, "message": refusal.message}
            return refusal.status, error
        return 200, {"request_id": request_id, "output": output, "usage": {"count": 1}}

    # Creating ----------------------------------------------------------------------------

    def _target(self, fields: dict[str, Any], table: dict[str, str], service: str) -> str:
        target = fields.get("target_model")
        if table.get(str(target)) != service:
            raise Refusal("InvalidParameter", f"target_model {target!r} is not supported.")
        if target in self._options.no_customization:
            raise Refusal(
                "InvalidParameter", f"Model {target} does not support customization here."
            )
        quota = self._options.voice_quota
        if quota is not None and len(self._account.voices) >= quota:
            raise Refusal(*QUOTA_BODY)
        return str(target)

    def _recording(self, audio: Any, service: str, transcript: Any = None) -> None:
        if not isinstance(audio, str) or not audio:
            raise Refusal("InvalidParameter", "Missing required parameter: audio.")
        match = _DATA_URI.fullmatch(audio)
        if match is None:
            if audio.startswith("https://"):
                return  # a public URL: the service would fetch it; the simulator cannot
            raise Refusal("Audio.DownloadError", "The audio URL cannot be downloaded.")
        try:
            data = pybase64.b64decode(match[2], validate=True)
        except ValueError:
            raise Refusal("InvalidParameter", "The data URI is not valid base64.") from None
        try:
            checked_recording(data, service)
        except RecordingError as err:
            raise Refusal(
                _RECORDING_CODES.get(err.problem, "Audio.FormatError"), str(err)
            ) from None
        if isinstance(transcript, str) and transcript:
            try:
                heard = decode_wav(data)
            except ValueError:
                return  # not the simulator's voice: nothing to compare with
            if heard and heard != transcript:
                raise Refusal("Audio.PreprocessError", "The text does not match the audio.")

    def _store(self, voice_id: str, service: str, target: str, language: Any) -> StoredVoice:
        delay = self._options.voice_deploy_delay if service == VOICE_ENROLLMENT else 0.0
        voice = StoredVoice(
            voice_id,
            service,
            target,
            str(language) if language else None,
            _stamp(),
            time.monotonic() + delay,
            self._options.voice_deploy_status if service == VOICE_ENROLLMENT else "OK",
        )
        self._account.voices[voice_id] = voice
        return voice

    def _create_voice(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        designing = "voice_prompt" in fields
        target = self._target(fields, dict(DESIGN if designing else CLONING), VOICE_ENROLLMENT)
        prefix = fields.get("prefix")
        if not isinstance(prefix, str) or not NAME_RULES[VOICE_ENROLLMENT].fullmatch(prefix):
            raise Refusal("InvalidParameter", "prefix must be 1-10 lowercase letters or digits.")
        hints = fields.get("language_hints")
        language = hints[0] if isinstance(hints, list) and hints else None
        if designing:
            _text(fields, "voice_prompt")
            preview = _preview(_text(fields, "preview_text"), parameters)
        else:
            self._recording(fields.get("url"), VOICE_ENROLLMENT)
        voice_id = f"{target}-{prefix}-{secrets.token_hex(16)}"
        self._store(voice_id, VOICE_ENROLLMENT, target, language)
        return {"voice_id": voice_id, **({"preview_audio": preview} if designing else {})}

    def _create_clone(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        target = self._target(fields, dict(CLONING), QWEN_VOICE_ENROLLMENT)
        name = _preferred_name(fields, required=True)
        audio = fields.get("audio")
        audio = audio.get("data") if isinstance(audio, dict) else None
        self._recording(audio, QWEN_VOICE_ENROLLMENT, fields.get("text"))
        voice = self._store(
            _qwen_id("vc", name), QWEN_VOICE_ENROLLMENT, target, fields.get("language")
        )
        reason = self._options.clone_fallback
        return {
            "voice": voice.id,
            "target_model": target,
            "fallback_mode": reason is not None,
            "fallback_reason": reason,
        }

    def _create_design(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        target = self._target(fields, dict(DESIGN), QWEN_VOICE_DESIGN)
        name = _preferred_name(fields, required=False)
        longest_prompt, longest_preview = DESIGN_LIMITS[QWEN_VOICE_DESIGN]
        _text(fields, "voice_prompt", longest_prompt)
        preview = _preview(_text(fields, "preview_text", longest_preview), parameters)
        language = fields.get("language") or "zh"
        voice = self._store(_qwen_id("vd", name), QWEN_VOICE_DESIGN, target, language)
        return {"voice": voice.id, "target_model": target, "language": language,
                "preview_audio": preview}  # fmt: skip

    # Reading, updating, deleting ---------------------------------------------------------

    def _voice(self, fields: dict[str, Any], field: str, service: str) -> StoredVoice:
        voice = self._account.voices.get(str(fields.get(field)))
        if voice is None or voice.service != service:
            raise Refusal("BadRequest.VoiceNotFound", f"Voice not found: {fields.get(field)}")
        return voice

    def _page(self, fields: dict[str, Any], service: str) -> tuple[list[StoredVoice], int, int]:
        index, size = fields.get("page_index", 0), fields.get("page_size", 10)
        if not isinstance(index, int) or not isinstance(size, int) or index < 0 or size < 1:
            raise Refusal("InvalidParameter", "page_index and page_size must be integers.")
        prefix = fields.get("prefix")
        voices = [
            voice
            for voice in self._account.voices.values()
            if voice.service == service
            and (not prefix or voice.id.startswith(f"{voice.target_model}-{prefix}-"))
        ]
        return voices, index, size

    def _list_voice(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        voices, index, size = self._page(fields, VOICE_ENROLLMENT)
        page = voices[index * size : (index + 1) * size]
        return {
            "voice_list": [
                {"voice_id": v.id, "gmt_create": v.created, "gmt_modified": v.created,
                 "status": v.status()}
                for v in page
            ]
        }  # fmt: skip

    def _list(self, service: str, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        voices, index, size = self._page(fields, service)
        page = voices[index * size : (index + 1) * size]
        return {
            "page_index": index,
            "page_size": size,
            "total_count": len(voices),
            "voice_list": [_qwen_entry(voice) for voice in page],
        }

    def _query_voice(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        voice = self._voice(fields, "voice_id", VOICE_ENROLLMENT)
        return {
            "gmt_create": voice.created,
            "gmt_modified": voice.created,
            "resource_link": "",
            "target_model": voice.target_model,
            "status": voice.status(),
        }

    def _query(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        return _qwen_entry(self._voice(fields, "voice", QWEN_VOICE_DESIGN))

    def _update_voice(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        voice = self._voice(fields, "voice_id", VOICE_ENROLLMENT)
        self._recording(fields.get("url"), VOICE_ENROLLMENT)
        voice.ready_at = time.monotonic() + self._options.voice_deploy_delay
        return {}

    def _delete(self, fields: dict[str, Any], parameters: dict[str, Any]) -> Any:
        field = "voice_id" if "voice_id" in fields else "voice"
        voice_id = str(fields.get(field))
        voice = self._account.voices.get(voice_id)
        if voice is None:
            raise Refusal("BadRequest.VoiceNotFound", f"Voice not found: {voice_id}")
        del self._account.voices[voice_id]
        return {field: voice_id} if field == "voice" else {}


def _preferred_name(fields: dict[str, Any], *, required: bool) -> str:
    name = fields.get("preferred_name")
    if name is None and not required:
        return "voice"
    if not isinstance(name, str) or not NAME_RULES[QWEN_VOICE_ENROLLMENT].fullmatch(name):
        raise Refusal(
            "InvalidParameter", "preferred_name must be up to 16 letters, digits or underscores."
        )
    return name


def _qwen_id(kind: str, name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
    return f"qwen-tts-{kind}-{name}-voice-{stamp}-{secrets.token_hex(2)}"


def _qwen_entry(voice: StoredVoice) -> dict[str, Any]:
    return {
        "voice": voice.id,
        "target_model": voice.target_model,
        "language": voice.language,
        "gmt_create": voice.created,
        "gmt_modified": voice.created,
    }


def _preview(text: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The preview clip of a design: the preview text in the simulator's voice."""
    rate = parameters.get("sample_rate", 24000)
    audio_format = parameters.get("response_format", "wav")
    if rate not in _PREVIEW_RATES:
        raise Refusal("InvalidParameter", f"sample_rate must be one of {_PREVIEW_RATES}.")
    if audio_format not in ("pcm", "wav"):
        raise Refusal("InvalidParameter", "The simulator produces only pcm and wav previews.")
    pcm = synthesize(text, rate)
    data = wav_header(rate, len(pcm)) + pcm if audio_format == "wav" else pcm
    return {
        "data": pybase64.b64encode(data).decode(),
        "sample_rate": rate,
        "response_format": audio_format,
    }
