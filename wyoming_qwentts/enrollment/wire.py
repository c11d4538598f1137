"""The customization API on the wire: its endpoint, its envelope and its errors.

One HTTP endpoint serves every service (``POST {base}/api/v1/services/audio/tts/customization``),
on the host of the synthesis endpoints (``https`` for ``wss``, ``http`` for ``ws``), with
the same key and workspace header. A request names its service as ``model`` and its verb
as ``input.action``; success is HTTP 200 with ``output``, failure an HTTP error status with
``code`` and ``message``.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from ..core.errors import (
    InvalidParameterError,
    QwenTtsError,
    ServiceError,
    VoiceQuotaError,
)
from ..speech.dashscope import endpoint as socket_endpoint
from ..speech.dashscope import handshake_error
from .recording import RecordingError

PATH: Final = "/api/v1/services/audio/tts/customization"
_HTTP_SCHEMES: Final = {"wss": "https", "ws": "http"}
_QUOTA: Final = re.compile(
    r"quota|too ?many ?voices|voice (?:count|number|limit)|(?:number|count) of voices",
    re.IGNORECASE,
)
"""How the service says the account holds as many voices as it may (its code is not
documented: matched on the code and the message)."""
_NOT_FOUND: Final = re.compile(r"not ?found|not exist|does not exist", re.IGNORECASE)


def endpoint(region: str, *, workspace: str | None = None, url: str | None = None) -> str:
    """The customization URL on the host that serves synthesis for these settings."""
    parts = urlsplit(socket_endpoint("/api-ws/v1/realtime", region, workspace=workspace, url=url))
    scheme = _HTTP_SCHEMES.get(parts.scheme, parts.scheme)
    return urlunsplit((scheme, parts.netloc, PATH, "", ""))


def event(
    service: str, action: str, fields: dict[str, Any], parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A request body: ``service``'s ``action`` with its input ``fields``."""
    body: dict[str, Any] = {"model": service, "input": {"action": action, **fields}}
    if parameters is not None:
        body["parameters"] = parameters
    return body


def output_of(payload: Any) -> dict[str, Any]:
    """The ``output`` of a successful answer (a dict; empty when there is none)."""
    output = payload.get("output") if isinstance(payload, dict) else None
    return output if isinstance(output, dict) else {}


def error_from_response(status: int, payload: Any, *, region: str, subject: str) -> QwenTtsError:
    """The library's error for a refused request; ``subject`` names what it was about (a
    model, or a voice id) for the user."""
    body = payload if isinstance(payload, dict) else {}
    code = str(body.get("code") or f"HTTP {status}")
    message = str(body.get("message") or "no message")
    if status in (401, 429) or status >= 500:
        error = handshake_error(status, region, subject)
        if isinstance(error, ServiceError):
            return type(error)(code, message)
        return error
    if status == 403 and not code.startswith(("Audio", "InvalidParameter", "BadRequest")):
        return handshake_error(status, region, subject)
    if code.startswith("Audio."):
        return RecordingError(
            "rejected",
            f"The service could not use the recording ({code}: {message}). Record 10–20 s "
            "of one person speaking clearly, with no music or background noise; a "
            "transcript, if you give one, must match what is said.",
            code=code,
        )
    if _QUOTA.search(code) or _QUOTA.search(message):
        return VoiceQuotaError(f"{code}: {message}")
    if "voice" in (code + message).lower() and _NOT_FOUND.search(code + " " + message):
        return InvalidParameterError(
            "voice", f"This account has no voice {subject!r} ({code}: {message})."
        )
    if "model" in message.lower():
        return InvalidParameterError(
            "model",
            f"The service will not make this voice for {subject} ({code}: {message}): "
            f"check that the model takes cloned or designed voices in region {region!r}.",
        )
    error = ServiceError(code, message)
    error.transient = False
    return error
