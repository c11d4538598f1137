"""``wyoming-qwentts voices``: a model's voices, or every model's of a region."""

from __future__ import annotations

import argparse

from .. import catalog
from ..core import InvalidParameterError
from .flags import UsageError


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
        if not model.voices:
            print(f"  {model.id} speaks only custom voices (pass their id with --voice).")
            continue
        width = max(12, *(len(voice.id) for voice in model.voices))
        for voice in model.voices:
            line = f"{voice.id:<{width}} {voice.description:<32} {' '.join(voice.languages)}"
            print(line if args.model else f"  {line}")
