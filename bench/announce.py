"""Scenario 8: announcements that keep streaming. Through the server, the same simulator
(first audio 200 ms): the time to the first sample of the chime and to the first sample of
the speech, with a chime, with loudness normalization, with both, and with neither."""

from __future__ import annotations

import asyncio
from typing import Any

from harness import server, simulator, stream, unique_chunks
from stats import percentiles

from wyoming_qwentts.core.chime import chime_pcm

FIRST_AUDIO_DELAY = 0.2
CHIME = "ding"
LOUDNESS = -16.0
RATE = 24000
VARIANTS: dict[str, tuple[str, ...]] = {
    "neither": (),
    "chime": ("--chime", CHIME),
    "loudness": ("--loudness", str(LOUDNESS)),
    "chime and loudness": ("--chime", CHIME, "--loudness", str(LOUDNESS)),
}


async def announcements(requests: int) -> dict[str, Any]:
    """p50/p95 of both times per variant (``requests`` one after another, each warm)."""
    results: dict[str, Any] = {}
    async with simulator(first_audio_delay=FIRST_AUDIO_DELAY) as sim:
        for name, flags in VARIANTS.items():
            chime = len(chime_pcm(CHIME, RATE, LOUDNESS)) if "--chime" in flags else 0
            async with server(sim.url, *flags) as srv:
                firsts: list[float] = []
                speech: list[float] = []
                for i in range(requests):
                    result = await stream(srv.port, unique_chunks(f"a{i}"), speech_from=chime)
                    assert result.speech_at is not None
                    firsts.append(result.ttfa)
                    speech.append(result.speech_at - result.sent_at)
                    await asyncio.sleep(0.05)  # the warm pool tops up between requests
            results[name] = {
                "first_sample": percentiles(firsts),
                "first_speech": percentiles(speech),
            }
    return results


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The table's rows: first sample and first speech sample, p50/p95 ms."""
    out = []
    for name, figures in results.items():
        first, speech = figures["first_sample"], figures["first_speech"]
        out.append((f"8. announcement, {name}: first sample (p50/p95 ms)",
                    f"{first['p50']:.1f}/{first['p95']:.1f}",
                    "at once with a chime"))  # fmt: skip
        out.append((f"8. announcement, {name}: first speech sample (p50/p95 ms)",
                    f"{speech['p50']:.1f}/{speech['p95']:.1f}",
                    "<= neither's + a few tens of ms"))  # fmt: skip
    return out
