"""The vendor's SDK (``dashscope``, pinned) runs unchanged against the simulator, and its audio
decodes to its input: the cross-check that the simulator speaks the service's protocol."""

from __future__ import annotations

import threading

import pytest
from dashscope.audio.tts import SpeechSynthesizer as SambertSynthesizer
from dashscope.audio.tts_v2 import (
    AudioFormat,
    ResultCallback,
    SpeechSynthesizer,
    SpeechSynthesizerObjectPool,
)

from wyoming_qwentts.simulator import QwenSimulator, decode

TEXT = "Hello from the vendor SDK. It speaks two sentences."
PCM = AudioFormat.PCM_22050HZ_MONO_16BIT


class Collector(ResultCallback):  # type: ignore[misc]
    """Keeps the audio of a streaming call and notes its end."""

    def __init__(self) -> None:
        self.audio = b""
        self.complete = threading.Event()
        self.errors: list[str] = []

    def on_data(self, data: bytes) -> None:
        self.audio += data

    def on_complete(self) -> None:
        self.complete.set()

    def on_error(self, message: str) -> None:
        self.errors.append(str(message))
        self.complete.set()


@pytest.mark.parametrize(
    ("model", "voice"),
    [("cosyvoice-v3-flash", "longanyang"), ("qwen-audio-3.0-tts-flash", "longanlingxin")],
)
def test_call(simulator: QwenSimulator, model: str, voice: str) -> None:
    synthesizer = SpeechSynthesizer(model=model, voice=voice, format=PCM)
    audio = synthesizer.call(TEXT)
    assert decode(audio) == TEXT
    assert synthesizer.get_first_package_delay() >= 0
    record = simulator.sessions[0]
    assert record.event_types() == ["run-task", "continue-task", "finish-task"]
    assert record.config["enable_ssml"] is True  # the SDK's call() always asks for SSML
    assert record.config["voice"] == voice


def test_streaming_call(simulator: QwenSimulator) -> None:
    collector = Collector()
    synthesizer = SpeechSynthesizer(
        model="cosyvoice-v3-flash", voice="longanyang", format=PCM, callback=collector
    )
    for piece in ("Hello from ", "the vendor SDK. It speaks ", "two sentences."):
        synthesizer.streaming_call(piece)
    synthesizer.streaming_complete()
    assert collector.errors == []
    assert decode(collector.audio) == TEXT
    actions = simulator.sessions[0].event_types()
    assert actions == ["run-task", *["continue-task"] * 3, "finish-task"]


def test_streaming_flush(simulator: QwenSimulator) -> None:
    collector = Collector()
    synthesizer = SpeechSynthesizer(
        model="cosyvoice-v3-flash", voice="longanyang", format=PCM, callback=collector
    )
    synthesizer.streaming_call("Flushed without an end")
    synthesizer.streaming_flush()
    synthesizer.streaming_call(", then more.")
    synthesizer.streaming_complete()
    assert decode(collector.audio) == "Flushed without an end, then more."


def test_two_tasks_on_one_pooled_socket(simulator: QwenSimulator) -> None:
    pool = SpeechSynthesizerObjectPool(max_size=1)
    try:
        spoken = []
        for text in ("First pooled task.", "Second pooled task."):
            synthesizer = pool.borrow_synthesizer(
                model="cosyvoice-v3-flash", voice="longanyang", format=PCM
            )
            spoken.append(decode(synthesizer.call(text)))
            pool.return_synthesizer(synthesizer)
        assert spoken == ["First pooled task.", "Second pooled task."]
        used = [record for record in simulator.sessions if record.tasks]
        assert len(used) == 1  # the pool's pre-connected socket ran both tasks
        assert len(used[0].tasks) == 2
        assert len(set(used[0].tasks)) == 2  # each with a new task id
    finally:
        pool.shutdown()


def test_a_voice_of_another_model_fails_in_the_sdk_too(simulator: QwenSimulator) -> None:
    synthesizer = SpeechSynthesizer(model="cosyvoice-v2", voice="longanyang", format=PCM)
    with pytest.raises(Exception, match="418"):
        synthesizer.call("Refused.")


def test_sambert_call(simulator: QwenSimulator) -> None:
    result = SambertSynthesizer.call(
        model="sambert-zhichu-v1", text="今天天气怎么样。Sambert speaks.", sample_rate=48000,
        format="pcm",
    )  # fmt: skip
    assert decode(result.get_audio_data()) == "今天天气怎么样。Sambert speaks."
    assert result.get_timestamps()  # the sentences its SDK collects from every event
    record = simulator.sessions[0]
    assert record.event_types() == ["run-task"]
    assert record.config["sample_rate"] == 48000
