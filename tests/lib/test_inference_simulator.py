"""The simulator's inference endpoint at the wire: the rules of the protocol, as the service
enforces them, checked with a plain WebSocket client."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers import API_KEY
from wyoming_qwentts.simulator import QwenSimulator, decode

AUTH = {"Authorization": f"bearer {API_KEY}"}  # the scheme in either case


def run_task(
    task_id: str, model: str = "cosyvoice-v3-flash", streaming: str = "duplex", **parameters: Any
) -> dict[str, Any]:
    return {
        "header": {"action": "run-task", "task_id": task_id, "streaming": streaming},
        "payload": {
            "task_group": "audio",
            "task": "tts",
            "function": "SpeechSynthesizer",
            "model": model,
            "parameters": {"text_type": "PlainText", "format": "pcm", **parameters},
            "input": {},
        },
    }


def action(name: str, task_id: str, **payload_input: Any) -> dict[str, Any]:
    return {
        "header": {"action": name, "task_id": task_id, "streaming": "duplex"},
        "payload": {"input": payload_input},
    }


@pytest.fixture
async def ws(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with http.ws_connect(simulator.inference_url + "/", headers=AUTH) as socket:
        yield socket


async def event(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next JSON event (audio frames skipped)."""
    while True:
        msg = await ws.receive()
        if msg.type is aiohttp.WSMsgType.TEXT:
            result: dict[str, Any] = json.loads(msg.data)
            return result
        assert msg.type is aiohttp.WSMsgType.BINARY, msg


async def task_audio(ws: aiohttp.ClientWebSocketResponse) -> tuple[bytes, dict[str, Any]]:
    """Audio until the task ends, and the event that ended it."""
    audio = b""
    while True:
        msg = await ws.receive()
        if msg.type is aiohttp.WSMsgType.BINARY:
            audio += msg.data
            continue
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        data = json.loads(msg.data)
        if data["header"]["event"] in ("task-finished", "task-failed"):
            return audio, data


async def start(ws: aiohttp.ClientWebSocketResponse, **kwargs: Any) -> str:
    task_id = uuid.uuid4().hex
    await ws.send_json(run_task(task_id, **kwargs))
    started = await event(ws)
    assert started["header"] == {"task_id": task_id, "event": "task-started", "attributes": {}}
    return task_id


async def test_two_tasks_on_one_socket(
    ws: aiohttp.ClientWebSocketResponse, simulator: QwenSimulator
) -> None:
    for text in ("First task. ", "Second task, same socket."):
        task_id = await start(ws, voice="longanyang", sample_rate=16000)
        await ws.send_json(action("continue-task", task_id, text=text))
        await ws.send_json(action("finish-task", task_id))
        audio, finished = await task_audio(ws)
        assert decode(audio) == text
        assert finished["header"]["event"] == "task-finished"
        assert finished["payload"]["usage"]["characters"] == len(text)
    assert len(simulator.sessions) == 1
    assert len(simulator.sessions[0].tasks) == 2


async def test_sentences_are_spoken_as_they_complete_and_flush_forces_the_rest(
    ws: aiohttp.ClientWebSocketResponse,
) -> None:
    task_id = await start(ws, voice="longanyang")
    await ws.send_json(action("continue-task", task_id, text="Complete. Incompl"))
    progress = await event(ws)  # the complete sentence is spoken at once
    assert progress["header"]["event"] == "result-generated"
    assert "sentence" in progress["payload"]["output"]
    await ws.send_json(action("continue-task", task_id, flush=True))
    assert (await event(ws))["header"]["event"] == "result-generated"  # the flushed rest
    await ws.send_json(action("continue-task", task_id, text="ete."))
    await ws.send_json(action("finish-task", task_id))
    _, finished = await task_audio(ws)
    assert finished["header"]["event"] == "task-finished"


async def test_the_sdk_shaped_continue_task_is_accepted(
    ws: aiohttp.ClientWebSocketResponse,
) -> None:
    task_id = await start(ws, voice="longanyang")
    sdk = action("continue-task", task_id, text="With model fields.")
    sdk["payload"].update(model="cosyvoice-v3-flash", task_group="audio", task="tts")
    await ws.send_json(sdk)
    await ws.send_json(action("finish-task", task_id))
    audio, finished = await task_audio(ws)
    assert decode(audio) == "With model fields."
    assert finished["header"]["event"] == "task-finished"


@pytest.mark.parametrize(
    ("first", "message"),
    [
        (action("continue-task", "no-such-task", text="Early."), "Invalid action('continue-task')"),
        (action("finish-task", "no-such-task"), "Invalid action('finish-task')"),
        ({"header": {"action": "bogus", "task_id": "x"}}, "Invalid action('bogus')"),
        ({"not": "an event"}, "Invalid action('None')"),
    ],
)
async def test_text_or_actions_outside_a_task_fail_it_and_close_the_socket(
    ws: aiohttp.ClientWebSocketResponse, first: dict[str, Any], message: str
) -> None:
    await ws.send_json(first)
    failed = await event(ws)
    assert failed["header"]["event"] == "task-failed"
    assert message in failed["header"]["error_message"]
    assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSE


async def test_text_before_task_started_fails_the_task(
    ws: aiohttp.ClientWebSocketResponse, simulator: QwenSimulator
) -> None:
    simulator.options.task_start_delay = 0.2
    task_id = uuid.uuid4().hex
    await ws.send_json(run_task(task_id, voice="longanyang"))
    await ws.send_json(action("continue-task", task_id, text="Too early."))
    failed = await event(ws)
    assert failed["header"]["event"] == "task-failed"
    assert "Invalid action('continue-task')" in failed["header"]["error_message"]


async def test_a_reused_task_id_is_refused(ws: aiohttp.ClientWebSocketResponse) -> None:
    task_id = await start(ws, voice="longanyang")
    await ws.send_json(action("finish-task", task_id))
    _, finished = await task_audio(ws)
    assert finished["header"]["event"] == "task-finished"
    await ws.send_json(run_task(task_id, voice="longanyang"))
    failed = await event(ws)
    assert failed["header"]["event"] == "task-failed"
    assert "Duplicate" in failed["header"]["error_message"]


async def test_a_run_task_during_a_task_is_a_protocol_violation(
    ws: aiohttp.ClientWebSocketResponse,
) -> None:
    await start(ws, voice="longanyang")
    await ws.send_json(run_task(uuid.uuid4().hex, voice="longanyang"))
    failed = await event(ws)
    assert failed["header"]["error_message"] == (
        "Invalid action('run-task')! Please follow the protocol!"
    )


async def test_ssml_takes_one_continue_task(ws: aiohttp.ClientWebSocketResponse) -> None:
    task_id = await start(ws, voice="longanyang", enable_ssml=True)
    await ws.send_json(action("continue-task", task_id, text="<speak>One.</speak>"))
    await ws.send_json(action("continue-task", task_id, text="<speak>Two.</speak>"))
    failed = await event(ws)
    assert failed["header"]["event"] == "task-failed"
    assert failed["header"]["error_message"] == "Text request limit violated, expected 1."


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"voice": "Cherry"}, "Engine return error code: 418"),
        ({"voice": "longanyang", "sample_rate": 11025}, "Invalid sample_rate 11025"),
        ({"voice": "longanyang", "format": "mp3"}, "only pcm and wav"),
        ({"model": "qwen3-tts-flash-realtime", "voice": "Cherry"}, "Model not exist"),
        ({"model": "sambert-zhichu-v1"}, "takes streaming 'out'"),
    ],
)
async def test_what_the_service_refuses_at_run_task(
    ws: aiohttp.ClientWebSocketResponse, kwargs: dict[str, Any], message: str
) -> None:
    await ws.send_json(run_task(uuid.uuid4().hex, **kwargs))
    failed = await event(ws)
    assert failed["header"]["event"] == "task-failed"
    assert message in failed["header"]["error_message"]


async def test_sambert_takes_the_whole_text_in_run_task(
    ws: aiohttp.ClientWebSocketResponse,
) -> None:
    task = run_task(uuid.uuid4().hex, model="sambert-zhinan-v1", streaming="out", sample_rate=48000)
    task["payload"]["input"] = {"text": "Sambert speaks. All at once."}
    await ws.send_json(task)
    assert (await event(ws))["header"]["event"] == "task-started"
    audio, finished = await task_audio(ws)
    assert decode(audio) == "Sambert speaks. All at once."
    assert finished["payload"]["output"]["sentence"]["end_time"] > 0  # what its SDK reads


async def test_an_idle_socket_is_closed(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.task_idle_timeout = 0.05
    async with http.ws_connect(simulator.inference_url, headers=AUTH) as ws:
        assert (await ws.receive()).type is aiohttp.WSMsgType.CLOSE


async def test_a_bad_key_gets_the_same_401_as_the_realtime_endpoint(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    bodies = []
    for url in (simulator.url, simulator.inference_url):
        async with http.get(url.replace("ws://", "http://"), headers={
            "Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Authorization": "Bearer sk-wrong",
        }) as response:  # fmt: skip
            assert response.status == 401
            body = await response.json()
            bodies.append((body["code"], body["message"]))
    assert bodies[0] == bodies[1] == ("InvalidApiKey", "Invalid API-key provided.")
    async with http.get(simulator.inference_url.replace("ws://", "http://") + "x") as response:
        assert response.status == 404


async def test_garbage_frames_in_a_task(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    simulator.options.garbage_after_deltas = 1
    simulator.options.delta_bytes = 960
    async with http.ws_connect(simulator.inference_url, headers=AUTH) as ws:
        task_id = await start(ws, voice="longanyang")
        await ws.send_json(action("continue-task", task_id, text="Odd frames."))
        await ws.send_json(action("finish-task", task_id))
        texts = []
        while True:
            msg = await ws.receive()
            if msg.type is aiohttp.WSMsgType.TEXT:
                texts.append(msg.data)
                if "task-finished" in msg.data:
                    break
        assert "!!not json!!" in texts


async def test_figures_of_each_task_reach_the_stats_file(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A socket may run tasks for as long as the program: each one's figures are written when
    it finishes, not only when the socket closes."""
    stats = tmp_path / "stats.jsonl"
    async with QwenSimulator(stats_file=stats) as sim:
        sim.options.api_key = API_KEY
        async with http.ws_connect(sim.inference_url, headers=AUTH) as ws:
            for text in ("First one.", "Second one."):
                task_id = await start(ws, voice="longanyang")
                await ws.send_json(action("continue-task", task_id, text=text))
                await ws.send_json(action("finish-task", task_id))
                await task_audio(ws)
            lines = [json.loads(line) for line in stats.read_text().splitlines()]
            assert [[first[0] for first in line["firsts"]] for line in lines] == [
                ["First one."],
                ["First one.", "Second one."],
            ]
            assert all(text_at < audio_at for _, text_at, audio_at in lines[-1]["firsts"])
    closed = json.loads(stats.read_text().splitlines()[-1])
    assert (closed["protocol"], closed["tasks"]) == ("inference", 2)
