"""``wyoming-qwentts say`` and ``wyoming-qwentts voices``."""

from __future__ import annotations

import argparse
import sys
import wave
from collections.abc import AsyncIterator

from .. import catalog
from ..core import InvalidParameterError, Speaker, SpeechParams
from .flags import UsageError
from .serve import client


async def say(args: argparse.Namespace, model: catalog.Model, params: SpeechParams) -> None:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise UsageError("there is no text to speak")
    rate = params.sample_rate or model.default_sample_rate
    async with client(args, model) as source:
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
        f"characters billed, first audio after {first * 1000:.0f} ms, voice {params.voice}"
    )


async def _one(text: str) -> AsyncIterator[str]:
    yield text


def voices(model_id: str) -> None:
    try:
        model = catalog.get_model(model_id)
    except InvalidParameterError as err:
        raise UsageError(f"{err} Known models: {', '.join(err.allowed)}") from None
    if model.custom_voices:
        print(f"{model.id} speaks only custom voices (pass their id with --voice).")
        return
    width = max(12, *(len(voice.id) for voice in model.voices))
    for voice in model.voices:
        print(f"{voice.id:<{width}} {voice.description:<32} {' '.join(voice.languages)}")
