"""The simulator speaks the protocol as the reference describes it (raw WebSocket client)."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.helpers import API_KEY
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.speech import synthesize

ID = re.compile(r"^(event|resp|item|sess)_[A-Za-z0-9]{21}$")


class RawSession:
    """A bare WebSocket peer that sends client events and reads server events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.count = 0

    async def send(self, event_type: str, **fields: Any) -> None:
        self.count += 1
        await self.ws.send_json({"event_id": f"event_{self.count}", "type": event_type, **fields})

    async def next(self) -> dict[str, Any]:
        msg = await asyncio.wait_for(self.ws.receive(), 5)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        event: dict[str, Any] = json.loads(msg.data)
        return event

    async def until(self, event_type: str) -> list[dict[str, Any]]:
        events = [await self.next()]
        while events[-1]["type"] != event_type:
            events.append(await self.next())
        return events


@pytest.fixture
async def raw(
    http: aiohttp.ClientSession, simulator: QwenSimulator, request: pytest.FixtureRequest
) -> AsyncIterator[RawSession]:
    """A raw session; ``@pytest.mark.options(name=value)`` sets simulator options first."""
    marker = request.node.get_closest_marker("options")
    for name, value in (marker.kwargs if marker else {}).items():
        setattr(simulator.options, name, value)
    ws = await http.ws_connect(
        f"{simulator.url}?model=qwen3-tts-flash-realtime",
        headers={"Authorization": f"bearer {API_KEY}"},  # SDK 1.24 sent the lowercase scheme
    )
    async with ws:
        yield RawSession(ws)


async def test_full_event_sequence(raw: RawSession) -> None:
    created = await raw.next()
    assert created["type"] == "session.created"
    assert created["session"]["model"] == "qwen3-tts-flash-realtime"
    assert created["session"]["voice"] == "Cherry"
    assert created["session"]["mode"] == "server_commit"
    assert created["session"]["id"].startswith("sess_")

    await raw.send(
        "session.update", session={"voice": "Ethan", "mode": "commit", "enable_tn": True}
    )
    updated = await raw.next()
    assert updated["type"] == "session.updated"
    assert updated["session"]["voice"] == "Ethan"
    assert updated["session"]["mode"] == "commit"
    assert updated["session"]["sample_rate"] == 24000

    await raw.send("input_text_buffer.append", text="您好，我是千问。")
    await raw.send("input_text_buffer.commit")
    events = await raw.until("response.done")
    types = [e["type"] for e in events]
    deltas = [e for e in events if e["type"] == "response.audio.delta"]
    assert types == [
        "input_text_buffer.committed",
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        *["response.audio.delta"] * len(deltas),
        "response.audio.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
    ]
    response_id = events[1]["response"]["id"]
    item_id = events[2]["item"]["id"]
    assert all(ID.match(e["event_id"]) for e in events)
    assert ID.match(response_id)
    assert ID.match(item_id)
    assert {d["response_id"] for d in deltas} == {response_id}
    assert {d["item_id"] for d in deltas} == {item_id}
    done = events[-1]["response"]
    assert done["status"] == "completed"
    assert done["usage"] == {"characters": 14}  # 6 Chinese characters count 2 each
    audio = b"".join(__import__("base64").b64decode(d["delta"]) for d in deltas)
    assert decode(audio) == "您好，我是千问。"

    await raw.send("session.finish")
    assert (await raw.next())["type"] == "session.finished"
    closed = await raw.ws.receive()
    assert closed.type is aiohttp.WSMsgType.CLOSE
    assert closed.data == 1000


async def test_second_update_is_rejected(raw: RawSession) -> None:
    await raw.next()
    await raw.send("session.update", session={"voice": "Cherry"})
    assert (await raw.next())["type"] == "session.updated"
    await raw.send("session.update", session={"voice": "Ethan"})
    error = await raw.next()
    assert error["type"] == "error"
    assert error["error"]["code"] == "invalid_value"
    assert error["error"]["message"].startswith("Session update error")
    assert error["error"]["event_id"] == "event_2"


@pytest.mark.parametrize(
    ("session", "param", "text"),
    [
        ({"voice": "Nobody"}, "session.voice", "'Nobody' is not offered"),
        ({"sample_rate": 44100}, "session.sample_rate", "expected one of 8000"),
        ({"speech_rate": 3}, "session.speech_rate", "out of range [0.5, 2]"),
        ({"instructions": "Whisper"}, "session.instructions", "does not accept instructions"),
        ({"mode": "auto"}, "session.mode", "Invalid mode"),
    ],
)
async def test_update_validated_per_model(
    raw: RawSession, session: dict[str, Any], param: str, text: str
) -> None:
    await raw.next()
    await raw.send("session.update", session=session)
    error = (await raw.next())["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert text in error["message"]
    # A rejected update leaves the session usable.
    await raw.send("session.update", session={"voice": "Kiki"})
    assert (await raw.next())["session"]["voice"] == "Kiki"


async def test_buffer_events(raw: RawSession) -> None:
    await raw.next()
    await raw.send("input_text_buffer.commit")
    error = await raw.next()
    assert error["type"] == "error"
    assert "buffer is empty" in error["error"]["message"]
    await raw.send("input_text_buffer.append", text="gone")
    await raw.send("input_text_buffer.clear")
    assert (await raw.next())["type"] == "input_text_buffer.cleared"
    await raw.send("response.bogus")
    assert "Unknown event type" in (await raw.next())["error"]["message"]
    await raw.ws.send_str("not json")
    assert (await raw.next())["error"]["code"] == "invalid_json"
    await raw.send("input_text_buffer.append", text=42)
    assert "text must be a string" in (await raw.next())["error"]["message"]
    await raw.send("session.finish")
    assert (await raw.next())["type"] == "session.finished"


@pytest.mark.options(max_text_chars=5)
async def test_text_limit(raw: RawSession) -> None:
    await raw.next()
    await raw.send("input_text_buffer.append", text="123456")
    assert "exceeds 5 characters" in (await raw.next())["error"]["message"]


@pytest.mark.options(segment_chars=12)
async def test_server_commit_segments_and_flushes_on_finish(
    simulator: QwenSimulator, raw: RawSession
) -> None:
    await raw.next()
    for piece in ("Hi there. 你好", "。No punctuation at all here", " at the end"):
        await raw.send("input_text_buffer.append", text=piece)
    await raw.send("session.finish")
    await raw.until("session.finished")
    assert simulator.sessions[0].spoken == [
        "Hi there.",
        " 你好。",
        "No ",
        "punctuation ",
        "at all here ",
        "at the end",
    ]


async def test_missing_or_wrong_authorization(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer nope"}):
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await http.ws_connect(
                f"{simulator.url}?model=qwen3-tts-flash-realtime", headers=headers
            )
        assert err.value.status == 401
    async with http.get(
        simulator.url.replace("ws://", "http://"),
        headers={"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="},
    ) as response:  # fmt: skip
        assert response.status == 401
        assert await response.json() == {
            "code": "InvalidApiKey",
            "message": "Invalid API-key provided.",
            "request_id": (await response.json())["request_id"],
        }


async def test_a_long_running_simulator_keeps_only_open_sessions(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    stats = tmp_path / "stats.jsonl"
    async with QwenSimulator(stats_file=stats, keep_sessions=False) as sim:
        sim.options.api_key = API_KEY
        from wyoming_qwentts.core import SpeechParams
        from wyoming_qwentts.realtime import QwenRealtimeClient

        client = QwenRealtimeClient(http, API_KEY, url=sim.url)
        session = await client.open_session(SpeechParams(), mode="server_commit", wait=True)
        (record,) = sim.sessions  # open: kept
        await session.append("Gone when done.")
        await session.finish()
        assert decode(await session.read_all()) == "Gone when done."
        await record.closed.wait()
        assert sim.sessions == []  # finished: only in the stats file
        assert (sim.sessions_opened, sim.active_sessions) == (1, 0)  # counted, closed
    (line,) = stats.read_text().splitlines()
    assert json.loads(line)["first_text"] == "Gone when done."


def test_url_needs_a_running_simulator() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        _ = QwenSimulator().url


async def test_command_line_prints_its_url_first(tmp_path: Path) -> None:
    stats = tmp_path / "stats.jsonl"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "wyoming_qwentts.simulator", "--port", "0", "--api-key", API_KEY,
        "--first-audio-delay", "0", "--event-order", "documented", "--stats-file", str(stats),
        "--real-time-factor", "0.05",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), 30)).decode().strip()
        assert re.fullmatch(r"ws://127\.0\.0\.1:\d+/api-ws/v1/realtime", line)
        async with aiohttp.ClientSession() as http:
            from wyoming_qwentts.core import SpeechParams
            from wyoming_qwentts.realtime import QwenRealtimeClient

            client = QwenRealtimeClient(http, API_KEY, url=line)
            result = await synthesize(client, "From another process.", SpeechParams())
        assert decode(result.audio) == "From another process."
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 10) == 0
    (line,) = stats.read_text().splitlines()
    summary = json.loads(line)
    assert summary["first_text"] == "From another process."
    assert summary["finished"]
    assert summary["first_delta_at"] >= summary["first_text_at"]
    assert summary["deltas"] >= 1


# Behaviours the sources disagree on (each a knob; the client is tested under all of them) --


async def _commit_mode(raw: RawSession) -> None:
    await raw.until("session.created")
    await raw.send("session.update", session={"mode": "commit"})
    await raw.until("session.updated")


async def _audio_of_response(raw: RawSession) -> tuple[list[dict[str, Any]], str]:
    events = await raw.until("response.done")
    audio = b"".join(
        base64.b64decode(e["delta"]) for e in events if e["type"] == "response.audio.delta"
    )
    return events, decode(audio)


@pytest.mark.options(busy_text="queued", real_time_factor=0.05)
async def test_text_during_a_response_queued(raw: RawSession, simulator: QwenSimulator) -> None:
    await _commit_mode(raw)
    for text in ("First one.", "Second one."):
        await raw.send("input_text_buffer.append", text=text)
        await raw.send("input_text_buffer.commit")
    assert (await _audio_of_response(raw))[1] == "First one."
    assert (await _audio_of_response(raw))[1] == "Second one."
    assert simulator.sessions[0].busy_inputs == 2  # the second append and commit


@pytest.mark.options(busy_text="ignored", real_time_factor=0.05)
async def test_text_during_a_response_ignored(raw: RawSession, simulator: QwenSimulator) -> None:
    await _commit_mode(raw)
    await raw.send("input_text_buffer.append", text="First one.")
    await raw.send("input_text_buffer.commit")
    await raw.until("input_text_buffer.committed")
    await raw.send("input_text_buffer.append", text="Dropped.")
    await raw.send("input_text_buffer.commit")  # ignored too: no second response
    assert (await _audio_of_response(raw))[1] == "First one."
    await raw.send("session.finish")
    events = await raw.until("session.finished")
    assert [e["type"] for e in events] == ["session.finished"]  # nothing else was spoken
    assert simulator.sessions[0].dropped == ["Dropped."]


@pytest.mark.options(busy_text="rejected", real_time_factor=0.05)
async def test_text_during_a_response_rejected(raw: RawSession) -> None:
    await _commit_mode(raw)
    await raw.send("input_text_buffer.append", text="First one.")
    await raw.send("input_text_buffer.commit")
    await raw.until("input_text_buffer.committed")
    await raw.send("input_text_buffer.append", text="Refused.")
    events, spoken = await _audio_of_response(raw)
    errors = [e["error"]["message"] for e in events if e["type"] == "error"]
    assert errors == ["A response is in progress."]
    assert spoken == "First one."


@pytest.mark.options(residue_window=5.0)
async def test_an_append_right_after_a_response_is_residue(
    raw: RawSession, simulator: QwenSimulator
) -> None:
    await _commit_mode(raw)
    await raw.send("input_text_buffer.append", text="First one.")
    await raw.send("input_text_buffer.commit")
    assert (await _audio_of_response(raw))[1] == "First one."
    await raw.send("input_text_buffer.append", text="Taken for residue.")
    await raw.send("input_text_buffer.commit")
    events, spoken = await _audio_of_response(raw)
    assert events[0]["type"] == "input_text_buffer.committed"  # acknowledged ...
    assert spoken == ""  # ... but a response with no audio
    assert events[-1]["response"]["usage"]["characters"] == 0
    assert simulator.sessions[0].dropped == ["Taken for residue."]


@pytest.mark.options(silent_response=0)
async def test_a_response_without_audio(raw: RawSession, simulator: QwenSimulator) -> None:
    await _commit_mode(raw)
    for text, heard in (("Not heard.", ""), ("Heard.", "Heard.")):
        await raw.send("input_text_buffer.append", text=text)
        await raw.send("input_text_buffer.commit")
        assert (await _audio_of_response(raw))[1] == heard
    assert simulator.sessions[0].spoken == ["Heard."]


@pytest.mark.options(response_done=False, finish_drains=False, real_time_factor=0.05)
async def test_server_commit_without_response_done_or_drain(
    raw: RawSession, simulator: QwenSimulator
) -> None:
    await raw.until("session.created")
    await raw.send("input_text_buffer.append", text="One sentence. Another sentence. And a tail")
    events = await raw.until("response.created")
    await raw.send("session.finish")  # while the first sentence is being synthesized
    events += await raw.until("session.finished")
    types = [e["type"] for e in events]
    assert "response.done" not in types
    assert types.count("response.created") == 1  # only what was being synthesized
    assert simulator.sessions[0].spoken == ["One sentence."]
    assert simulator.sessions[0].dropped == [" Another sentence.", " And a tail"]
