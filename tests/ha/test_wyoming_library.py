"""The Wyoming server on the ``wyoming`` library Home Assistant pins (1.7.2 in 2026.2, which
has no ``text_format``; 1.10.2 in the newest): a request without the field is told SSML by
its form, and the field as a 1.10 client writes it is read on either."""

from __future__ import annotations

from importlib.metadata import version

import aiohttp
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.tts import Synthesize, SynthesizeVoice

from tests.helpers import API_KEY, audio_of, read_until, serving_every_family
from wyoming_qwentts.simulator import QwenSimulator, decode

DOCUMENT = '<speak>Hello <break time="200ms"/>there.</speak>'


async def test_ssml_without_text_format_and_text_format_on_home_assistants_wyoming(
    simulator: QwenSimulator,
) -> None:
    assert version("wyoming") in ("1.7.2", "1.10.2")
    simulator.options.api_key = API_KEY  # the library tests' key, which the server sends
    voice = SynthesizeVoice(name="longanyang")
    async with (
        aiohttp.ClientSession() as http,
        serving_every_family(http, simulator) as server,
        AsyncTcpClient("127.0.0.1", server.port) as client,
    ):
        await client.write_event(Synthesize(text=DOCUMENT, voice=voice).event())
        told = await read_until(client, "audio-stop")
        # What a 1.10 client writes for text_format "text": the markup is read as written.
        data = {"text": DOCUMENT, "voice": {"name": "longanyang"}, "text_format": "text"}
        await client.write_event(Event("synthesize", data))
        plain = await read_until(client, "audio-stop")
    assert decode(audio_of(told)) == "Hello there."
    assert decode(audio_of(plain)) == DOCUMENT
    configs = [record.config.get("enable_ssml") for record in simulator.sessions]
    assert configs == [True, False]
