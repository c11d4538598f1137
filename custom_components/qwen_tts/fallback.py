"""A voice's fallback: another TTS entity of Home Assistant (``tts.piper``, say) speaks
what Model Studio cannot, and a repair issue tells the user while the cloud is out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from wyoming_qwentts.core.convert import WavStream
from wyoming_qwentts.speech.failover import LocalVoiceError

from .const import DOMAIN


class EntityVoice:
    """The TTS entity ``entity_id`` as a local voice: asked for WAV (Home Assistant
    converts with ffmpeg an entity that makes another format), its audio made PCM16 mono
    at the request's rate as it streams (PyAV resamples)."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        self._hass = hass
        self.name = entity_id

    async def speak(self, texts: AsyncIterable[str], rate: int) -> AsyncGenerator[bytes]:
        """The entity's audio of ``texts``; LocalVoiceError when it cannot speak."""
        try:
            stream = tts.async_create_stream(
                self._hass, self.name, options={tts.ATTR_PREFERRED_FORMAT: "wav"}
            )
            stream.async_set_message_stream(_generator(texts))
            wav = WavStream(rate)
            async for data in stream.async_stream_result():
                if pcm := wav.push(data):
                    yield pcm
            if tail := wav.flush():
                yield tail
        except (HomeAssistantError, ValueError) as err:
            raise LocalVoiceError(f"it failed: {err}") from err


async def _generator(texts: AsyncIterable[str]) -> AsyncGenerator[str]:
    async for text in texts:
        yield text


def outage_changed(hass: HomeAssistant, entry_id: str, title: str, opened: bool) -> None:
    """Raise the repair issue of an entry whose cloud cannot speak, or clear it."""
    issue_id = f"cloud_unreachable_{entry_id}"
    if not opened:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="cloud_unreachable",
        translation_placeholders={"title": title},
    )
