"""The catalog: every model's data, and the one validation every caller runs."""

from __future__ import annotations

from typing import Any

import pytest

from wyoming_qwentts import catalog
from wyoming_qwentts.core import InvalidParameterError, SpeechParams
from wyoming_qwentts.inference import wire as inference_wire
from wyoming_qwentts.realtime.wire import from_wire, to_wire
from wyoming_qwentts.speech.dashscope import check_workspace, endpoint, headers


def test_realtime_models() -> None:
    flash = catalog.MODELS["qwen3-tts-flash-realtime"]
    assert flash.protocol == "realtime"
    assert len(flash.voices) == 49
    old = catalog.MODELS["qwen3-tts-flash-realtime-2025-09-18"]
    assert len(old.voices) == 17
    assert "Momo" not in old.voice_ids
    assert len(catalog.MODELS["qwen3-tts-instruct-flash-realtime"].voices) == 24
    assert flash.voice_languages() == ("zh", "en", "fr", "de", "ru", "it", "es", "pt", "ja", "ko")
    legacy = catalog.MODELS["qwen-tts-realtime"]
    assert legacy.regions == ("beijing",)
    assert legacy.voice_languages() == ("zh", "en")
    assert legacy not in catalog.models_for_region("singapore")
    assert legacy in catalog.models_for_region("beijing")
    vc = catalog.MODELS["qwen3-tts-vc-realtime-2026-01-15"]
    assert vc.custom_voices
    assert vc.default_voice is None
    assert vc.voice_languages() == ()
    rocky = flash.voice("Rocky")
    assert rocky is not None
    assert rocky.display_name == "Rocky (male, Cantonese dialect)"
    jennifer = flash.voice("Jennifer")
    assert jennifer is not None
    assert jennifer.description == "female, US English"
    assert legacy.voice("Chelsie") is not None
    assert legacy.voice("Kiki") is None
    assert vc.voice("my-clone") is None
    assert catalog.billed_characters("ab你好") == 6


def test_inference_models() -> None:
    for model_id in (
        "qwen-audio-3.0-tts-flash",
        "qwen-audio-3.0-tts-plus",
        "cosyvoice-v3-flash",
        "cosyvoice-v3-plus",
    ):
        model = catalog.MODELS[model_id]
        assert model.protocol == "inference"
        assert model.regions == ("singapore", "beijing")
        assert model.sample_rates == (8000, 16000, 22050, 24000, 44100, 48000)
        assert model.voices
    audio = catalog.MODELS["qwen-audio-3.0-tts-flash"]
    assert audio.default_voice == "longanlingxin"
    lingxin = audio.voice("longanlingxin")
    assert lingxin is not None
    assert lingxin.display_name == "Longan Lingxin (female, warm, empathetic)"
    assert "ssml" not in audio.options  # the vendor's list: no SSML on Qwen-Audio voices
    cosy = catalog.MODELS["cosyvoice-v3-flash"]
    assert cosy.default_voice == "longanyang"
    assert "ssml" in cosy.options
    v2 = catalog.MODELS["cosyvoice-v2"]
    assert v2.regions == ("beijing",)
    assert {"longxiaochun_v2", "longanyue", "kabuleshen_v2"} <= set(v2.voice_ids)  # as listed
    assert len(v2.voices) == len(set(v2.voice_ids)) == 106
    for model_id in ("cosyvoice-v3.5-flash", "cosyvoice-v3.5-plus"):
        model = catalog.MODELS[model_id]
        assert model.custom_voices
        assert model.voices == ()
        assert model.regions == ("beijing",)
    sambert = catalog.MODELS["sambert-zhichu-v1"]
    assert sambert.voice_ids == ("sambert-zhichu-v1",)  # the voice is the model
    assert sambert.regions == ("beijing",)
    assert not sambert.streaming_input
    assert sambert.sample_rates == (16000, 48000)
    singapore = {model.id for model in catalog.models_for_region("singapore")}
    assert not any(model_id.startswith("sambert-") for model_id in singapore)
    assert len([m for m in catalog.MODELS.values() if m.family == "sambert"]) == 43


def test_voices_are_not_interchangeable_across_models() -> None:
    with pytest.raises(
        InvalidParameterError, match="'longanyang' is a system voice of another model"
    ) as err:
        catalog.check_params(catalog.MODELS["cosyvoice-v2"], SpeechParams(voice="longanyang"))
    assert "cosyvoice-v2 takes its own voices" in err.value.message
    assert err.value.field == "voice"
    assert err.value.code == "invalid-voice"
    # A custom-voice model refuses every system voice, of any model.
    for voice in ("Cherry", "longanyang"):
        with pytest.raises(InvalidParameterError, match="only custom voices"):
            catalog.check_params(catalog.MODELS["cosyvoice-v3.5-plus"], SpeechParams(voice=voice))
    catalog.check_params(catalog.MODELS["cosyvoice-v3.5-plus"], SpeechParams(voice="cosy-vd-1"))
    # The vendor's lists are longer than the catalog's, and cloned voices exist: an id no
    # model lists is the service's to judge.
    for model in ("cosyvoice-v2", "cosyvoice-v3-flash", "qwen-audio-3.0-tts-plus"):
        catalog.check_params(catalog.MODELS[model], SpeechParams(voice="my-clone-1"))
    with pytest.raises(InvalidParameterError, match="is not offered by"):
        catalog.check_params(
            catalog.MODELS["qwen3-tts-flash-realtime"], SpeechParams(voice="my-clone-1")
        )
    with pytest.raises(InvalidParameterError, match="give the id of one"):
        catalog.check_params(catalog.MODELS["cosyvoice-v3.5-plus"], SpeechParams())


def test_unknown_model_names_the_closest() -> None:
    with pytest.raises(InvalidParameterError, match="did you mean 'cosyvoice-v3-flash'") as err:
        catalog.get_model("cosyvoice-v3-flsh")
    assert err.value.field == "model"
    assert "qwen-audio-3.0-tts-flash" in err.value.allowed


@pytest.mark.parametrize(
    ("model", "params", "field", "message"),
    [
        ("qwen3-tts-flash-realtime", {"voice": ""}, "voice", "non-empty"),
        ("qwen3-tts-flash-realtime", {"voice": 3}, "voice", "non-empty"),
        ("qwen3-tts-vc-realtime-2026-01-15", {"voice": "Cherry"}, "voice", "only custom"),
        ("qwen3-tts-flash-realtime", {"sample_rate": "24000"}, "sample_rate", "integer"),
        ("qwen3-tts-flash-realtime", {"format": "flac"}, "format", "flac"),
        ("qwen3-tts-flash-realtime", {"language": "tlh"}, "language", "'tlh'"),
        ("qwen3-tts-flash-realtime", {"volume": 50.5}, "volume", "integer"),
        ("qwen3-tts-flash-realtime", {"volume": True}, "volume", "number"),
        ("qwen3-tts-flash-realtime", {"volume": 101}, "volume", "out of range [0, 100]"),
        ("qwen3-tts-flash-realtime", {"bit_rate": 64}, "bit_rate", "only to format 'opus' or"),
        ("qwen3-tts-flash-realtime", {"seed": 7}, "seed", "does not accept seed"),
        ("qwen-tts-realtime", {"rate": 1.2}, "rate", "does not accept rate"),
        ("qwen-tts-realtime", {"sample_rate": 16000}, "sample_rate", "expected one of 24000"),
        ("qwen-tts-realtime", {"language": "de"}, "language", "expected one of 'zh', 'en'"),
        ("qwen3-tts-instruct-flash-realtime", {"instructions": 5}, "instructions", "string"),
        (
            "qwen3-tts-instruct-flash-realtime",
            {"optimize_instructions": "yes"},
            "optimize_instructions",
            "true or false",
        ),
        (
            "qwen3-tts-flash-realtime",
            {"optimize_instructions": True},
            "optimize_instructions",
            "does not accept",
        ),
        ("cosyvoice-v3-flash", {"sample_rate": 32000}, "sample_rate", "22050, 24000"),
        ("cosyvoice-v3-flash", {"rate": 2.5}, "rate", "out of range [0.5, 2]"),
        ("cosyvoice-v3-flash", {"seed": 70000}, "seed", "out of range [0, 65535]"),
        ("cosyvoice-v3-flash", {"format": "mp3", "bit_rate": 64}, "bit_rate", "only to format"),
        ("cosyvoice-v3-flash", {"optimize_instructions": True}, "optimize_instructions", "not"),
        ("qwen-audio-3.0-tts-flash", {"instructions": "慢" * 51}, "instructions", "at most 100"),
        ("sambert-zhichu-v1", {"sample_rate": 24000}, "sample_rate", "16000, 48000"),
        ("sambert-zhichu-v1", {"instructions": "Calm"}, "instructions", "does not accept"),
        ("sambert-zhichu-v1", {"voice": "zhichu"}, "voice", "Its voice is 'sambert-zhichu-v1'"),
        ("sambert-zhichu-v1", {"language": "zh"}, "language", "it takes no language"),
    ],
)
def test_check_params_refuses(model: str, params: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidParameterError) as err:
        catalog.check_params(catalog.MODELS[model], SpeechParams(**params))
    assert err.value.field == field
    assert message in str(err.value)


def test_check_params_accepts() -> None:
    check = catalog.check_params
    instruct = catalog.MODELS["qwen3-tts-instruct-flash-realtime"]
    check(instruct, SpeechParams(voice="Pip", instructions="Cheerful", optimize_instructions=True))
    flash = catalog.MODELS["qwen3-tts-flash-realtime"]
    check(flash, SpeechParams(format="opus", bit_rate=64, instructions="", volume=0))
    check(catalog.MODELS["qwen3-tts-vd-realtime-2025-12-16"], SpeechParams(voice="my design"))
    cosy = catalog.MODELS["cosyvoice-v3-flash"]
    check(cosy, SpeechParams(format="opus", bit_rate=32, seed=42, sample_rate=44100, pitch=0.5))
    check(catalog.MODELS["qwen-audio-3.0-tts-flash"], SpeechParams(instructions="慢" * 50))
    check(catalog.MODELS["sambert-zhinan-v1"], SpeechParams(sample_rate=48000, rate=1.5))


def test_realtime_wire_names() -> None:
    flash = catalog.MODELS["qwen3-tts-flash-realtime"]
    params = SpeechParams(voice="Ethan", language="fr", rate=1.5, pitch=0.8, format="wav")
    session = to_wire(flash, params, "commit")
    assert session == {
        "voice": "Ethan",
        "mode": "commit",
        "response_format": "wav",
        "sample_rate": 24000,
        "speech_rate": 1.5,
        "pitch_rate": 0.8,
        "language_type": "French",
    }
    assert from_wire(session) == SpeechParams(
        voice="Ethan", language="fr", rate=1.5, pitch=0.8, format="wav", sample_rate=24000
    )
    assert from_wire({"language_type": "Auto"}).language is None
    with pytest.raises(InvalidParameterError, match="Invalid language_type 'Klingon'") as err:
        from_wire({"language_type": "Klingon"})
    assert err.value.field == "language"


def test_inference_wire_names() -> None:
    cosy = catalog.MODELS["cosyvoice-v3-flash"]
    params = SpeechParams(language="en", rate=1.2, instructions="Warm.", seed=3, sample_rate=16000)
    parameters = inference_wire.to_wire(cosy, params, ssml=True)
    assert parameters == {
        "text_type": "PlainText",
        "format": "pcm",
        "sample_rate": 16000,
        "voice": "longanyang",
        "enable_ssml": True,
        "rate": 1.2,
        "seed": 3,
        "instruction": "Warm.",
        "language_hints": ["en"],
    }
    back = inference_wire.from_wire(parameters)
    assert back == SpeechParams(
        voice="longanyang",
        language="en",
        rate=1.2,
        instructions="Warm.",
        seed=3,
        sample_rate=16000,
    )
    sambert = inference_wire.to_wire(
        catalog.MODELS["sambert-zhichu-v1"], SpeechParams(), ssml=False
    )
    assert "voice" not in sambert  # the model is the voice
    assert "enable_ssml" not in sambert


def test_endpoints_and_workspaces() -> None:
    realtime, inference = "/api-ws/v1/realtime", "/api-ws/v1/inference"
    assert endpoint(realtime, "singapore") == "wss://dashscope-intl.aliyuncs.com/api-ws/v1/realtime"
    assert endpoint(inference, "beijing") == "wss://dashscope.aliyuncs.com/api-ws/v1/inference"
    assert (
        endpoint(inference, "singapore", workspace="ws-abc123")
        == "wss://ws-abc123.ap-southeast-1.maas.aliyuncs.com/api-ws/v1/inference"
    )
    assert (
        endpoint(realtime, "beijing", workspace="ws-abc123")
        == "wss://ws-abc123.cn-beijing.maas.aliyuncs.com/api-ws/v1/realtime"
    )
    # An override of any protocol's URL gives each protocol its own path on that host and port.
    sim = "ws://127.0.0.1:5000/api-ws/v1/realtime"
    assert endpoint(inference, "singapore", url=sim) == "ws://127.0.0.1:5000/api-ws/v1/inference"
    assert endpoint(realtime, "singapore", url=sim) == sim
    sdk_style = "ws://127.0.0.1:5000/api-ws/v1/inference/"
    assert endpoint(realtime, "singapore", url=sdk_style) == sim
    assert (
        endpoint("/api-ws/v1/other", "singapore", url=sim) == "ws://127.0.0.1:5000/api-ws/v1/other"
    )
    proxy = "wss://proxy.example/tts"
    assert endpoint(inference, "singapore", url=proxy) == proxy  # someone else's path: kept
    with pytest.raises(ValueError, match="Invalid workspace id"):
        check_workspace("ws/../evil")
    assert headers("sk-1", "ws-1")["X-DashScope-WorkSpace"] == "ws-1"
    assert "X-DashScope-WorkSpace" not in headers("sk-1", None)


def test_which_model_a_voice_means() -> None:
    flash, instruct, cosy, vc = (
        catalog.MODELS[m]
        for m in (
            "qwen3-tts-flash-realtime",
            "qwen3-tts-instruct-flash-realtime",
            "cosyvoice-v3-flash",
            "qwen3-tts-vc-realtime-2026-01-15",
        )
    )
    assert catalog.model_for_voice("Cherry", [flash, instruct]) is flash  # the first that lists it
    assert catalog.model_for_voice("Cherry", [instruct, flash]) is instruct
    assert catalog.model_for_voice("longanyang", [flash, cosy]) is cosy
    assert catalog.model_for_voice("Cherry", [vc, flash]) is flash  # a system voice: its model
    assert catalog.model_for_voice("my-clone-1", [flash, vc]) is vc  # unlisted: a custom model
    assert catalog.model_for_voice("my-clone-1", [flash, cosy]) is cosy  # takes cloned voices
    assert catalog.model_for_voice("my-clone-1", [flash, instruct]) is None


@pytest.mark.parametrize(
    ("given", "code"),
    [("en", "en"), ("en-US", "en"), ("zh_CN", "zh"), ("DE", "de"), ("English", "en"),
     ("Chinese", "zh"), ("Auto", None), ("", None)],
)  # fmt: skip
def test_language_codes(given: str, code: str | None) -> None:
    assert catalog.language_code(given) == code


@pytest.mark.parametrize(
    ("voice", "model"),
    [
        ("qwen-tts-vd-narrator-voice-20261202143723139-77b9", "qwen3-tts-vd-realtime-2026-01-15"),
        ("qwen-tts-vc-kitchen-voice-20261202143723139-77b9", "qwen3-tts-vc-realtime-2026-01-15"),
        ("cosyvoice-v3-plus-hall-0123abcd", "cosyvoice-v3-plus"),
        ("cosyvoice-v2-hall-0123abcd", "cosyvoice-v3-flash"),  # not chosen: the first such
        ("somebody", "cosyvoice-v3-flash"),
        ("longanyang", "cosyvoice-v3-flash"),  # a system voice: its model, first listed
    ],
)
def test_an_account_voice_goes_to_the_model_its_id_names(voice: str, model: str) -> None:
    chosen = [
        catalog.MODELS[m]
        for m in (
            "qwen3-tts-flash-realtime",
            "cosyvoice-v3-flash",
            "cosyvoice-v3-plus",
            "qwen3-tts-vc-realtime-2026-01-15",
            "qwen3-tts-vd-realtime-2026-01-15",
        )
    ]
    found = catalog.model_for_voice(voice, chosen)
    assert found is not None
    assert found.id == model
