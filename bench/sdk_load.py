"""The vendor SDK (dashscope ``QwenTtsRealtime``) doing the relay's work against the simulator.

Run in its own process: ``python bench/sdk_load.py URL KEY CONCURRENCY TEXT_FILE``. Prints one
JSON line: CPU seconds of this process and seconds of audio received.
"""

from __future__ import annotations

import base64
import json
import resource
import sys
import threading
import time
from typing import Any

import dashscope
from dashscope.audio.qwen_tts_realtime import (
    AudioFormat,
    QwenTtsRealtime,
    QwenTtsRealtimeCallback,
)


class Collector(QwenTtsRealtimeCallback):
    """Decodes the audio as a consumer would and notes the end of the session."""

    def __init__(self) -> None:
        self.audio_bytes = 0
        self.done = threading.Event()

    def on_event(self, response: Any) -> None:
        kind = response.get("type")
        if kind == "response.audio.delta":
            self.audio_bytes += len(base64.b64decode(response["delta"]))
        elif kind in ("session.finished", "error"):
            self.done.set()

    def on_close(self, close_status_code: Any, close_msg: Any) -> None:
        self.done.set()


def one(url: str, text: str, results: list[int], failures: list[str]) -> None:
    collector = Collector()
    tts = QwenTtsRealtime(model="qwen3-tts-flash-realtime", callback=collector, url=url)
    try:
        tts.connect()  # the SDK gives up after 5 s, which a loaded machine can exceed
    except TimeoutError as err:
        failures.append(str(err))
        return
    tts.update_session(
        voice="Cherry", response_format=AudioFormat.PCM_24000HZ_MONO_16BIT, mode="server_commit"
    )
    tts.append_text(text)
    tts.finish()
    collector.done.wait(300)
    tts.close()
    results.append(collector.audio_bytes)


def main() -> None:
    url, key, concurrency, text_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    dashscope.api_key = key
    with open(text_file, encoding="utf-8") as handle:
        texts = json.load(handle)
    results: list[int] = []
    failures: list[str] = []
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    threads = [
        threading.Thread(target=one, args=(url, texts[i % len(texts)], results, failures))
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        json.dumps(
            {
                "cpu_seconds": cpu,
                "audio_seconds": sum(results) / 48000,
                "sessions": len(results),
                "failed_connects": len(failures),
                "wall_seconds": time.monotonic() - started,
            }
        )
    )


if __name__ == "__main__":
    main()
