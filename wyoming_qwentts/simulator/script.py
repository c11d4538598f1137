"""What a protocol's script gets for one connection."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar

from websockets.asyncio.server import ServerConnection

from .faults import FaultPlan
from .options import SimulatedSession, SimulatorOptions


class Script(ABC):
    """Serves one connection as the service would; what it saw goes into ``record``."""

    protocol: ClassVar[str]
    """The protocol's name, as the catalog gives it."""
    path: ClassVar[str]
    """The endpoint's URL path (with or without a trailing slash)."""

    def __init__(
        self,
        options: SimulatorOptions,
        connection: ServerConnection,
        record: SimulatedSession,
        plan: FaultPlan,
        *,
        throttled: bool,
        speaks: Callable[[str, str], bool] = lambda voice, model: False,
    ) -> None:
        self._options = options
        self._speaks = speaks
        """Whether an account voice may speak with a model (``(voice, model_id)``)."""
        self._ws = connection
        self._record = record
        self._plan = plan
        """The connection's mid-stream faults."""
        self._throttled = throttled
        """Over ``max_sessions`` with ``throttle_style="event"``: refuse in band."""
        self._start_state()

    @abstractmethod
    def _start_state(self) -> None:
        """Set up the protocol's own state of the connection (after the common one)."""

    @abstractmethod
    async def run(self) -> None:
        """Serve the connection until it ends (return) or a fault ends it."""
