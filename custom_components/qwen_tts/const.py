"""Constants of the Qwen TTS integration."""

from __future__ import annotations

from typing import Final

from wyoming_qwentts import catalog
from wyoming_qwentts.core import RetryPolicy

DOMAIN: Final = "qwen_tts"

CONF_REGION: Final = "region"
CONF_URL: Final = "url"
CONF_WORKSPACE: Final = "workspace"
CONF_CONNECTION: Final = "connection"
"""The config flow's collapsed section for the workspace and the endpoint URL."""

SUBENTRY_VOICE: Final = "voice"
"""The subentry type of a voice: its model, the voice and its delivery settings; each one has
its own TTS entity."""

CONF_MODEL: Final = "model"
CONF_VOICE: Final = "voice"
CONF_LANGUAGE_TYPE: Final = "language_type"
CONF_SPEECH_RATE: Final = "speech_rate"
CONF_PITCH_RATE: Final = "pitch_rate"
CONF_VOLUME: Final = "volume"
CONF_INSTRUCTIONS: Final = "instructions"
CONF_OPTIMIZE_INSTRUCTIONS: Final = "optimize_instructions"
CONF_LEADING_SILENCE: Final = "leading_silence_ms"
CONF_TRAILING_SILENCE: Final = "trailing_silence_ms"
CONF_CHIME: Final = "chime"
CONF_LOUDNESS: Final = "loudness"
CONF_WARM_CONNECTIONS: Final = "warm_connections"
CONF_FALLBACK: Final = "fallback"
"""Another TTS entity that speaks what Model Studio cannot."""
# Making a voice (the subentry flow's clone and design steps)
CONF_NAME: Final = "name"
CONF_RECORDING: Final = "recording"
CONF_TRANSCRIPT: Final = "transcript"
CONF_LANGUAGE: Final = "language"
CONF_DESCRIPTION: Final = "description"
CONF_PREVIEW_TEXT: Final = "preview_text"

PROSODY: Final = {CONF_SPEECH_RATE: "rate", CONF_PITCH_RATE: "pitch", CONF_VOLUME: "volume"}
"""The prosody options and the neutral parameter each one sets."""

DEFAULT_MODEL: Final = catalog.DEFAULT_MODEL
_RANGES: Final = catalog.MODELS[DEFAULT_MODEL].ranges
DEFAULT_OPTIONS: Final = {
    CONF_MODEL: DEFAULT_MODEL,
    CONF_VOICE: catalog.MODELS[DEFAULT_MODEL].default_voice,
    CONF_LANGUAGE_TYPE: "Auto",
    CONF_SPEECH_RATE: _RANGES["rate"].default,
    CONF_PITCH_RATE: _RANGES["pitch"].default,
    CONF_VOLUME: int(_RANGES["volume"].default),
    CONF_INSTRUCTIONS: "",
    CONF_OPTIMIZE_INSTRUCTIONS: False,
    CONF_LEADING_SILENCE: 0,
    CONF_TRAILING_SILENCE: 0,
    CONF_CHIME: "",
    CONF_LOUDNESS: None,
    CONF_WARM_CONNECTIONS: 1,
}
"""Every setting of a voice subentry and its default."""

MAX_WARM_CONNECTIONS: Final = 4

RETRY_POLICY: Final = RetryPolicy()
"""How requests retry and resume, and how the warm pools reconnect."""

MAX_SILENCE_MS: Final = 2000

MAX_MESSAGE_CHARS: Final = 20_000
"""The longest message a call may speak (as the Wyoming server's default): an automation or
an LLM tool cannot run up the key's bill with an unbounded text."""
