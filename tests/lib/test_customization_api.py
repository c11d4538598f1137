"""The simulator's customization API on the wire (plain HTTP beside the WebSocket endpoints),
and how the client reads every kind of refusal."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from tests.helpers import API_KEY
from tests.recordings import wav
from wyoming_qwentts.core.errors import (
    AccessDeniedError,
    AuthenticationError,
    InvalidParameterError,
    RateLimitError,
    ServiceError,
    VoiceQuotaError,
)
from wyoming_qwentts.enrollment import RecordingError
from wyoming_qwentts.enrollment.wire import error_from_response
from wyoming_qwentts.simulator import QwenSimulator

AUTH = {"Authorization": f"Bearer {API_KEY}"}


async def post(
    http: aiohttp.ClientSession, simulator: QwenSimulator, body: Any, **headers: str
) -> tuple[int, dict[str, Any]]:
    async with http.post(simulator.customization_url, json=body, headers=headers or AUTH) as answer:
        return answer.status, await answer.json()


def voice_enrollment(action: str, **fields: Any) -> dict[str, Any]:
    return {"model": "voice-enrollment", "input": {"action": action, **fields}}


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (None, "InvalidParameter", "The request body is not the API's envelope."),
        (
            {"model": "voice-cloner", "input": {"action": "create"}},
            "InvalidParameter",
            "Unsupported model 'voice-cloner'.",
        ),
        (
            {"model": "qwen-voice-enrollment", "input": {"action": "query"}},
            "InvalidParameter",
            "Unsupported action 'query'.",
        ),
        (
            voice_enrollment("create_voice", target_model="sambert-zhinan-v1", prefix="a", url="x"),
            "InvalidParameter",
            "target_model 'sambert-zhinan-v1' is not supported.",
        ),
        (
            voice_enrollment("create_voice", target_model="cosyvoice-v2", prefix="A-b", url="x"),
            "InvalidParameter",
            "prefix must be 1-10 lowercase letters or digits.",
        ),
        (
            voice_enrollment("create_voice", target_model="cosyvoice-v2", prefix="a", url="x"),
            "Audio.DownloadError",
            "The audio URL cannot be downloaded.",
        ),
        (
            voice_enrollment(
                "create_voice",
                target_model="cosyvoice-v2",
                prefix="a",
                url="data:audio/wav;base64,!!",
            ),
            "InvalidParameter",
            "The data URI is not valid base64.",
        ),
        (
            voice_enrollment("list_voice", page_index=-1),
            "InvalidParameter",
            "page_index and page_size must be integers.",
        ),
        (
            voice_enrollment("query_voice", voice_id="cosyvoice-v2-a-00"),
            "BadRequest.VoiceNotFound",
            "Voice not found: cosyvoice-v2-a-00",
        ),
        (
            {
                "model": "qwen-voice-enrollment",
                "input": {
                    "action": "create",
                    "preferred_name": "a b",
                    "target_model": "qwen3-tts-vc-realtime-2026-01-15",
                },
            },
            "InvalidParameter",
            "preferred_name must be up to 16 letters, digits or underscores.",
        ),
        (
            {
                "model": "qwen-voice-design",
                "input": {
                    "action": "create",
                    "target_model": "qwen3-tts-vd-realtime-2026-01-15",
                    "voice_prompt": "Calm.",
                    "preview_text": "Hi.",
                },
                "parameters": {"response_format": "mp3"},
            },
            "InvalidParameter",
            "The simulator produces only pcm and wav previews.",
        ),
        (
            {
                "model": "qwen-voice-design",
                "input": {
                    "action": "create",
                    "target_model": "qwen3-tts-vd-realtime-2026-01-15",
                    "voice_prompt": "Calm.",
                },
            },
            "InvalidParameter",
            "Missing required parameter: preview_text.",
        ),
    ],
)
async def test_what_the_simulated_service_refuses(
    http: aiohttp.ClientSession, simulator: QwenSimulator, body: Any, code: str, message: str
) -> None:
    status, answer = await post(http, simulator, body)
    assert status == 400
    assert (answer["code"], answer["message"]) == (code, message)
    assert answer["request_id"]
    assert "output" not in answer


async def test_a_recording_the_service_cannot_use(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    """A client other than ours (the SDK, curl) may upload what ours refuses locally."""
    import pybase64

    uri = "data:audio/wav;base64," + pybase64.b64encode(wav(rate=8000)).decode()
    body = voice_enrollment("create_voice", target_model="cosyvoice-v2", prefix="a", url=uri)
    status, answer = await post(http, simulator, body)
    assert (status, answer["code"]) == (400, "Audio.AudioRateError")
    assert simulator.account.voices == {}


async def test_plain_http_beside_the_sockets(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    status, answer = await post(http, simulator, {}, Authorization="Bearer sk-wrong")
    assert (status, answer["code"]) == (401, "InvalidApiKey")
    base = simulator.customization_url.removesuffix("/api/v1/services/audio/tts/customization")
    async with http.post(f"{base}/api/v1/services/aigc/other", json={}) as other:
        assert other.status == 404
    async with http.post(simulator.customization_url, data=b"{not json", headers=AUTH) as bad:
        assert bad.status == 400
    status, answer = await post(http, simulator, voice_enrollment("list_voice"))
    assert (status, answer["output"]) == (200, {"voice_list": []})
    async with http.ws_connect(
        simulator.url + "?model=qwen3-tts-flash-realtime", headers=AUTH
    ) as ws:
        assert (await ws.receive_json())["type"] == "session.created"  # the sockets still work


async def raw(simulator: QwenSimulator, request: bytes) -> bytes:
    host, port = simulator.url.split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    answer = await reader.read()
    writer.close()
    return answer


async def test_requests_the_port_does_not_take(simulator: QwenSimulator) -> None:
    path = b"/api/v1/services/audio/tts/customization"
    chunked = b"POST " + path + b" HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    assert (await raw(simulator, chunked)).startswith(b"HTTP/1.1 411 Length Required")
    huge = b"POST " + path + b" HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n"
    assert (await raw(simulator, huge)).startswith(b"HTTP/1.1 413")
    endless = b"POST " + path + b" HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 70000
    assert (await raw(simulator, endless)).startswith(b"HTTP/1.1 431")


@pytest.mark.parametrize(
    ("status", "body", "error", "text"),
    [
        (401, {}, AuthenticationError, "The API key was rejected in region 'beijing'"),
        (403, {"code": "AccessDenied", "message": "no"}, AccessDeniedError, "Access to m"),
        (429, {"code": "Throttling", "message": "slow"}, RateLimitError, "Throttling: slow"),
        (
            503,
            {"code": "ServiceUnavailable", "message": "later"},
            ServiceError,
            "ServiceUnavailable: later",
        ),
        (
            400,
            {"code": "Audio.PreprocessError", "message": "bad"},
            RecordingError,
            "The service could not use the recording (Audio.PreprocessError: bad).",
        ),
        (
            400,
            {"code": "InvalidParameter", "message": "Voice limit exceeded"},
            VoiceQuotaError,
            "The account holds as many voices as it may (InvalidParameter: Voice limit exceeded)",
        ),
        (
            400,
            {"code": "BadRequest.VoiceNotFound", "message": "x"},
            InvalidParameterError,
            "This account has no voice 'm' (BadRequest.VoiceNotFound: x).",
        ),
        (
            400,
            {"code": "InvalidParameter", "message": "odd"},
            ServiceError,
            "InvalidParameter: odd",
        ),
        (400, "not json", ServiceError, "HTTP 400: no message"),
    ],
)
def test_each_refusal_is_an_error_of_the_taxonomy(
    status: int, body: Any, error: type[Exception], text: str
) -> None:
    found = error_from_response(status, body, region="beijing", subject="m")
    assert type(found) is error
    assert text in str(found)
    transient = status == 429 or status >= 500
    assert getattr(found, "transient", None) is transient


async def test_an_answer_without_the_new_voice_is_a_protocol_error(
    http: aiohttp.ClientSession,
) -> None:
    """A proxy (or a changed API) that answers 200 without the new voice's id must not make
    a voice with an empty id."""
    from aiohttp import web

    from wyoming_qwentts.core.errors import ProtocolError
    from wyoming_qwentts.enrollment import CustomizationClient, read_recording

    async def empty(_: web.Request) -> web.Response:
        return web.json_response({"request_id": "1", "output": {}})

    app = web.Application()
    app.router.add_post("/api/v1/services/audio/tts/customization", empty)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        studio = CustomizationClient(http, API_KEY, url=f"ws://127.0.0.1:{port}")
        with pytest.raises(ProtocolError, match="without the new voice's voice"):
            await studio.clone("qwen3-tts-vc-realtime-2026-01-15", "a", read_recording(wav()))
    finally:
        await runner.cleanup()
