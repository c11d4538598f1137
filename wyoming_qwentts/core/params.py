"""What a request asks for, in the same words for every protocol."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Final


@dataclass(frozen=True, slots=True)
class SpeechParams:
    """Voice, language and prosody of a request. ``None`` leaves the model's default.

    Each protocol maps these onto its own wire names (``rate`` is the realtime
    ``speech_rate``, ``language`` its ``language_type``); the catalog says which a model
    accepts and within which range, and an error names the field as written here.
    """

    voice: str | None = None
    """A voice id of the model (None: the model's default voice)."""
    language: str | None = None
    """ISO 639-1 code of the text's language (None: detected)."""
    rate: float | None = None
    pitch: float | None = None
    volume: int | None = None
    instructions: str | None = None
    optimize_instructions: bool | None = None
    sample_rate: int | None = None
    """Hz (None: the model's default rate)."""
    format: str = "pcm"
    bit_rate: int | None = None
    """kbit/s, for the formats that take one."""
    seed: int | None = None

    def set_fields(self) -> dict[str, Any]:
        """The fields that are set (not None), by name."""
        return {name: value for name in FIELDS if (value := getattr(self, name)) is not None}


FIELDS: Final = tuple(item.name for item in fields(SpeechParams))
