"""Scenario 6: the inference protocol (CosyVoice here), side by side with the vendor SDK.

6a. time to first audio: a bare client on a socket connected beforehand (the floor), the
    library cold (it connects), warm (a socket the pool opened ahead) and on a reused socket
    (one that already ran tasks), the alternative mechanism (one task for the whole request,
    ``flush`` at segment boundaries) on a bare socket, and the SDK's ``SpeechSynthesizer``
    cold and from its object pool;
6b. relay CPU per second of audio through the Wyoming server, and the SDK doing the same;
6c. memory per active stream of the server on an inference model.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import harness
from harness import KEY, server, simulator, stream
from stats import percentiles

from wyoming_qwentts import catalog
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.inference import InferenceClient, wire
from wyoming_qwentts.speech import Speaker, WarmPool, single_text

MODEL = "cosyvoice-v3-flash"
VOICE = "longanyang"
SDK_SCRIPT = Path(__file__).parent / "sdk_inference.py"


def _inference_url(realtime_url: str) -> str:
    return realtime_url.replace("/api-ws/v1/realtime", "/api-ws/v1/inference")


async def _library_ttfa(source: Any, text: str) -> float:
    started = time.monotonic()
    speaker = Speaker(source, SpeechParams())
    first = None
    async for _ in speaker.speak(single_text(text)):
        first = first or time.monotonic() - started
    assert first is not None
    return first


async def _bare_ttfa(ws: aiohttp.ClientWebSocketResponse, text: str, *, flush: bool) -> float:
    """A task by hand on a connected socket: run, started, text (then flush), finish."""
    model = catalog.MODELS[MODEL]
    task_id = uuid.uuid4().hex
    parameters = wire.to_wire(model, SpeechParams(), ssml=False)
    started = time.monotonic()
    await ws.send_str(wire.run_task(task_id, model, parameters))
    while json.loads((await ws.receive()).data)["header"]["event"] != "task-started":
        pass
    await ws.send_str(wire.continue_task(task_id, text))
    if flush:
        await ws.send_str(wire.flush_task(task_id))
        await ws.send_str(wire.continue_task(task_id, " And a second segment."))
    await ws.send_str(wire.finish_task(task_id))
    first = None
    while True:
        msg = await ws.receive()
        if msg.type is aiohttp.WSMsgType.BINARY:
            first = first or time.monotonic() - started
        elif "task-finished" in msg.data:
            break
    assert first is not None
    return first


async def inference_ttfa(requests: int, handshake_delay: float) -> dict[str, Any]:
    """6a, with every handshake taking ``handshake_delay`` seconds."""
    results: dict[str, list[float]] = {}
    async with (
        simulator(handshake_delay=handshake_delay) as sim,
        aiohttp.ClientSession() as http,
    ):
        url = _inference_url(sim.url)
        headers = {"Authorization": f"Bearer {KEY}"}
        for name, flush in (("bare, pre-connected", False), ("bare, one task + flush", True)):
            results[name] = []
            for n in range(requests):
                async with http.ws_connect(url, headers=headers) as ws:
                    results[name].append(await _bare_ttfa(ws, f"Bare {n}.", flush=flush))
        client = InferenceClient(http, KEY, model=MODEL, url=sim.url)
        results["ours, cold"] = [
            await _library_ttfa(client, f"Cold request {n}.") for n in range(requests)
        ]
        results["ours, warm"] = []
        for n in range(requests):
            pool: WarmPool[Any] = WarmPool(client, minimum=1, maximum=1)
            pool.start()
            while not pool.ready:
                await pool.changed.wait()
                pool.changed.clear()
            results["ours, warm"].append(await _library_ttfa(pool, f"Warm request {n}."))
            await pool.close()
        pool = WarmPool(client, minimum=1, maximum=2)
        pool.start()
        await _library_ttfa(pool, "The first task on the socket.")
        results["ours, reused socket"] = [
            await _library_ttfa(pool, f"Reused request {n}.") for n in range(requests)
        ]
        await pool.close()
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(SDK_SCRIPT), "ttfa", url, KEY, MODEL, VOICE, str(requests),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await process.communicate()
    sdk = json.loads(out.decode().strip().splitlines()[-1])
    results["SDK SpeechSynthesizer, cold"] = sdk["cold"]
    results["SDK object pool"] = sdk["pooled"]
    return {"handshake_delay_ms": 1000 * handshake_delay} | {
        name: percentiles(values) for name, values in results.items()
    }


def _texts(count: int, sentences: int) -> list[list[str]]:
    sentence = "The quick brown fox jumps over the lazy dog near the riverbank today. "
    chunks = []
    for i in range(count):
        text = f"Inference stream {i} says hello. " + sentence * sentences
        chunks.append([text[j : j + 12] for j in range(0, len(text), 12)])
    return chunks


async def inference_relay_cpu(concurrency: int, sentences: int) -> dict[str, Any]:
    """6b: CPU of the server per second of audio on an inference model, and the SDK's."""
    sdk = [str(SDK_SCRIPT), "load", "{url}", KEY, MODEL, VOICE, str(concurrency)]
    return await harness.relay_cpu(_texts(concurrency, sentences), ["--model", MODEL], sdk)


async def inference_memory(streams: int, settle: float, pace: float) -> dict[str, Any]:
    """6c: resident memory per active stream of the server on an inference model."""
    async with (
        simulator(real_time_factor=1.0 * pace) as sim,
        server(sim.url, "--model", MODEL, "--warm-connections", "0") as srv,
    ):
        await stream(srv.port, ["Warm up the interpreter. "])
        base = srv.rss()
        tasks = [asyncio.create_task(stream(srv.port, chunks)) for chunks in _texts(streams, 20)]
        await asyncio.sleep(settle)  # every stream is mid-synthesis now
        active = srv.rss()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"kb_per_stream": (active - base) / 1024 / streams, "streams": streams}


async def scenario(smoke: bool, pace: float) -> dict[str, Any]:
    """Every part of scenario 6."""
    requests, cpu_n, mem_n = (2, 5, 5) if smoke else (20, 100, 100)
    return {
        "ttfa": await inference_ttfa(requests, 0.15),
        "relay_cpu": await inference_relay_cpu(cpu_n, 1 if smoke else 6),
        "memory": await inference_memory(mem_n, 0.5 if smoke else 2.0, pace),
    }


def rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The table rows of scenario 6: (figure, value, target)."""
    ttfa = results["ttfa"]
    out = []
    for name, p in ttfa.items():
        if isinstance(p, dict):
            out.append((f"6a. inference TTFA, {name} (p50/p95 ms)",
                        f"{p['p50']:.1f}/{p['p95']:.1f}",
                        f"{ttfa['handshake_delay_ms']:.0f} ms handshakes"))  # fmt: skip
    cpu = results["relay_cpu"]
    out.append(("6b. inference relay CPU, ours (ms per s of audio)",
                f"{cpu['ours']['ms_per_audio_second']:.3f}", "<= 1 ms"))  # fmt: skip
    out.append(("6b. inference relay CPU, dashscope SDK (ms per s of audio)",
                f"{cpu['sdk']['ms_per_audio_second']:.3f}", ""))  # fmt: skip
    out.append(("6b. ratio ours / SDK", f"{cpu['ratio']:.2f}", "<= 0.5"))
    out.append(("6c. inference memory per active stream (KB)",
                f"{results['memory']['kb_per_stream']:.0f}", "<= 256 KB"))  # fmt: skip
    return out
