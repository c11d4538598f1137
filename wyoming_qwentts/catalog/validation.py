"""Whether a model accepts a request's parameters: the one check every caller runs.

The client runs it before sending, the simulator on what it receives (after mapping the
wire names back), the Wyoming server at start-up and per request, and Home Assistant in
its forms and actions. An error names the neutral field and, where there is a short list,
the allowed values.
"""

from __future__ import annotations

import difflib
from typing import Any

from ..core.errors import InvalidParameterError
from ..core.params import SpeechParams
from .model import Model


def billed_characters(text: str) -> int:
    """Characters as the service bills them: a Chinese character counts 2, anything else 1."""
    return sum(2 if _is_cjk(char) else 1 for char in text)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FFFF


def choices(values: tuple[Any, ...]) -> str:
    """``'a', 'b', 'c'``: values for a message."""
    return ", ".join(repr(value) for value in values)


def closest(value: str, candidates: tuple[str, ...]) -> str:
    """``"; did you mean 'A' or 'B'?"`` for the nearest candidates (any case), else ``"."``."""
    by_folded = {candidate.casefold(): candidate for candidate in candidates}
    near = difflib.get_close_matches(value.casefold(), by_folded, n=3, cutoff=0.6)
    if not near:
        return "."
    names = [repr(by_folded[name]) for name in near]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f"; did you mean {listed}?"


def check_params(model: Model, params: SpeechParams, *, system_voices: frozenset[str]) -> None:
    """Raise InvalidParameterError if ``model`` does not accept ``params``.

    ``system_voices`` are the system voices of every model: one of another model is refused
    by a custom-voice model too (voices are not interchangeable across models).
    """
    _check_voice(model, params.voice, system_voices)
    check_settings(model, params)


def check_settings(model: Model, params: SpeechParams) -> None:
    """Raise InvalidParameterError if ``model`` does not accept ``params`` apart from the
    voice (the language, format, rate and prosody, instructions)."""
    if params.language is not None and params.language not in model.languages:
        allowed = model.languages
        detail = f"expected one of {choices(allowed)}" if allowed else "it takes no language"
        raise InvalidParameterError(
            "language", f"Invalid language {params.language!r} for {model.id}; {detail}.", allowed
        )
    _check_member(model, "format", params.format, model.formats)
    if params.sample_rate is not None:
        _check_member(model, "sample_rate", params.sample_rate, model.sample_rates)
    for name in ("rate", "pitch", "volume", "bit_rate", "seed"):
        _check_range(model, name, getattr(params, name))
    if params.bit_rate is not None and params.format not in model.bit_rate_formats:
        raise InvalidParameterError(
            "bit_rate",
            f"bit_rate applies only to format {' or '.join(map(repr, model.bit_rate_formats))}"
            f" on {model.id}.",
        )
    _check_instructions(model, params)


def _check_voice(model: Model, voice: Any, system_voices: frozenset[str]) -> None:
    if voice is None:
        if model.default_voice is None:
            raise InvalidParameterError(
                "voice", f"{model.id} takes only custom voices: give the id of one."
            )
        return
    if not isinstance(voice, str) or not voice.strip():
        raise InvalidParameterError("voice", "The voice must be a non-empty string.")
    if voice in model.voice_ids:
        return
    if model.custom_voices:
        if voice in system_voices:
            own = (
                f"its own voices{closest(voice, model.voice_ids)}"
                if model.voices
                else "only custom voices created for it."
            )
            raise InvalidParameterError(
                "voice",
                f"{voice!r} is a system voice of another model: {model.id} takes {own}",
                model.voice_ids,
            )
        return
    ids = model.voice_ids
    count = f"It has {len(ids)} voices." if len(ids) > 1 else f"Its voice is {ids[0]!r}."
    raise InvalidParameterError(
        "voice", f"Voice {voice!r} is not offered by {model.id}{closest(voice, ids)} {count}", ids
    )


def _check_member(model: Model, name: str, value: Any, allowed: tuple[Any, ...]) -> None:
    if name == "sample_rate" and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidParameterError(name, f"{name} must be an integer.", tuple(map(str, allowed)))
    if value not in allowed:
        raise InvalidParameterError(
            name,
            f"Invalid {name} {value!r} for {model.id}; expected one of {choices(allowed)}.",
            tuple(str(item) for item in allowed),
        )


def _check_range(model: Model, name: str, value: Any) -> None:
    if value is None:
        return
    bounds = model.ranges.get(name)
    if bounds is None:
        raise InvalidParameterError(name, f"{model.id} does not accept {name}.")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameterError(name, f"{name} must be a number.")
    if bounds.integer and not isinstance(value, int):
        raise InvalidParameterError(name, f"{name} must be an integer.")
    if not bounds.low <= value <= bounds.high:
        raise InvalidParameterError(
            name, f"{name} {value!r} is out of range [{bounds.low:g}, {bounds.high:g}]."
        )


def _check_instructions(model: Model, params: SpeechParams) -> None:
    for name in ("instructions", "optimize_instructions"):
        value = getattr(params, name)
        if value is None or value == "" or value is False:
            continue
        if name not in model.options:
            raise InvalidParameterError(name, f"{model.id} does not accept {name}.")
    instructions = params.instructions
    if instructions is not None and not isinstance(instructions, str):
        raise InvalidParameterError("instructions", "instructions must be a string.")
    limit = model.instructions_limit
    if instructions and limit is not None and billed_characters(instructions) > limit:
        raise InvalidParameterError(
            "instructions",
            f"instructions may have at most {limit} characters on {model.id} "
            "(a Chinese character counts 2).",
        )
    optimize = params.optimize_instructions
    if optimize is not None and not isinstance(optimize, bool):
        raise InvalidParameterError(
            "optimize_instructions", "optimize_instructions must be true or false."
        )
