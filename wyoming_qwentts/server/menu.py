"""The voices one server offers from several models, and which model a request's voice means.

Home Assistant's Wyoming integration uses the first TTS program of a server, so every chosen
model's voices go into that one program. A voice id that two chosen models share is listed as
``model/voice`` (``qwen3-tts-instruct-flash-realtime/Cherry``) under each; an id only one
model has is listed as it is. The account's own voices of each model (cloned or designed)
follow its system voices. A request may name a listed voice, ``model/voice`` for any
chosen model, or a plain id: the model it means is the catalog's rule
(:func:`~wyoming_qwentts.catalog.model_for_voice`, the chosen models in the order given).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .. import catalog
from ..core import InvalidParameterError, SpeechParams
from ..enrollment import CustomVoice, offered_voices

SEPARATOR: Final = "/"


@dataclass(frozen=True, slots=True)
class MenuVoice:
    """A voice as the server lists it."""

    name: str
    """What Info lists and a request may name."""
    model: catalog.Model
    voice: catalog.Voice


class VoiceMenu:
    """The voices of ``models`` (in the order given, the first being the default's model)
    and the ``account``'s own voices of them."""

    def __init__(
        self,
        models: Sequence[catalog.Model],
        default_voice: str | None = None,
        account: Sequence[CustomVoice] = (),
    ) -> None:
        if not models:
            raise ValueError("A menu needs at least one model")
        self.models = tuple(models)
        self.default_voice = default_voice
        self.account = tuple(account)
        offered = [(model, voice) for model in models for voice in offered_voices(model, account)]
        shared = Counter(voice.id for _, voice in offered)
        self.voices = tuple(
            MenuVoice(
                f"{model.id}{SEPARATOR}{voice.id}" if shared[voice.id] > 1 else voice.id,
                model,
                voice,
            )
            for model, voice in offered
        )
        self._by_name = {entry.name: entry for entry in self.voices}
        self.default = self.resolve(default_voice) if default_voice else self._first()

    def with_account(self, account: Sequence[CustomVoice]) -> VoiceMenu:
        """The same menu with ``account`` as the account's voices (and the same default:
        what a request without a voice means does not change with the account)."""
        menu = VoiceMenu(self.models, self.default_voice, account)
        menu.default = self.default
        return menu

    def _first(self) -> tuple[catalog.Model, str]:
        if self.voices:
            first = self.voices[0]
            return first.model, first.voice.id
        raise InvalidParameterError(
            "voice", f"{self.models[0].id} takes only custom voices: give the id of one."
        )

    def name_of(self, model: catalog.Model, voice_id: str) -> str:
        """How the menu lists ``voice_id`` of ``model`` (``model/voice`` when shared)."""
        for entry in self.voices:
            if entry.model is model and entry.voice.id == voice_id:
                return entry.name
        return voice_id if len(self.models) == 1 else f"{model.id}{SEPARATOR}{voice_id}"

    def resolve(self, voice: str | None) -> tuple[catalog.Model, str]:
        """The model and voice id a request's voice means (the default for none).

        Raises InvalidParameterError (field ``voice``) naming the closest listed voices.
        """
        if not voice:
            return self.default
        if (entry := self._by_name.get(voice)) is not None:
            return entry.model, entry.voice.id
        model_id, separator, voice_id = voice.partition(SEPARATOR)
        if separator:
            for model in self.models:
                if model.id == model_id:
                    return model, voice_id
        if (speaker := catalog.model_for_voice(voice, self.models)) is not None:
            return speaker, voice
        if len(self.models) == 1:  # the catalog's own words for its one model
            catalog.check_params(self.models[0], SpeechParams(voice=voice))
        names = tuple(self._by_name)
        raise InvalidParameterError(
            "voice",
            f"Voice {voice!r} is not offered by any of "
            f"{', '.join(model.id for model in self.models)}{catalog.closest(voice, names)} "
            f"They have {len(names)} voices.",
            names,
        )
