"""The client against a scripted peer that sends frames the simulator never would."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from wyoming_qwentts.core import (
    ConnectError,
    ConnectionClosedError,
    ProtocolError,
    RateLimitError,
    SpeechParams,
)
from wyoming_qwentts.realtime import QwenRealtimeClient, RealtimeSession
from wyoming_qwentts.simulator import decode, synthesize

Frame = str | bytes | dict[str, Any]
Script = list[Frame]


def event(event_type: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": "event_x", "type": event_type, **fields}


CREATED = event("session.created", session={"id": "sess_1"})
UPDATED = event("session.updated", session={"id": "sess_1"})


def delta(audio: bytes) -> dict[str, Any]:
    return event("response.audio.delta", delta=base64.b64encode(audio).decode())


@pytest.fixture
async def scripted(
    http: aiohttp.ClientSession,
) -> AsyncIterator[Callable[[Script], QwenRealtimeClient]]:
    """Serve a script: answer session.update with the script's frames, then close."""
    scripts: list[Script] = []

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        script = list(scripts[-1])
        first = script.pop(0)
        await ws.send_str(json.dumps(first))
        async for _ in ws:  # every client event releases the rest of the script
            for frame in script:
                if isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                elif isinstance(frame, str):
                    await ws.send_str(frame)
                else:
                    await ws.send_str(json.dumps(frame))
            break
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]

    def make(script: Script) -> QwenRealtimeClient:
        scripts.append(script)
        return QwenRealtimeClient(http, "sk-x", url=f"ws://127.0.0.1:{port}/ws")

    yield make
    await runner.cleanup()


async def read(client: QwenRealtimeClient) -> bytes:
    session = RealtimeSession(await client.connect())
    async with session:
        await session.configure(SpeechParams())
        return await session.read_all()


async def test_odd_length_deltas_keep_samples_whole(scripted: Any) -> None:
    pcm = synthesize("odd", 24000)
    script: Script = [
        CREATED,
        UPDATED,
        event("response.created", response={"id": "resp_1"}),
        delta(pcm[:101]),
        delta(pcm[101:2001]),
        delta(pcm[2001:]),
        event("response.done", response={"id": "resp_1", "usage": {"characters": 3}}),
        event("session.finished"),
    ]
    assert decode(await read(scripted(script))) == "odd"


async def test_noise_is_ignored(scripted: Any) -> None:
    pcm = synthesize("ok", 24000)
    script: Script = [
        CREATED,
        UPDATED,
        b"\x00binary",
        "not json",
        "[1, 2]",
        event("response.audio.delta", delta=None),
        delta(pcm),  # audio before any response.created still counts
        event("response.done", response="odd"),
        event("response.done", response={"id": "x"}),
        event("session.finished"),
    ]
    client = scripted(script)
    session = RealtimeSession(await client.connect())
    async with session:
        await session.configure(SpeechParams())
        assert decode(await session.read_all()) == "ok"
    assert session.metrics.responses[0].response_id == ""
    assert session.metrics.time_to_first_audio is None  # no text was sent


async def test_invalid_base64_is_a_protocol_error(scripted: Any) -> None:
    script: Script = [CREATED, UPDATED, event("response.audio.delta", delta="@@@")]
    with pytest.raises(ProtocolError, match="not valid base64"):
        await read(scripted(script))


async def test_close_after_audio_is_not_an_unknown_model(scripted: Any) -> None:
    script: Script = [CREATED, UPDATED, event("response.created", response={}), delta(b"\0\0")]
    with pytest.raises(ConnectionClosedError, match="2 audio bytes"):
        await read(scripted(script))


@pytest.mark.parametrize(
    ("first", "error", "text"),
    [
        (
            event("error", error={"code": "Throttling.AllocationQuota"}),
            RateLimitError,
            "Throttling",
        ),
        (event("error", error="weird"), Exception, "unknown_error"),
        ("garbage", ConnectError, "did not open a session"),
        (event("session.updated"), ConnectError, "did not open a session"),
    ],
)
async def test_first_frame_must_create_the_session(
    scripted: Any, first: Frame, error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        await scripted([first]).connect()
