"""The vendor SDK (dashscope ``tts_v2.SpeechSynthesizer``) on the inference protocol, against
the simulator, in a process of its own.

    python bench/sdk_inference.py ttfa URL KEY MODEL VOICE REQUESTS
        time to first audio of REQUESTS calls, one after another: a new synthesizer each
        (cold: it connects), and borrowed from the SDK's object pool (its sockets opened
        ahead and reused)
    python bench/sdk_inference.py load URL KEY MODEL VOICE CONCURRENCY TEXT_FILE
        CONCURRENCY streaming calls at once: CPU seconds of this process, seconds of audio

Prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from typing import Any

import dashscope
from dashscope.audio.tts_v2 import (
    AudioFormat,
    ResultCallback,
    SpeechSynthesizer,
    SpeechSynthesizerObjectPool,
)

PCM = AudioFormat.PCM_24000HZ_MONO_16BIT
BYTES_PER_SECOND = 48_000


class FirstAudio(ResultCallback):  # type: ignore[misc]
    """Notes when the first audio arrives, counts it all, and the end of the task."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.first: float | None = None
        self.audio_bytes = 0
        self.done = threading.Event()

    def on_data(self, data: bytes) -> None:
        if self.first is None:
            self.first = time.monotonic() - self.started
        self.audio_bytes += len(data)

    def on_complete(self) -> None:
        self.done.set()

    def on_error(self, message: Any) -> None:
        self.done.set()


def _speak(synthesizer: SpeechSynthesizer, callback: FirstAudio, text: str) -> None:
    callback.started = time.monotonic()
    synthesizer.streaming_call(text)
    synthesizer.streaming_complete()


def ttfa(model: str, voice: str, requests: int) -> dict[str, list[float]]:
    cold = []
    for n in range(requests):
        callback = FirstAudio()
        started = time.monotonic()
        synthesizer = SpeechSynthesizer(model=model, voice=voice, format=PCM, callback=callback)
        _speak(synthesizer, callback, f"Cold request {n}. It speaks.")
        assert callback.first is not None
        cold.append(callback.first + (callback.started - started))
        synthesizer.close()
    pool = SpeechSynthesizerObjectPool(max_size=1)
    pooled = []
    try:
        time.sleep(0.5)  # the pool connects ahead
        for n in range(requests):
            callback = FirstAudio()
            synthesizer = pool.borrow_synthesizer(
                model=model, voice=voice, format=PCM, callback=callback
            )
            _speak(synthesizer, callback, f"Pooled request {n}. It speaks.")
            assert callback.first is not None
            pooled.append(callback.first)
            pool.return_synthesizer(synthesizer)
    finally:
        pool.shutdown()
    return {"cold": cold, "pooled": pooled}


def load(model: str, voice: str, concurrency: int, texts: list[str]) -> dict[str, Any]:
    results: list[int] = []

    def one(text: str) -> None:
        callback = FirstAudio()
        synthesizer = SpeechSynthesizer(model=model, voice=voice, format=PCM, callback=callback)
        _speak(synthesizer, callback, text)
        results.append(callback.audio_bytes)
        synthesizer.close()

    before = resource.getrusage(resource.RUSAGE_SELF)
    threads = [
        threading.Thread(target=one, args=(texts[i % len(texts)],)) for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "cpu_seconds": cpu,
        "audio_seconds": sum(results) / BYTES_PER_SECOND,
        "sessions": len(results),
    }


def main() -> None:
    command, url, key, model, voice = sys.argv[1:6]
    dashscope.api_key = key
    dashscope.base_websocket_api_url = url.replace("/api-ws/v1/realtime", "/api-ws/v1/inference")
    if command == "ttfa":
        print(json.dumps(ttfa(model, voice, int(sys.argv[6]))))
    else:
        with open(sys.argv[7], encoding="utf-8") as handle:
            texts = json.load(handle)
        print(json.dumps(load(model, voice, int(sys.argv[6]), texts)))


if __name__ == "__main__":
    main()
