"""One Wyoming server with the voices of several models: its menu, its Info, and each request
reaching the model (and protocol) its voice names, for both Home Assistant sequences."""

from __future__ import annotations

from typing import Any

import pytest
from wyoming.audio import AudioStart
from wyoming.error import Error
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize, SynthesizeVoice

from tests.helpers import (
    EVERY_FAMILY,
    WyomingServer,
    audio_of,
    read_until,
    shape,
    split_anywhere,
    stream,
)
from wyoming_qwentts import catalog
from wyoming_qwentts.core import InvalidParameterError
from wyoming_qwentts.server.info import build_info
from wyoming_qwentts.server.menu import VoiceMenu
from wyoming_qwentts.simulator import QwenSimulator, decode

TEXT = "Every failure, said the same way. 两种协议。"
MODELS = ("qwen3-tts-flash-realtime", "cosyvoice-v3-flash", "qwen-audio-3.0-tts-flash")


def models(*ids: str) -> list[catalog.Model]:
    return [catalog.MODELS[model_id] for model_id in ids]


def test_a_menu_of_models_with_distinct_voices() -> None:
    menu = VoiceMenu(models(*MODELS))
    names = [entry.name for entry in menu.voices]
    assert len(names) == len(set(names)) == sum(len(m.voices) for m in models(*MODELS))
    assert names[:2] == ["Cherry", "Ethan"]
    assert "longanyang" in names
    assert "longanlingxin" in names
    assert menu.default == (catalog.MODELS["qwen3-tts-flash-realtime"], "Cherry")
    assert menu.resolve("longanyang")[0].id == "cosyvoice-v3-flash"
    assert menu.resolve("longanfengyue")[0].id == "qwen-audio-3.0-tts-flash"
    assert menu.resolve(None) == menu.default


def test_shared_voice_ids_say_their_model() -> None:
    menu = VoiceMenu(models("qwen-audio-3.0-tts-plus", "qwen-audio-3.0-tts-flash"), "longanfengyue")
    names = [entry.name for entry in menu.voices]
    assert "qwen-audio-3.0-tts-plus/longanlingxin" in names
    assert "qwen-audio-3.0-tts-flash/longanlingxin" in names
    assert "longanfengyue" in names  # only flash has it: listed as it is
    assert menu.default[0].id == "qwen-audio-3.0-tts-flash"
    flash = menu.resolve("qwen-audio-3.0-tts-flash/longanlingxin")
    assert (flash[0].id, flash[1]) == ("qwen-audio-3.0-tts-flash", "longanlingxin")
    plain = menu.resolve("longanlingxin")  # a plain id: the first model that has it
    assert plain[0].id == "qwen-audio-3.0-tts-plus"
    assert menu.name_of(flash[0], "longanlingxin") == "qwen-audio-3.0-tts-flash/longanlingxin"


def test_unknown_voices() -> None:
    menu = VoiceMenu(models("qwen3-tts-flash-realtime", "qwen3-tts-instruct-flash-realtime"))
    with pytest.raises(InvalidParameterError, match="did you mean 'Jennifer'") as err:
        menu.resolve("Jenifer")
    assert err.value.code == "invalid-voice"
    assert "any of qwen3-tts-flash-realtime, qwen3-tts-instruct-flash-realtime" in str(err.value)
    # A model that takes cloned voices (and whose vendor list is longer than the catalog's)
    # gets an id nobody lists: the service judges it.
    open_list = VoiceMenu(models("qwen3-tts-flash-realtime", "cosyvoice-v3-flash"))
    assert open_list.resolve("longanyng")[0].id == "cosyvoice-v3-flash"
    # With a custom-voice model chosen, an id nobody lists is one of its custom voices.
    custom = VoiceMenu(models("qwen3-tts-flash-realtime", "qwen3-tts-vc-realtime-2026-01-15"))
    assert custom.resolve("my-clone")[0].id == "qwen3-tts-vc-realtime-2026-01-15"
    with pytest.raises(InvalidParameterError, match="takes only custom voices"):
        VoiceMenu(models("qwen3-tts-vc-realtime-2026-01-15"))
    only_custom = VoiceMenu(models("qwen3-tts-vc-realtime-2026-01-15"), "my-clone")
    info = build_info(only_custom).tts[0]
    assert [voice.name for voice in info.voices] == ["my-clone"]
    with pytest.raises(ValueError, match="at least one model"):
        VoiceMenu([])


@pytest.fixture
def server(families_server: WyomingServer) -> WyomingServer:
    return families_server


async def test_info_lists_every_voice_of_every_model(server: WyomingServer) -> None:
    async with server.client() as client:
        await client.write_event(Describe().event())
        info = Info.from_event((await read_until(client, "info"))[-1])
    (program,) = info.tts
    assert len(program.voices) == sum(len(m.voices) for m in models(*EVERY_FAMILY))
    yang = next(voice for voice in program.voices if voice.name == "longanyang")
    assert yang.description == "Longan Yang (male, sunny young man) · cosyvoice-v3-flash"
    assert yang.languages == ["zh", "en"]
    assert all(model in (program.description or "") for model in EVERY_FAMILY)


@pytest.mark.parametrize(
    ("voice", "model", "protocol"),
    [
        ("Ethan", "qwen3-tts-flash-realtime", "realtime"),
        ("longanyang", "cosyvoice-v3-flash", "inference"),
        ("longanxiaoxin", "qwen-audio-3.0-tts-flash", "inference"),
        ("sambert-zhichu-v1", "sambert-zhichu-v1", "inference"),
    ],
)
async def test_a_voice_selects_its_model_in_both_sequences(
    server: WyomingServer, simulator: QwenSimulator, voice: str, model: str, protocol: str
) -> None:
    text = "Which model speaks? This one. 是的。"
    async with server.client() as client:
        await client.write_event(Synthesize(text=text, voice=SynthesizeVoice(name=voice)).event())
        single = await read_until(client, "audio-stop")
        streamed = await stream(client, split_anywhere(text), SynthesizeVoice(name=voice))
    assert decode(audio_of(single)) == text
    assert decode(audio_of(streamed)) == text
    assert shape(streamed)[-3:] == ["audio-chunk", "audio-stop", "synthesize-stopped"]
    starts = [AudioStart.from_event(e) for e in single + streamed if AudioStart.is_type(e.type)]
    assert {start.rate for start in starts} == {48000}
    used = [record for record in simulator.sessions if record.spoken]
    assert {(record.model, record.protocol) for record in used} == {(model, protocol)}
    voices = {record.config.get("voice", record.model) for record in used}  # Sambert: the model
    assert voices == {voice}


async def test_no_voice_is_the_default_models_and_a_wrong_one_is_an_error(
    server: WyomingServer, simulator: QwenSimulator
) -> None:
    simulator.options.service_voices = frozenset()  # the service has no voice beyond the lists
    async with server.client() as client:
        await client.write_event(Synthesize(text="Default.").event())
        events = await read_until(client, "audio-stop")
        await client.write_event(
            Synthesize(text="Nobody.", voice=SynthesizeVoice(name="Nobody")).event()
        )
        failed = await read_until(client, "audio-stop")
    assert decode(audio_of(events)) == "Default."
    assert simulator.sessions[0].model == "qwen3-tts-flash-realtime"
    error = next(event for event in failed if event.type == "error")
    assert error.data["code"] == "invalid-voice"
    # An id no chosen model lists goes to the first that takes cloned voices; the service's
    # refusal names that model and the voice.
    assert "cosyvoice-v3-flash refused voice 'Nobody'" in error.data["text"]


@pytest.mark.parametrize("voice", ["Cherry", "longanyang"], ids=["realtime", "inference"])
@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        ({"reject_handshake": 401}, "auth-failed", "per region"),
        ({"reject_handshake": 403}, "access-denied", "denied"),
        ({"reject_handshake": 429}, "rate-limited", "rate limit"),
        ({"max_sessions": 0, "throttle_style": "event"}, "rate-limited", "rate limit"),
        ({"reject_handshake": 500}, "upstream-failed", "unavailable"),
        ({"error_after_deltas": 2, "delta_bytes": 480}, "upstream-failed", "InternalError"),
        ({"drop_after_deltas": 2, "delta_bytes": 480}, "upstream-failed", "closed before"),
        ({"stall_after_deltas": 1, "delta_bytes": 480}, "upstream-timeout", "more audio"),
    ],
)
async def test_every_error_code_maps_alike_on_both_protocols(
    server: WyomingServer,
    simulator: QwenSimulator,
    voice: str,
    options: dict[str, Any],
    code: str,
    message: str,
) -> None:
    for name, value in options.items():
        setattr(simulator.options, name, value)
    async with server.client() as client:
        events = await stream(client, split_anywhere(TEXT), SynthesizeVoice(name=voice))
    errors = [Error.from_event(e) for e in events if e.type == "error"]
    assert [e.code for e in errors] == [code]
    assert message in errors[0].text
    assert shape(events)[-2:] == ["audio-stop", "synthesize-stopped"]


def test_the_default_stands_when_the_accounts_voices_arrive() -> None:
    from wyoming_qwentts.enrollment import CustomVoice

    vc, cosy = (
        catalog.MODELS["qwen3-tts-vc-realtime-2026-01-15"],
        catalog.MODELS["cosyvoice-v3-flash"],
    )
    menu = VoiceMenu([vc, cosy])  # the first model has no system voice
    assert menu.default == (cosy, "longanyang")
    own = CustomVoice("qwen-tts-vc-kitchen-voice-1-ab", vc.id, name="kitchen")
    grown = menu.with_account([own])
    assert grown.default == (cosy, "longanyang")  # not the account's first voice
    assert grown.resolve(own.id) == (vc, own.id)
