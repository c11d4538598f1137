"""The one rule that says which model a voice means."""

from __future__ import annotations

from collections.abc import Sequence

from .customization import shaped_for
from .model import Model


def model_for_voice(voice: str, models: Sequence[Model]) -> Model | None:
    """The model of ``models`` (in order of preference) that speaks ``voice``.

    A system voice belongs to the first model that lists it (voices are not interchangeable
    across models); an id no model lists goes to the first model whose account voices have
    its shape (:func:`~.customization.shaped_for`), else to the first that takes cloned or
    designed voices. None when no model can speak it.
    """
    for model in models:
        if voice in model.voice_ids:
            return model
    custom = [model for model in models if model.custom_voices]
    return next((model for model in custom if shaped_for(voice, model.id)), None) or next(
        iter(custom), None
    )
