"""Which models take the account's own voices, and which customization service makes them.

Sources, read 2026-12-02: the vendor's "CosyVoice voice cloning/design API"
(alibabacloud.com/help/en/model-studio/cosyvoice-clone-api, updated Feb 11, 2026), "Qwen
voice cloning API reference" (…/qwen-tts-voice-cloning, Feb 25, 2026), "Qwen voice design"
and the vendor SDK (``dashscope==2.0.2``: ``VoiceEnrollmentService``, whose sample clones
into qwen-audio-3.0-tts-flash). Regions are not judged here: where a region lacks cloning
the service says so, and its refusal reaches the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

VOICE_ENROLLMENT: Final = "voice-enrollment"
"""CosyVoice and Qwen-Audio-3.0: cloning and design (``create_voice`` …, ``voice_id``)."""
QWEN_VOICE_ENROLLMENT: Final = "qwen-voice-enrollment"
"""Qwen3-TTS VC: cloning (``create``, ``list``, ``delete``; the id field is ``voice``)."""
QWEN_VOICE_DESIGN: Final = "qwen-voice-design"
"""Qwen3-TTS VD: design from a description (``create``, ``list``, ``query``, ``delete``)."""

CLONING: Final[Mapping[str, str]] = {
    "qwen3-tts-vc-realtime-2026-01-15": QWEN_VOICE_ENROLLMENT,
    "qwen3-tts-vc-realtime-2025-11-27": QWEN_VOICE_ENROLLMENT,
    "cosyvoice-v3.5-plus": VOICE_ENROLLMENT,
    "cosyvoice-v3.5-flash": VOICE_ENROLLMENT,
    "cosyvoice-v3-plus": VOICE_ENROLLMENT,
    "cosyvoice-v3-flash": VOICE_ENROLLMENT,
    "cosyvoice-v2": VOICE_ENROLLMENT,
    "qwen-audio-3.0-tts-flash": VOICE_ENROLLMENT,
}
"""The service that clones a voice from a recording for each model that takes one."""

DESIGN: Final[Mapping[str, str]] = {
    "qwen3-tts-vd-realtime-2026-01-15": QWEN_VOICE_DESIGN,
    "qwen3-tts-vd-realtime-2025-12-16": QWEN_VOICE_DESIGN,
    "cosyvoice-v3.5-plus": VOICE_ENROLLMENT,
    "cosyvoice-v3.5-flash": VOICE_ENROLLMENT,
    "cosyvoice-v3-plus": VOICE_ENROLLMENT,
    "cosyvoice-v3-flash": VOICE_ENROLLMENT,
}
"""The service that designs a voice from a description for each model that takes one."""

SERVICES: Final = (VOICE_ENROLLMENT, QWEN_VOICE_ENROLLMENT, QWEN_VOICE_DESIGN)

_QWEN_NAME: Final = re.compile(r"[A-Za-z0-9_]{1,16}")
NAME_RULES: Final[Mapping[str, re.Pattern[str]]] = {
    VOICE_ENROLLMENT: re.compile(r"[a-z0-9]{1,10}"),
    QWEN_VOICE_ENROLLMENT: _QWEN_NAME,
    QWEN_VOICE_DESIGN: _QWEN_NAME,
}
"""What each service takes as a new voice's name (``prefix``: 1–10 lowercase letters and
digits; ``preferred_name``: up to 16 letters, digits and underscores)."""
DESIGN_LIMITS: Final[Mapping[str, tuple[int, int]]] = {QWEN_VOICE_DESIGN: (2048, 1024)}
"""The longest description and preview text a design service takes (where documented)."""


def services_for(model_id: str) -> tuple[str, ...]:
    """The customization services whose voices ``model_id`` speaks (empty: none)."""
    found = {CLONING.get(model_id), DESIGN.get(model_id)} - {None}
    return tuple(service for service in SERVICES if service in found)


def service_of_voice(voice_id: str) -> str:
    """The service that made an account voice, from its id's shape (Qwen3 VC ids start
    ``qwen-tts-vc-``, VD ids ``qwen-tts-vd-``, CosyVoice and Qwen-Audio ids with their
    target model)."""
    if voice_id.startswith("qwen-tts-vc-"):
        return QWEN_VOICE_ENROLLMENT
    if voice_id.startswith("qwen-tts-vd-"):
        return QWEN_VOICE_DESIGN
    return VOICE_ENROLLMENT


_TARGETS: Final = sorted({*CLONING, *DESIGN}, key=len, reverse=True)


def target_of(voice_id: str) -> str | None:
    """The model a ``voice-enrollment`` voice id is bound to (such ids start with it)."""
    return next((model for model in _TARGETS if voice_id.startswith(f"{model}-")), None)


def shaped_for(voice_id: str, model_id: str) -> bool:
    """Whether ``voice_id`` has the shape of an account voice of ``model_id``: a CosyVoice
    or Qwen-Audio id names its model; a Qwen3 VC or VD id its service."""
    target = target_of(voice_id)
    if target is not None:
        return target == model_id
    service = service_of_voice(voice_id)
    return service != VOICE_ENROLLMENT and service in services_for(model_id)
