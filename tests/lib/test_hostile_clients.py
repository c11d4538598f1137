"""Broken and hostile Wyoming clients get a clear error or a closed socket, and nothing else
breaks: other clients keep working and no upstream session is left open."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from ipaddress import ip_network
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wyoming.error import Error
from wyoming.event import Event, async_read_event, async_write_event
from wyoming.ping import Ping
from wyoming.tts import SynthesizeChunk, SynthesizeStart

from tests.helpers import (
    FAST_RETRY,
    WyomingServer,
    audio_of,
    handling,
    read_until,
    stream,
    upstream_of,
)
from wyoming_qwentts.core import SpeechParams
from wyoming_qwentts.realtime import QwenRealtimeClient
from wyoming_qwentts.server import ConnectionLimits, QwenTtsEventHandler
from wyoming_qwentts.server.upstream import UpstreamSettings
from wyoming_qwentts.simulator import QwenSimulator, decode


async def raw(server: WyomingServer, data: bytes) -> bytes:
    """Send raw bytes; return everything the server answers before it closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(data)
    writer.write_eof()  # nothing more to say
    try:
        answer = await asyncio.wait_for(reader.read(), 10)
    except ConnectionResetError:  # closed before it read what we sent
        answer = b""
    writer.close()
    return answer


async def still_serves(server: WyomingServer) -> None:
    async with server.client() as client:
        assert decode(audio_of(await stream(client, ["Still here."]))) == "Still here."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type": "synthesize", "data_length": 99999999}\n', "announced 99999999 bytes"),
        (b'{"type": "synthesize", "payload_length": 2000000}\n', "announced 2000000 bytes"),
        (b'{"type": "synthesize", "data_length": "12"}\n', "data_length must be a whole number"),
        (b'{"type": "synthesize", "payload_length": true}\n', "payload_length must be a whole"),
        (b"[1, 2, 3]\n", "An event's header must be a JSON object."),
        (b'{"no_type": 1}\n', "An event's header has no type."),
        (b'{"type": 7}\n', "An event's header has no type."),
        (b'{"type": "synthesize", "data": [1], "data_length": 2}\n{}', "data must be a JSON"),
        (b'{"type": "synthesize", "data_length": 5}\n[1,2]', "data must be a JSON object."),
        (b'{"type": "synthesize", "data_length": 5}\n{nope', "data is not JSON in UTF-8."),
    ],
)
async def test_protocol_violations_get_an_error_and_a_close(
    wyoming_server: WyomingServer, data: bytes, message: str
) -> None:
    answer = await raw(wyoming_server, data)
    header, _, rest = answer.partition(b"\n")
    assert json.loads(header)["type"] == "error"
    error = json.loads(rest[: json.loads(header)["data_length"]])
    assert error["code"] == "bad-request"
    assert message in error["text"]
    await still_serves(wyoming_server)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xfe not utf-8 \n",  # a binary line
        b"x" * 70_000 + b"\n",  # a header line over the reader's 64 KiB limit
        b'{"type": "synthesize", "data_length": 50}\n{"text"',  # then EOF mid-data
    ],
    ids=["binary", "oversized", "truncated"],
)
async def test_unreadable_input_gets_bad_request_and_closes_only_that_connection(
    wyoming_server: WyomingServer, data: bytes
) -> None:
    answer = await raw(wyoming_server, data)
    assert b"audio" not in answer
    header, _, rest = answer.partition(b"\n")
    assert json.loads(header)["type"] == "error"
    error = json.loads(rest[: json.loads(header)["data_length"]])
    assert error["code"] == "bad-request"
    assert error["text"] in (
        "An event's header is not JSON in UTF-8.",
        "An event's header line is longer than 64 KiB.",
        "The connection ended in the middle of an event.",  # its data never came
    )
    await still_serves(wyoming_server)


@pytest.mark.parametrize("limits", [ConnectionLimits(idle_timeout=0.3)])
async def test_a_stream_without_text_ends_and_frees_its_slot(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    """A stream that goes quiet would otherwise hold its upstream slot for ever."""
    async with wyoming_server.client() as client:
        await client.write_event(SynthesizeStart().event())
        await client.write_event(SynthesizeChunk(text="Said, then silence. ").event())
        events = await read_until(client, "synthesize-stopped")
        assert [Error.from_event(e).code for e in events if Error.is_type(e.type)] == [
            "idle-timeout"
        ]
        assert decode(audio_of(events)) in ("", "Said, then silence.")
        assert await client.read_event() is None  # and the connection closed
    await asyncio.wait_for(_idle(wyoming_server), 5)  # the slot is free again
    await still_serves(wyoming_server)


async def test_one_connection_cannot_queue_without_limit(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    """The next request is not read while two of the connection's are queued or running:
    a client that sends a thousand gets them spoken in turn, with at most two pending."""
    simulator.options.first_audio_delay = 0.05
    pending: list[int] = []
    handlers: list[QwenTtsEventHandler] = []
    original = QwenTtsEventHandler._start

    async def counting(self: QwenTtsEventHandler, request: Any) -> Any:
        handlers.append(self)
        result = await original(self, request)
        pending.append(len(self._jobs))
        return result

    with patch.object(QwenTtsEventHandler, "_start", counting):
        async with wyoming_server.client() as client:
            for index in range(20):
                await client.write_event(Event("synthesize", {"text": f"Request {index}."}))
            events: list[Event] = []
            for _ in range(20):
                events += await read_until(client, "audio-stop")
    assert max(pending) <= 2
    assert decode(audio_of(events)) == "".join(f"Request {index}." for index in range(20))


@pytest.mark.parametrize("limits", [ConnectionLimits(idle_timeout=0.1)])
async def test_idle_connections_are_closed(wyoming_server: WyomingServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", wyoming_server.port)
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
    writer.close()


@pytest.mark.parametrize("limits", [ConnectionLimits(allowed=(ip_network("10.0.0.0/8"),))])
async def test_clients_outside_the_allow_list_are_refused(
    wyoming_server: WyomingServer, simulator: QwenSimulator
) -> None:
    answer = await raw(wyoming_server, b'{"type": "ping"}\n')
    assert answer == b""
    assert simulator.sessions == []


def test_allow_list_matching() -> None:
    limits = ConnectionLimits(allowed=(ip_network("192.168.1.0/24"), ip_network("::1/128")))
    assert limits.allows(("192.168.1.20", 5000))
    assert limits.allows(("::1", 5000, 0, 0))
    assert not limits.allows(("192.168.2.1", 5000))
    assert not limits.allows(("not an address", 1))
    assert limits.allows("")  # a unix socket
    assert ConnectionLimits().allows(("8.8.8.8", 1))


@pytest.mark.parametrize("limits", [ConnectionLimits(write_timeout=0.2, max_text_chars=5000)])
async def test_a_client_that_stops_reading_is_dropped(
    wyoming_server: WyomingServer, simulator: QwenSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "wyoming_qwentts")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", wyoming_server.port))
    sock.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=sock)
    await async_write_event(SynthesizeStart().event(), writer)
    await async_write_event(SynthesizeChunk(text="Nobody listens. " * 250).event(), writer)
    await async_write_event(Event("synthesize-stop"), writer)
    # Never read: the server must give up on us and close our upstream session.
    await asyncio.wait_for(_first_session_closed(simulator), 20)
    assert not simulator.sessions[0].finished  # cut short, not spoken to the end
    assert simulator.sessions[0].deltas_sent < 1000  # all of it would be ~2400 deltas
    # ... and it dropped the connection: reading now ends (after what it had sent).
    assert await asyncio.wait_for(_read_until_closed(reader), 20) < 5_000_000
    writer.close()
    await still_serves(wyoming_server)
    ours = [r for r in caplog.records if r.name.startswith("wyoming_qwentts")]
    assert [r.getMessage() for r in ours if r.levelno >= logging.ERROR] == []  # no traceback
    assert "Ended a request: the client stopped reading" in caplog.text  # INFO, one line


async def _first_session_closed(simulator: QwenSimulator) -> None:
    await simulator.session_opened.wait()
    await simulator.sessions[0].closed.wait()


async def _read_until_closed(reader: asyncio.StreamReader) -> int:
    """Bytes read until the peer closed the connection."""
    received = 0
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(65536):
            received += len(data)
    return received


@pytest.mark.parametrize("point", ["start", "chunk", "synthesize", "stop", "audio"])
async def test_disconnect_at_every_point(
    wyoming_server: WyomingServer, simulator: QwenSimulator, point: str
) -> None:
    simulator.options.real_time_factor = 1.0
    async with wyoming_server.client() as client:
        await client.write_event(SynthesizeStart().event())
        if point != "start":
            await client.write_event(SynthesizeChunk(text="Leaving soon. " * 10).event())
        if point in ("synthesize", "stop", "audio"):
            await client.write_event(Event("synthesize", {"text": "Leaving soon."}))
        if point in ("stop", "audio"):
            await client.write_event(Event("synthesize-stop"))
        if point == "audio":
            await read_until(client, "audio-chunk")
    for record in simulator.sessions:
        await asyncio.wait_for(record.closed.wait(), 5)
    await asyncio.wait_for(_idle(wyoming_server), 5)
    simulator.options.real_time_factor = 0.0
    await still_serves(wyoming_server)


async def _idle(server: WyomingServer) -> None:
    while server.upstream.jobs:
        await asyncio.wait(set(server.upstream.jobs))


# Property-based: any sequence of events with any data keeps the connection answering. --------

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
_VOICES = st.dictionaries(st.sampled_from(["name", "language", "speaker"]), _SCALARS)
_VALUES = st.one_of(_SCALARS, st.lists(st.integers(), max_size=2), _VOICES)
_TYPES = st.sampled_from(
    [
        "synthesize",
        "synthesize-start",
        "synthesize-chunk",
        "synthesize-stop",
        "describe",
        "ping",
        "audio-chunk",
        "transcribe",
        "bogus",
    ]
)
_KEYS = st.sampled_from(["text", "voice", "text_format", "context"])
_EVENTS = st.builds(
    Event,
    type=_TYPES,
    data=st.dictionaries(_KEYS, _VALUES, max_size=3),
    payload=st.one_of(st.none(), st.binary(max_size=8)),
)


async def _fuzz(events: list[Event]) -> None:
    async with QwenSimulator() as sim, aiohttp.ClientSession() as http:
        client = QwenRealtimeClient(http, sim.options.api_key, url=sim.url)
        upstream = upstream_of([client], UpstreamSettings(SpeechParams(), retry=FAST_RETRY))
        async with handling(upstream) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            for event in events:
                await async_write_event(event, writer)
            await async_write_event(Event("synthesize-stop"), writer)  # end any open stream
            await async_write_event(Ping(text="end").event(), writer)
            while True:  # every request is answered, then the pong: the connection survived
                answer = await asyncio.wait_for(async_read_event(reader), 10)
                assert answer is not None
                if answer.type == "error":
                    assert Error.from_event(answer).code != "internal-error"
                if answer.type == "pong" and answer.data.get("text") == "end":
                    break
            writer.close()
        await upstream.drain(5)
        for record in sim.sessions:
            await asyncio.wait_for(record.closed.wait(), 5)


@settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "40")),  # the long run: FUZZ_EXAMPLES=2000
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(events=st.lists(_EVENTS, max_size=8))
def test_any_event_sequence_keeps_the_connection(events: list[Event]) -> None:
    asyncio.run(_fuzz(events))


@pytest.mark.parametrize(
    "limits", [ConnectionLimits(max_connections=3, max_connections_per_client=2)]
)
async def test_connections_beyond_the_limits_are_refused_at_once(
    wyoming_server: WyomingServer,
) -> None:
    """A flood of idle connections cannot starve the server of file descriptors: one past
    the limit gets ``server-busy`` and is closed, and a place freed is taken again."""
    first = wyoming_server.client()
    second = wyoming_server.client()
    await first.connect()
    await second.connect()
    for client in (first, second):  # both are counted in before the third arrives
        await client.write_event(Ping().event())
        await read_until(client, "pong")
    reader, writer = await asyncio.open_connection("127.0.0.1", wyoming_server.port)
    answer = await asyncio.wait_for(reader.read(), 10)  # answered, then closed, at once
    writer.close()
    header, _, rest = answer.partition(b"\n")
    error = json.loads(rest[: json.loads(header)["data_length"]])
    assert error == {
        "text": "This client has the limit of 2 connections open.",
        "code": "server-busy",
    }
    gate = wyoming_server.gate
    assert gate is not None
    gate.released.clear()  # the refused third connection was never counted in
    await first.disconnect()
    await asyncio.wait_for(gate.released.wait(), 5)  # the server saw the close
    async with wyoming_server.client() as again:  # the freed place is taken
        await again.write_event(Ping().event())
        assert [event.type for event in await read_until(again, "pong")] == ["pong"]
    await second.disconnect()


def test_the_gate_counts_every_client_and_each_one() -> None:
    from wyoming_qwentts.server import ConnectionGate

    gate = ConnectionGate(ConnectionLimits(max_connections=2, max_connections_per_client=1))
    assert gate.admit(("10.0.0.1", 1)) is None
    assert gate.admit(("10.0.0.1", 2)) == "This client has the limit of 1 connections open."
    assert gate.admit(("10.0.0.2", 1)) is None
    assert gate.admit("") == "The server has its limit of 2 connections."  # a unix socket
    gate.release(("10.0.0.1", 1))
    assert gate.admit("") is None


async def test_a_flood_of_malformed_connections_does_not_flood_the_log(
    wyoming_server: WyomingServer, caplog: pytest.LogCaptureFixture
) -> None:
    from wyoming_qwentts.server.limits import CLIENT_LOGS, LogThrottle

    with patch.object(CLIENT_LOGS, "_every", 60.0), patch.dict(CLIENT_LOGS._last, clear=True):
        for _ in range(50):
            answer = await raw(wyoming_server, b"\xff\xfe not json\n")
            assert b"bad-request" in answer  # every one is answered ...
    closing = [r for r in caplog.records if "Closing a connection" in r.getMessage()]
    assert len(closing) == 1  # ... but logged once a minute
    throttle = LogThrottle(every=60.0)
    assert throttle.allow("x") == 0
    assert throttle.allow("x") is None
    assert throttle.allow("y") == 0  # each kind apart
