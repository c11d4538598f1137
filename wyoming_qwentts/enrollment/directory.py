"""The account's voices of some models, read again at most every so often.

What the Wyoming server lists at Describe and Home Assistant offers in its pickers: the
last list read, refreshed when it is older than ``max_age``. A failed read leaves the last
list standing and is logged once (until a read succeeds again); it never fails the caller.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Final

import aiohttp

from ..core.errors import QwenTtsError
from .client import CustomizationClient
from .voices import CustomVoice

_LOGGER = logging.getLogger(__name__)
MAX_AGE: Final = 30.0
"""Seconds a list stands (Home Assistant's Wyoming integration reads Info every 30 s)."""
READ_TIMEOUT: Final = 5.0
"""Seconds a read may take before the last list is used instead."""


class AccountVoices:
    """The ready voices of ``models`` that the account holds (none are listed for a model
    that takes no custom voices)."""

    def __init__(
        self,
        client: CustomizationClient,
        models: Sequence[str],
        *,
        max_age: float = MAX_AGE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.models = tuple(models)
        self.voices: tuple[CustomVoice, ...] = ()
        """The last list read (ready voices of ``models`` only)."""
        self.max_age = max_age
        self._client = client
        self._clock = clock
        self._read_at: float | None = None
        self._failing = False
        self._lock = asyncio.Lock()

    async def refresh(self) -> tuple[CustomVoice, ...]:
        """The list, read again first if it is older than ``max_age`` (concurrent callers
        share one read)."""
        async with self._lock:
            now = self._clock()
            if self._read_at is not None and now - self._read_at < self.max_age:
                return self.voices
            self._read_at = now
            try:
                async with asyncio.timeout(READ_TIMEOUT):
                    found = await self._client.voices(*self.models)
            except (QwenTtsError, TimeoutError, aiohttp.ClientError, RuntimeError) as err:
                # RuntimeError: the HTTP session closed under us (the program is stopping)
                if not self._failing:
                    _LOGGER.warning(
                        "Cannot list the account's voices (%s): keeping the %d known",
                        err or "timed out",
                        len(self.voices),
                    )
                self._failing = True
                return self.voices
            if self._failing:
                _LOGGER.info("Listing the account's voices works again")
            self._failing = False
            self.voices = tuple(voice for voice in found if voice.ready)
            return self.voices

    def model_of(self, voice_id: str) -> str | None:
        """The model a listed voice is bound to (None if it is not listed)."""
        return next((voice.model for voice in self.voices if voice.id == voice_id), None)
