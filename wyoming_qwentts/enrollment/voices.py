"""The account's own voices as the customization API describes them, and its naming rules."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pybase64

from .. import catalog
from ..catalog.customization import NAME_RULES, VOICE_ENROLLMENT, target_of
from ..core.errors import InvalidParameterError

READY: Final = "OK"
DEPLOYING: Final = "DEPLOYING"
_QWEN_NAME: Final = re.compile(r"qwen-tts-v[cd]-(?P<name>.+)-voice-\d+-[0-9a-z]+")


@dataclass(frozen=True, slots=True)
class CustomVoice:
    """A cloned or designed voice of the account."""

    id: str
    """What synthesis takes as its voice."""
    model: str | None
    """The model it is bound to (its ``target_model``): it speaks with no other."""
    status: str = READY
    """``OK`` once usable; ``DEPLOYING`` before; anything else is not usable."""
    name: str | None = None
    """The name it was created with (the ``prefix`` or ``preferred_name``)."""
    language: str | None = None
    created: str | None = None
    warning: str | None = None
    """Why the service made a degraded clone (Qwen3 VC ``fallback_mode``), if it did."""

    @property
    def ready(self) -> bool:
        """Whether synthesis can use it now."""
        return self.status == READY

    def as_voice(self, model: catalog.Model) -> catalog.Voice:
        """It as a catalog voice of ``model`` (for pickers and Info): named by the name it
        was created with, speaking its language or, unknown, the model's languages."""
        languages = (self.language,) if self.language else model.languages
        return catalog.Voice(self.id, "", languages, note="your voice", name=self.name)


@dataclass(frozen=True, slots=True)
class DesignedVoice:
    """A voice made from a description, and the service's preview clip of it."""

    voice: CustomVoice
    preview: bytes | None
    """The preview clip (``preview_format`` at ``preview_rate`` Hz), if the service sent it
    inline; else ``preview_url`` says where it is."""
    preview_format: str | None = None
    preview_rate: int | None = None
    preview_url: str | None = None


def offered_voices(
    model: catalog.Model, account: Sequence[CustomVoice]
) -> tuple[catalog.Voice, ...]:
    """The voices ``model`` offers: its system voices, then the account's voices of it."""
    return (*model.voices, *(own.as_voice(model) for own in account if own.model == model.id))


def check_name(service: str, name: str) -> str:
    """Raise InvalidParameterError unless ``name`` follows ``service``'s rule for the names
    of new voices (``voice-enrollment``: 1–10 lowercase letters and digits; the Qwen3
    services: up to 16 letters, digits and underscores)."""
    if NAME_RULES[service].fullmatch(name):
        return name
    if service == VOICE_ENROLLMENT:
        hint = re.sub(r"[^a-z0-9]", "", name.lower())[:10] or "kitchen"
        raise InvalidParameterError(
            "name",
            f"Invalid voice name {name!r}: this model's voices are named with 1 to 10 "
            f"lowercase letters and digits (for example {hint!r}).",
        )
    hint = re.sub(r"\W", "_", name, flags=re.ASCII)[:16] or "kitchen"
    raise InvalidParameterError(
        "name",
        f"Invalid voice name {name!r}: this model's voices are named with up to 16 letters, "
        f"digits and underscores (for example {hint!r}).",
    )


def name_of(voice_id: str, model: str | None) -> str | None:
    """The name a voice was created with, read from its id."""
    if match := _QWEN_NAME.fullmatch(voice_id):
        return match["name"]
    if model and voice_id.startswith(f"{model}-"):
        return voice_id[len(model) + 1 :].rpartition("-")[0] or None
    return None


def voice_from(entry: Mapping[str, Any], *, voice_id: str | None = None) -> CustomVoice:
    """A :class:`CustomVoice` from a ``voice_list`` entry or a query's output."""
    found = str(voice_id or entry.get("voice_id") or entry.get("voice") or "")
    model = entry.get("target_model") or target_of(found)
    return CustomVoice(
        id=found,
        model=str(model) if model else None,
        status=str(entry.get("status") or READY),
        name=name_of(found, str(model) if model else None),
        language=str(entry["language"]) if entry.get("language") else None,
        created=str(entry["gmt_create"]) if entry.get("gmt_create") else None,
    )


def designed_from(output: Mapping[str, Any], voice: CustomVoice) -> DesignedVoice:
    """A :class:`DesignedVoice` from a design's output (its ``preview_audio``)."""
    preview = output.get("preview_audio")
    preview = preview if isinstance(preview, Mapping) else {}
    data = preview.get("data")
    url = preview.get("url")
    rate = preview.get("sample_rate")
    return DesignedVoice(
        voice,
        pybase64.b64decode(data) if isinstance(data, str) and data else None,
        str(preview.get("response_format") or "") or None,
        int(rate) if isinstance(rate, int | str) and str(rate).isdigit() else None,
        str(url) if url else None,
    )
