"""A local voice for when Model Studio cannot speak: another Wyoming TTS server (the Piper
add-on, say) given the text, its audio converted to the request's format as it arrives."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator

from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.tts import (
    Synthesize,
    SynthesizeChunk,
    SynthesizeStart,
    SynthesizeStop,
    SynthesizeVoice,
)

from ..core.convert import PcmConverter

_LOGGER = logging.getLogger(__name__)


class FallbackError(Exception):
    """The fallback could not speak (unreachable, silent, or it answered an error)."""


class Fallback:
    """Speaks a request's text with the Wyoming TTS server at ``uri`` (``voice``, or its
    own default), as PCM16 mono at ``rate``; streams the text to it when its Info says it
    takes streamed text, else sends it whole."""

    def __init__(self, uri: str, voice: str | None, rate: int, timeout: float = 15.0) -> None:
        self.uri = uri
        self.voice = voice
        self._rate = rate
        self._timeout = timeout

    async def speak(self, texts: AsyncIterable[str]) -> AsyncIterator[bytes]:
        """The fallback's audio of ``texts``; raises FallbackError when it cannot speak."""
        client = AsyncClient.from_uri(self.uri)
        try:
            async with asyncio.timeout(self._timeout):
                await client.connect()
                await client.write_event(Describe().event())
                info = await self._info(client)
        except (OSError, TimeoutError, ValueError) as err:
            raise FallbackError(f"the fallback {self.uri} cannot be reached ({err})") from None
        sender: asyncio.Task[None] | None = None
        try:
            streaming = any(program.supports_synthesize_streaming for program in info.tts)
            if streaming:
                sender = asyncio.create_task(self._send_stream(client, texts))
            else:
                text = "".join([piece async for piece in texts])
                await client.write_event(Synthesize(text=text, voice=self._voice()).event())
            until = "synthesize-stopped" if streaming else "audio-stop"
            async for audio in self._audio(client, until):
                yield audio
            if sender is not None:
                await sender
        except (OSError, TimeoutError) as err:
            raise FallbackError(f"the fallback {self.uri} failed ({err})") from None
        finally:
            if sender is not None and not sender.done():
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await sender
            with contextlib.suppress(OSError):
                await client.disconnect()

    def _voice(self) -> SynthesizeVoice | None:
        return SynthesizeVoice(name=self.voice) if self.voice else None

    async def _info(self, client: AsyncClient) -> Info:
        while (event := await client.read_event()) is not None:
            if Info.is_type(event.type):
                return Info.from_event(event)
        raise ValueError("it closed the connection before its Info")

    async def _send_stream(self, client: AsyncClient, texts: AsyncIterable[str]) -> None:
        voice = self._voice()
        await client.write_event(SynthesizeStart(voice=voice).event())
        whole: list[str] = []
        async for piece in texts:
            whole.append(piece)
            await client.write_event(SynthesizeChunk(text=piece).event())
        # As Home Assistant does: the whole text, for a server that ignores the stream.
        await client.write_event(Synthesize(text="".join(whole), voice=voice).event())
        await client.write_event(SynthesizeStop().event())

    async def _audio(self, client: AsyncClient, until: str) -> AsyncIterator[bytes]:
        converter: PcmConverter | None = None
        while True:
            event = await self._read(client)
            if AudioStart.is_type(event.type):
                start = AudioStart.from_event(event)
                converter = PcmConverter(start.rate, start.width, start.channels, self._rate)
            elif AudioChunk.is_type(event.type):
                chunk = AudioChunk.from_event(event)
                if converter is None:
                    converter = PcmConverter(chunk.rate, chunk.width, chunk.channels, self._rate)
                if audio := converter.push(chunk.audio):
                    yield audio
            elif AudioStop.is_type(event.type) and converter is not None:
                if tail := converter.flush():
                    yield tail
                converter = None
            elif Error.is_type(event.type):
                raise FallbackError(f"the fallback answered: {Error.from_event(event).text}")
            if event.type == until:
                return

    async def _read(self, client: AsyncClient) -> Event:
        async with asyncio.timeout(self._timeout):
            event = await client.read_event()
        if event is None:
            raise FallbackError("the fallback closed the connection before the end")
        return event
