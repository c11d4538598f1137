"""What the catalog holds: regions, voices, and models with everything each one accepts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Region:
    """A Model Studio deployment region (API keys are per region)."""

    id: str
    name: str
    base_url: str
    """Scheme and host of the region's endpoints (``wss://dashscope-intl.aliyuncs.com``)."""
    workspace_host: str
    """The host of workspace-specific endpoints, after ``{WorkspaceId}.``."""


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice: a system voice of the catalog, or an account's own voice as pickers show it
    (its gender unknown: empty). ``id`` is what the API takes: case-sensitive, may contain
    spaces."""

    id: str
    gender: str
    languages: tuple[str, ...]
    dialect: str | None = None
    note: str | None = None
    name: str | None = None
    """A display name where it differs from the id (``Longan Yang`` for ``longanyang``)."""

    @property
    def description(self) -> str:
        """Gender and, where there is one, the dialect or a note (``male, Cantonese``)."""
        extra = f"{self.dialect} dialect" if self.dialect else self.note
        return ", ".join(part for part in (self.gender, extra) if part)

    @property
    def display_name(self) -> str:
        """Name and short description for voice pickers."""
        return f"{self.name or self.id} ({self.description})"


@dataclass(frozen=True, slots=True)
class Range:
    """The values a numeric parameter accepts, and the service's default."""

    low: float
    high: float
    default: float
    integer: bool = False


@dataclass(frozen=True, slots=True)
class Model:
    """A TTS model (or snapshot): its protocol and everything it accepts.

    Parameter names are the neutral ones of :class:`~wyoming_qwentts.core.params.SpeechParams`
    (``rate``, ``pitch`` …); each protocol maps them onto its wire names.
    """

    id: str
    family: str
    protocol: str
    """The name of the protocol that speaks it (``realtime``: ``/api-ws/v1/realtime``, the
    Qwen3-TTS models; ``inference``: ``/api-ws/v1/inference``, Qwen-Audio-TTS, CosyVoice and
    Sambert), as :mod:`wyoming_qwentts.protocols` registers it."""
    voices: tuple[Voice, ...]
    formats: tuple[str, ...]
    sample_rates: tuple[int, ...]
    default_sample_rate: int
    regions: tuple[str, ...]
    languages: tuple[str, ...] = ()
    """ISO 639-1 codes the model takes as a language hint (empty: no hint)."""
    ranges: Mapping[str, Range] = field(default_factory=dict)
    """The numeric parameters it accepts (``rate``, ``pitch``, ``volume``, ``bit_rate``,
    ``seed``); any other is refused."""
    options: frozenset[str] = frozenset()
    """Other parameters it accepts: ``instructions``, ``optimize_instructions``, ``ssml``."""
    bit_rate_formats: tuple[str, ...] = ()
    """The formats ``bit_rate`` applies to."""
    instructions_limit: int | None = None
    """Longest ``instructions``, in billed characters (a Chinese character counts 2)."""
    streaming_input: bool = True
    """False when a task takes its whole text at once (Sambert): one task per segment."""
    custom_voices: bool = False
    """Takes cloned or designed voices besides its system voices: an id the catalog does not
    list is sent and the service judges it (the vendor's lists are also longer than the
    catalog's); a system voice of another model is refused before anything is sent."""
    alias_of: str | None = None

    @property
    def voice_ids(self) -> tuple[str, ...]:
        """The ids of its system voices, in catalog order."""
        return tuple(voice.id for voice in self.voices)

    @property
    def default_voice(self) -> str | None:
        """The voice used when none is configured (None for custom-voice models)."""
        return self.voices[0].id if self.voices else None

    def voice(self, voice_id: str) -> Voice | None:
        """The catalog entry of one of its system voices (None for any other id)."""
        return next((voice for voice in self.voices if voice.id == voice_id), None)

    def voice_languages(self) -> tuple[str, ...]:
        """ISO 639-1 codes spoken by its system voices, in catalog order."""
        seen: dict[str, None] = {}
        for voice in self.voices:
            for code in voice.languages:
                seen.setdefault(code, None)
        return tuple(seen)
