"""Announcements: a chime heard at once, then the speech, at a target loudness, as it streams."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from ..core.chime import chime_pcm
from ..core.loudness import DEFAULT_CEILING, DEFAULT_TARGET, LoudnessNormalizer

LOUDNESS_RANGE = (-30.0, -10.0)
"""LUFS a target may be (quieter is inaudible on small speakers; louder clips)."""


@dataclass(frozen=True, slots=True)
class Announcement:
    """How a message is announced: ``chime`` (a built-in name or a WAV path) before it, and
    its speech brought to ``loudness`` LUFS (None: as the service makes it)."""

    chime: str | None = None
    loudness: float | None = None

    def chime_at(self, rate: int) -> bytes:
        """The chime's PCM at ``rate`` (empty without one); raises InvalidParameterError
        for a chime that cannot be played."""
        if not self.chime:
            return b""
        return chime_pcm(self.chime, rate, self.loudness or DEFAULT_TARGET, DEFAULT_CEILING)

    async def announce(self, speech: AsyncIterator[bytes], rate: int) -> AsyncGenerator[bytes]:
        """The chime at once (before the speech's first audio is asked for), then the speech
        as it arrives, normalized when a loudness is set (held at most ``LOOKAHEAD``).

        Closing this closes ``speech`` at once (its sessions with it), not when it is
        collected.
        """
        try:
            chime = self.chime_at(rate)
            if chime:
                yield chime
            if self.loudness is None:
                async for audio in speech:
                    yield audio
                return
            normalizer = LoudnessNormalizer(rate, self.loudness, DEFAULT_CEILING)
            try:
                async for audio in speech:
                    if out := normalizer.push(audio):
                        yield out
            except Exception:
                if rest := normalizer.flush():  # what it held was spoken: heard before the error
                    yield rest
                raise
            if rest := normalizer.flush():
                yield rest
        finally:
            if isinstance(speech, AsyncGenerator):
                await speech.aclose()
