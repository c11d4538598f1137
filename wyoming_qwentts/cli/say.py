"""``wyoming-qwentts say`` and ``wyoming-qwentts voices``."""

from __future__ import annotations

import argparse
import sys
import wave
from collections.abc import AsyncIterator
from dataclasses import replace

from .. import catalog
from ..core import InvalidParameterError, Speaker
from .flags import UsageError, Voicing
from .serve import clients


async def say(args: argparse.Namespace, voicing: Voicing) -> None:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise UsageError("there is no text to speak")
    model, voice = voicing.menu.default
    rate = voicing.params.sample_rate or model.default_sample_rate
    params = replace(voicing.params, voice=voice)
    async with clients(args, [model]) as (source,):
        speaker = Speaker(source, params)
        with wave.open(str(args.output), "wb") as wav:
            wav.setnchannels(catalog.PCM_CHANNELS)
            wav.setsampwidth(catalog.PCM_WIDTH)
            wav.setframerate(rate)
            written = shown = 0.0
            async for audio in speaker.speak(_one(text)):
                wav.writeframes(audio)
                written += len(audio) / (catalog.PCM_WIDTH * rate)
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


async def _one(text: str) -> AsyncIterator[str]:
    yield text


def voices(args: argparse.Namespace) -> None:
    """One model's voices, or every model's of the region, grouped by model."""
    try:
        models = (
            (catalog.get_model(args.model),)
            if args.model
            else catalog.models_for_region(args.region)
        )
    except InvalidParameterError as err:
        raise UsageError(f"{err} Known models: {', '.join(err.allowed)}") from None
    for model in models:
        if not args.model:
            print(f"{model.id} ({model.protocol})")
        if model.custom_voices:
            print(f"  {model.id} speaks only custom voices (pass their id with --voice).")
            continue
        width = max(12, *(len(voice.id) for voice in model.voices))
        for voice in model.voices:
            line = f"{voice.id:<{width}} {voice.description:<32} {' '.join(voice.languages)}"
            print(line if args.model else f"  {line}")
