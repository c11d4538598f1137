"""The one rule that says which model a voice means."""

from __future__ import annotations

from collections.abc import Sequence

from .model import Model


def model_for_voice(voice: str, models: Sequence[Model]) -> Model | None:
    """The model of ``models`` (in order of preference) that speaks ``voice``.

    A system voice belongs to the first model that lists it (voices are not interchangeable
    across models); an id no model lists goes to the first model that takes cloned or
    designed voices. None when no model can speak it.
    """
    for model in models:
        if voice in model.voice_ids:
            return model
    return next((model for model in models if model.custom_voices), None)
