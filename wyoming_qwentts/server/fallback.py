"""A local voice for when Model Studio cannot speak: another Wyoming TTS server (the Piper
add-on, say) given the text, its audio converted to the request's format as it arrives."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator
from typing import Final

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
from ..speech.failover import LocalVoiceError

_LOGGER = logging.getLogger(__name__)


class WyomingVoice:
    """A local voice (:class:`~wyoming_qwentts.speech.failover.LocalVoice`): the Wyoming
    TTS server at ``uri`` (``voice``, or its own default); it is streamed the text when its
    Info says it takes streamed text, else sent it whole. Its Info is asked again at most
    every ``INFO_MAX_AGE`` seconds (an alarm does not wait for a Describe)."""

    INFO_MAX_AGE: Final = 30.0

    def __init__(self, uri: str, voice: str | None, timeout: float = 15.0) -> None:
        self.name = self.uri = uri
        self.voice = voice
        self._timeout = timeout
        self._streams: tuple[float, bool] | None = None
        """When the Info was read (monotonic), and whether it takes streamed text."""

    async def speak(self, texts: AsyncIterable[str], rate: int) -> AsyncIterator[bytes]:
        """The fallback's audio of ``texts``; LocalVoiceError when it cannot speak (an error
        of ``texts`` itself, the request's, is raised as it is)."""
        client = AsyncClient.from_uri(self.uri)
        sender: asyncio.Task[None] | None = None
        try:
            try:
                async with asyncio.timeout(self._timeout):
                    await client.connect()
                    streaming = await self._takes_streams(client)
            except (OSError, TimeoutError, ValueError) as err:
                raise LocalVoiceError(f"it cannot be reached ({err})") from None
            if streaming:
                sender = asyncio.create_task(self._send_stream(client, texts))
            else:
                text = "".join([piece async for piece in texts])
                await client.write_event(Synthesize(text=text, voice=self._voice()).event())
            until = "synthesize-stopped" if streaming else "audio-stop"
            try:
                async for audio in self._audio(client, until, rate):
                    yield audio
                if sender is not None:
                    await sender
            except (OSError, TimeoutError, LocalVoiceError) as err:
                if (failed := _error_of(sender)) is not None:
                    raise failed from None  # the request's text failed: its own error
                if isinstance(err, LocalVoiceError):
                    raise
                raise LocalVoiceError(f"it failed ({err})") from None
        finally:
            if sender is not None:
                sender.cancel()
                await asyncio.wait({sender})
                _error_of(sender)  # retrieved (or raised above)
            with contextlib.suppress(OSError):
                await client.disconnect()

    def _voice(self) -> SynthesizeVoice | None:
        return SynthesizeVoice(name=self.voice) if self.voice else None

    async def _takes_streams(self, client: AsyncClient) -> bool:
        """Whether the fallback takes streamed text (its Info, read when due)."""
        now = time.monotonic()
        if self._streams is not None and now - self._streams[0] < self.INFO_MAX_AGE:
            return self._streams[1]
        await client.write_event(Describe().event())
        while (event := await client.read_event()) is not None:
            if Info.is_type(event.type):
                info = Info.from_event(event)
                streams = any(program.supports_synthesize_streaming for program in info.tts)
                self._streams = now, streams
                return streams
        raise ValueError("it closed the connection before its Info")

    async def _send_stream(self, client: AsyncClient, texts: AsyncIterable[str]) -> None:
        voice = self._voice()
        await client.write_event(SynthesizeStart(voice=voice).event())
        whole: list[str] = []
        try:
            async for piece in texts:
                whole.append(piece)
                await client.write_event(SynthesizeChunk(text=piece).event())
        except Exception:
            await client.disconnect()  # the request failed: the reader stops at once
            raise
        # As Home Assistant does: the whole text, for a server that ignores the stream.
        await client.write_event(Synthesize(text="".join(whole), voice=voice).event())
        await client.write_event(SynthesizeStop().event())

    async def _audio(self, client: AsyncClient, until: str, rate: int) -> AsyncIterator[bytes]:
        converter: PcmConverter | None = None
        while True:
            event = await self._read(client)
            if AudioStart.is_type(event.type):
                start = AudioStart.from_event(event)
                converter = PcmConverter(start.rate, start.width, start.channels, rate)
            elif AudioChunk.is_type(event.type):
                chunk = AudioChunk.from_event(event)
                if converter is None:
                    converter = PcmConverter(chunk.rate, chunk.width, chunk.channels, rate)
                if audio := converter.push(chunk.audio):
                    yield audio
            elif AudioStop.is_type(event.type) and converter is not None:
                if tail := converter.flush():
                    yield tail
                converter = None
            elif Error.is_type(event.type):
                raise LocalVoiceError(f"it answered an error: {Error.from_event(event).text}")
            if event.type == until:
                return

    async def _read(self, client: AsyncClient) -> Event:
        async with asyncio.timeout(self._timeout):
            event = await client.read_event()
        if event is None:
            raise LocalVoiceError("it closed the connection before the end")
        return event


def _error_of(sender: asyncio.Task[None] | None) -> BaseException | None:
    """The error a finished sender of the text ended with (None while it runs, or if none)."""
    if sender is None or not sender.done() or sender.cancelled():
        return None
    return sender.exception()
