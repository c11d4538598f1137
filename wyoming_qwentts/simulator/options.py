"""The simulator's knobs (latency, limits, faults, disputed behaviours) and what it records."""

from __future__ import annotations

import asyncio
import itertools
import random
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

_ID_ALPHABET: Final = string.ascii_letters + string.digits
HANDSHAKE_BODIES: Final[Mapping[int, tuple[str, str]]] = {
    401: ("InvalidApiKey", "Invalid API-key provided."),
    403: ("AccessDenied", "Access denied."),
    429: ("Throttling.RateQuota", "Requests rate limit exceeded, please try again later."),
    500: ("InternalError", "An internal error has occurred, please try again later."),
}
"""The JSON body of each rejected handshake (both endpoints answer alike)."""


@dataclass(slots=True)
class SimulatorOptions:
    """Behaviour of a :class:`QwenSimulator`: latency knobs, faults and quirk toggles."""

    api_key: str = "sk-simulator"
    # Latency
    first_audio_delay: float = 0.0
    """Seconds from a response's start to its first audio delta."""
    real_time_factor: float = 0.0
    """Pacing of deltas: 1.0 sends audio as fast as it plays, 0 as fast as possible."""
    delta_bytes: int = 4800
    """Bytes of audio per ``response.audio.delta`` (realtime) or binary frame (inference),
    rounded down to whole samples."""
    handshake_delay: float = 0.0
    update_delay: float = 0.0
    """Seconds before answering ``session.update``."""
    task_start_delay: float = 0.0
    """Inference: seconds before ``task-started`` (text sent before it fails the task)."""
    segment_chars: int = 120
    """server_commit: longest segment before a cut without punctuation."""
    # Limits
    max_sessions: int | None = None
    """Concurrent sessions beyond this get a rate-limit rejection."""
    idle_timeout: float | None = 23.0
    """Realtime: seconds without a client event (while nothing is being synthesized) before
    closing."""
    task_idle_timeout: float | None = 60.0
    """Inference: seconds a socket may wait for its next task before it is closed."""
    max_text_chars: int | None = None
    """Per-session text limit (undocumented for the real service)."""
    retired_models: frozenset[str] = frozenset()
    """Catalog models to treat as unknown (as a retired model would be)."""
    service_voices: frozenset[str] = frozenset()
    """System voices the service has besides the catalog's lists (its lists are longer):
    any model that takes custom voices speaks these too. Any other id that is neither the
    model's catalog voice nor an account voice of that model (made through the
    customization API, ``OK`` and bound to it) is refused as the service refuses it."""
    # The customization API (cloned and designed voices)
    voice_deploy_delay: float = 0.0
    """Seconds a CosyVoice or Qwen-Audio voice stays ``DEPLOYING`` after creation."""
    voice_deploy_status: str = "OK"
    """What such a voice becomes after the delay (``UNDEPLOYED``: it failed to deploy)."""
    voice_quota: int | None = None
    """Voices the account may hold (the service's number is unconfirmed); None: no limit."""
    clone_fallback: str | None = None
    """Qwen3 VC: make every clone in ``fallback_mode`` with this reason
    (``no_valid_asr_segments`` …)."""
    no_customization: frozenset[str] = frozenset()
    """Target models the service refuses to clone or design for (as a region without
    cloning does)."""
    # Faults
    reject_handshake: int | None = None
    """Reject every handshake with this HTTP status (401, 403, 429, 500)."""
    drop_after_deltas: int | None = None
    """Drop the TCP connection, without a close frame, after this many deltas."""
    error_after_deltas: int | None = None
    """Send an ``error`` event and close after this many deltas."""
    stall_after_deltas: int | None = None
    fault_sessions: int | None = None
    """Only the first this many sessions meet the faults above (None: every session)."""
    garbage_after_deltas: int | None = None
    """Send a delta that is not valid base64 after this many deltas."""
    odd_deltas: bool = False
    """Cut deltas at odd byte counts (samples split across deltas)."""
    chaos_rate: float = 0.0
    """Probability that a session meets one random fault: a 429 or 500 handshake, a drop,
    an error event, a stall or a garbage delta, at a random point of its first deltas."""
    chaos_seed: int | None = None
    """Stop sending anything (the socket stays open) after this many deltas."""
    # Where sources disagree: both behaviours, chosen here.
    throttle_style: Literal["handshake", "event"] = "handshake"
    """Rate limiting as an HTTP 429 handshake, or an in-band ``error`` event then close."""
    unknown_model: Literal["silent_close", "error"] = "silent_close"
    """Unknown model: ``session.created`` then a silent close (field notes), or an error."""
    event_order: Literal["measured", "documented"] = "measured"
    """End-of-response order: measured (audio.done first) or as documented (item.done first)."""
    error_detail: Literal["full", "minimal"] = "full"
    """Error events with type/param/event_id (older docs) or only code/message (current)."""
    response_id_field: bool = False
    """Add the top-level ``response_id`` that the field table lists on ``response.done``."""
    busy_text: Literal["queued", "ignored", "rejected"] = "queued"
    """commit mode: text and commits sent while a response is active are queued, dropped
    silently (field report), or answered with an ``error`` event."""
    residue_window: float = 0.0
    """commit mode: an append this many seconds or less after ``response.done`` is dropped as
    "residue"; its commit is acknowledged and yields a response with no audio (field report)."""
    silent_response: int | None = None
    """The response of this index (0-based, per session) is acknowledged but has no audio."""
    response_done: bool = True
    """server_commit: send ``response.done`` (False: none at all, as a field report claims)."""
    failure_style: Literal["header", "top-level", "error-event"] = "header"
    """Inference: ``task-failed`` with ``error_code``/``error_message`` in its header (the
    vendor's event reference), at the top level (one of the vendor's code samples reads
    them there), or an ``error`` event with ``payload.message`` (another sample)."""
    finish_drains: bool = True
    """server_commit: ``session.finish`` speaks the rest (False: what was not yet being
    synthesized is dropped, as a field report claims)."""

    def adopt(self, behaviour: str) -> None:
        """Behave as one of :data:`DISPUTED_BEHAVIOURS` says (its name)."""
        for name, value in DISPUTED_BEHAVIOURS[behaviour].items():
            setattr(self, name, value)


DISPUTED_BEHAVIOURS: Final[Mapping[str, Mapping[str, Any]]] = {
    "busy-text-queued": {"busy_text": "queued"},
    "busy-text-ignored": {"busy_text": "ignored"},
    "busy-text-rejected": {"busy_text": "rejected"},
    "residue-after-done": {"residue_window": 0.05},
    "response-without-audio": {"silent_response": 1},
    "no-response-done": {"response_done": False},
    "finish-does-not-drain": {"finish_drains": False},
    "task-failed-top-level": {"failure_style": "top-level"},
    "task-failed-as-error-event": {"failure_style": "error-event"},
}
"""Every service behaviour the sources disagree on, as :class:`SimulatorOptions` overrides:
a client must be correct under each (the suites run their exact-decoding tests under all)."""


@dataclass(slots=True)
class SimulatedSession:
    """What the simulator saw of one connection (for tests and benchmarks)."""

    id: str
    model: str
    headers: dict[str, str]
    protocol: str = "realtime"
    opened_at: float = field(default_factory=time.monotonic)
    """Monotonic time the connection was accepted."""
    events: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)
    """Realtime: the session's configuration; inference: the last task's parameters."""
    updates: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    """Inference: the task id of every task started on the socket, in order."""
    first_text: str | None = None
    spoken: list[str] = field(default_factory=list)
    """Each synthesized segment, in order."""
    dropped: list[str] = field(default_factory=list)
    """Text the session dropped (``busy_text="ignored"``, residue, ``finish_drains=False``)."""
    busy_inputs: int = 0
    """commit mode: appends and commits received while a response was active."""
    deltas_sent: int = 0
    first_text_at: float | None = None
    """Monotonic time the first text arrived (CLOCK_MONOTONIC: comparable across processes)."""
    first_delta_at: float | None = None
    """Monotonic time the first audio delta was sent."""
    task_firsts: list[tuple[str, float, float]] = field(default_factory=list)
    """Inference: each task's first text, when it came and when its first audio went."""
    task_done: Callable[[SimulatedSession], None] | None = field(default=None, repr=False)
    """Called when a task finished (the simulator writes its figures so far)."""
    pacing_lag: float = 0.0
    """Largest delay behind the real-time-factor schedule (the simulator itself too slow)."""
    finished: bool = False
    """True when ``session.finished`` was sent."""
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def event_types(self) -> list[str]:
        """The ``type`` (inference: the header's ``action``) of every client event, in order."""
        return [
            str(event["type"] if "type" in event else (event.get("header") or {}).get("action"))
            for event in self.events
        ]

    def firsts(self) -> list[tuple[str, float, float]]:
        """First text, its time and the time of its first audio: of each task on an
        inference socket, of the session on a realtime one."""
        if self.task_firsts:
            return list(self.task_firsts)
        if self.first_text and self.first_text_at is not None and self.first_delta_at:
            return [(self.first_text, self.first_text_at, self.first_delta_at)]
        return []

    def summary(self) -> dict[str, Any]:
        """Figures of the session as one JSON-able line (for ``--stats-file``)."""
        return {
            "id": self.id,
            "model": self.model,
            "protocol": self.protocol,
            "tasks": len(self.tasks),
            "first_text": self.first_text,
            "first_text_at": self.first_text_at,
            "first_delta_at": self.first_delta_at,
            "firsts": self.firsts(),
            "pacing_lag": self.pacing_lag,
            "deltas": self.deltas_sent,
            "finished": self.finished,
        }


_ID_STEM: Final = "".join(random.choices(_ID_ALPHABET, k=13))
_ID_SERIALS: Final = itertools.count()


def new_id(prefix: str) -> str:
    """An id shaped like the service's (21 letters and digits), unique in the process and
    cheap: one is made for every audio delta."""
    return f"{prefix}{_ID_STEM}{next(_ID_SERIALS):08d}"


def knows_voice(
    options: SimulatorOptions, speaks: Callable[[str, str], bool], model: Any, voice: Any
) -> bool:
    """Whether the simulated service has ``voice`` for ``model`` (a catalog model): its
    catalog voices, ``service_voices`` where it takes custom voices, and the account's
    voices that ``speaks(voice, model_id)`` allows."""
    if voice is None or voice in model.voice_ids:
        return True
    return (model.custom_voices and voice in options.service_voices) or speaks(voice, model.id)


NO_FAULTS: Final = SimulatorOptions()
"""The options of a connection spared the configured faults (past ``fault_sessions``)."""
