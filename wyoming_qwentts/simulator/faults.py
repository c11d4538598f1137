"""Which fault a connection meets, and when: the configured ones and chaos."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

from .options import NO_FAULTS, SimulatorOptions

Fault = Literal["drop", "error", "stall", "garbage"]
CHAOS_FAULTS: Final = ("429", "500", "drop", "error", "stall", "garbage")


class SessionAborted(Exception):
    """A fault ended the session (the socket is already dropped or closed)."""


@dataclass(slots=True)
class FaultPlan:
    """The mid-stream faults of one connection, counted in audio frames sent."""

    options: SimulatorOptions
    """The configured faults (none for a connection past ``fault_sessions``)."""
    chaos: str | None = None
    chaos_at: int = -1

    def due(self, sent: int) -> Fault | None:
        """The fault to inject before the audio frame numbered ``sent`` (0-based), if any."""
        chaos = self.chaos if sent == self.chaos_at else None
        options = self.options
        if sent == options.drop_after_deltas or chaos == "drop":
            return "drop"
        if sent == options.error_after_deltas or chaos == "error":
            return "error"
        if sent == options.stall_after_deltas or chaos == "stall":
            return "stall"
        if sent == options.garbage_after_deltas or chaos == "garbage":
            return "garbage"
        return None


class FaultDice:
    """Decides at each handshake whether the connection meets faults, and which chaos one."""

    def __init__(self, options: SimulatorOptions) -> None:
        self._options = options
        self._rng: random.Random | None = None  # seeded on first use, from the options then
        self._count = 0

    def plan(self) -> tuple[int | None, FaultPlan]:
        """The HTTP status to reject this handshake with (or None), and the connection's
        mid-stream faults."""
        options = self._options
        self._count += 1
        due = options.fault_sessions is None or self._count <= options.fault_sessions
        reject = options.reject_handshake if due else None
        plan = FaultPlan(options if due else NO_FAULTS)
        if options.chaos_rate:
            rng = self._rng = self._rng or random.Random(options.chaos_seed)
            if rng.random() < options.chaos_rate:
                fault = rng.choice(CHAOS_FAULTS)
                if fault.isdigit():
                    reject = int(fault)
                else:
                    plan.chaos, plan.chaos_at = fault, rng.randrange(0, 8)
        return reject, plan
