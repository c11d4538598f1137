"""A voice's fallback: another TTS entity of Home Assistant (``tts.piper``, say) speaks
what Model Studio cannot, and a repair issue tells the user while the cloud is out."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Mapping
from contextvars import ContextVar

from homeassistant.components import tts
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir

from wyoming_qwentts.core.convert import WavStream
from wyoming_qwentts.speech.failover import Breaker, LocalVoiceError

from .const import DOMAIN

_FALLING_BACK: ContextVar[bool] = ContextVar("qwen_tts_falling_back", default=False)
"""Set while a fallback entity speaks (its task inherits the context): a fallback whose own
fallback is asked in turn fails instead, so that two voices that fall back on each other
never speak to each other for ever."""


class EntityVoice:
    """The TTS entity ``entity_id`` as a local voice: asked for WAV (Home Assistant
    converts with ffmpeg an entity that makes another format), its audio made PCM16 mono
    at the request's rate as it streams (PyAV resamples)."""

    def __init__(self, hass: HomeAssistant, entity_id: str) -> None:
        self._hass = hass
        self.name = entity_id

    async def speak(self, texts: AsyncIterable[str], rate: int) -> AsyncGenerator[bytes]:
        """The entity's audio of ``texts``; LocalVoiceError when it cannot speak (an error
        of ``texts`` itself, the call's, is raised as it is)."""
        if _FALLING_BACK.get():
            raise LocalVoiceError("it is itself a fallback's fallback: not asked in turn")
        failed: list[Exception] = []
        token = _FALLING_BACK.set(True)
        try:
            stream = tts.async_create_stream(
                self._hass, self.name, options={tts.ATTR_PREFERRED_FORMAT: "wav"}
            )
            stream.async_set_message_stream(_recorded(texts, failed))
        except HomeAssistantError as err:
            raise LocalVoiceError(f"it failed: {err}") from err
        finally:
            _FALLING_BACK.reset(token)
        try:
            wav = WavStream(rate)
            async for data in stream.async_stream_result():
                if pcm := wav.push(data):
                    yield pcm
            if tail := wav.flush():
                yield tail
        except (HomeAssistantError, ValueError, ImportError) as err:  # (ImportError: no PyAV)
            if failed:
                raise failed[0] from None
            raise LocalVoiceError(f"it failed: {err}") from err


async def _recorded(texts: AsyncIterable[str], failed: list[Exception]) -> AsyncGenerator[str]:
    """``texts``, an error of theirs kept in ``failed`` (Home Assistant reports it as the
    entity's)."""
    try:
        async for text in texts:
            yield text
    except Exception as err:
        failed.append(err)
        raise


class Outages:
    """Whether Model Studio cannot speak some voice of an entry now (one of ``breakers`` is
    open); a repair issue stands while it cannot."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, title: str, breakers: Mapping[str, Breaker]
    ) -> None:
        self._hass = hass
        self._issue_id = f"cloud_unreachable_{entry_id}"
        self._title = title
        self._breakers = breakers

    def changed(self, _opened: bool) -> None:
        """A breaker opened or closed: raise the issue, or clear it."""
        if not any(breaker.is_open for breaker in self._breakers.values()):
            self.clear()
            return
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="cloud_unreachable",
            translation_placeholders={"title": self._title},
        )

    def clear(self) -> None:
        """No issue stands for the entry (every voice speaks, or it is unloaded)."""
        ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
