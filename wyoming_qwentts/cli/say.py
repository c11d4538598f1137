"""``wyoming-qwentts say``: speak a text into a WAV file."""

from __future__ import annotations

import argparse
import sys
import wave
from dataclasses import replace

from ..core.pcm import PCM_CHANNELS, PCM_WIDTH
from ..speech import Speaker, single_text
from .flags import UsageError, Voicing
from .serve import service


async def say(args: argparse.Namespace, voicing: Voicing) -> None:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise UsageError("there is no text to speak")
    model, voice = voicing.menu.default
    rate = voicing.params.sample_rate or model.default_sample_rate
    params = replace(voicing.params, voice=voice)
    async with service(args) as upstream_service:
        (source,) = upstream_service.clients([model])
        speaker = Speaker(source, params)
        with wave.open(str(args.output), "wb") as wav:
            wav.setnchannels(PCM_CHANNELS)
            wav.setsampwidth(PCM_WIDTH)
            wav.setframerate(rate)
            written = shown = 0.0
            announced = voicing.announcement.announce(speaker.speak(single_text(text)), rate)
            async for audio in announced:
                wav.writeframes(audio)
                written += len(audio) / (PCM_WIDTH * rate)
                if len(text) > 200 and written - shown >= 5:
                    shown = written
                    print(f"  {written:5.1f} s of audio ...", file=sys.stderr, flush=True)
    metrics = speaker.stats.metrics
    assert metrics is not None
    first = metrics.time_to_first_audio or 0.0
    print(
        f"Wrote {args.output}: {metrics.audio_seconds:.1f} s of audio, {metrics.characters} "
        f"characters billed, first audio after {first * 1000:.0f} ms, voice {voice} "
        f"of {model.id}"
    )
