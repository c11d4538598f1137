"""The Wyoming ``Info`` answer: built from the server's voice menu, and again when the
account's own voices change."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

from wyoming.event import Event
from wyoming.info import Attribution, Info, TtsProgram, TtsVoice

from .. import __version__
from ..enrollment import AccountVoices, CustomVoice
from .menu import VoiceMenu
from .upstream import Upstream

DESCRIBE_WAIT: Final = 0.5
"""Seconds a Describe waits for a read of the account's voices before it is answered with
the last list (the read goes on; Home Assistant gives a server about a second)."""

PROGRAM_NAME = "qwen-tts"
ATTRIBUTION = Attribution(
    name="Alibaba Cloud Model Studio",
    url="https://www.alibabacloud.com/help/en/model-studio/speech-synthesis",
)


def build_info(menu: VoiceMenu, *, streaming: bool = True, outage: str | None = None) -> Info:
    """One TTS program with the voices of every model of ``menu`` (Home Assistant uses only
    a server's first program), and the default custom voice of a custom-voice model;
    ``outage`` says in its description who speaks while Model Studio cannot."""
    several = len(menu.models) > 1
    voices = [
        TtsVoice(
            name=entry.name,
            attribution=ATTRIBUTION,
            installed=True,
            description=(
                f"{entry.voice.display_name} · {entry.model.id}"
                if several
                else entry.voice.display_name
            ),
            version=None,
            languages=list(entry.voice.languages),
        )
        for entry in menu.voices
    ]
    model, voice = menu.default
    if model.voice(voice) is None:  # a custom voice: listed so that a pipeline can pick it
        voices.append(
            TtsVoice(
                name=menu.name_of(model, voice),
                attribution=ATTRIBUTION,
                installed=True,
                description=f"{voice} (custom voice · {model.id})",
                version=None,
                languages=list(model.languages),
            )
        )
    program = TtsProgram(
        name=PROGRAM_NAME,
        attribution=ATTRIBUTION,
        installed=True,
        description=(
            f"Model Studio text-to-speech ({', '.join(m.id for m in menu.models)})"
            + (f" · {outage}" if outage else "")
        ),
        version=__version__,
        voices=voices,
        supports_synthesize_streaming=streaming,
    )
    return Info(tts=[program])


class ServerInfo:
    """What the server answers Describe with.

    With ``account``, the account's voices of the chosen models are read at start-up and
    again on Describe once the last read is older than its ``max_age``; when they change,
    the upstream's menu (what requests may name) and the Info are rebuilt. A read that fails
    or is slow never fails or holds a Describe: the last list stands.
    """

    def __init__(
        self, upstream: Upstream, *, streaming: bool = True, account: AccountVoices | None = None
    ) -> None:
        self._upstream = upstream
        self._streaming = streaming
        self._account = account
        self._event = build_info(upstream.menu, streaming=streaming).event()
        self._outage: tuple[str, Event] | None = None
        self._read: asyncio.Task[tuple[CustomVoice, ...]] | None = None

    async def load(self) -> None:
        """Read the account's voices once (at start-up)."""
        if self._account is not None:
            await self._account.refresh()
            self._adopt()

    async def event(self) -> Event:
        """The Info event, the account's voices read again first if they are due."""
        if self._account is not None:
            if self._read is None or self._read.done():
                self._read = asyncio.ensure_future(self._account.refresh())
            done, _ = await asyncio.wait({self._read}, timeout=DESCRIBE_WAIT)
            if done:
                self._adopt()
        return self._outage_event() or self._event

    def _outage_event(self) -> Event | None:
        """While the fallback speaks every request of a model: the Info saying so."""
        out = self._upstream.outages()
        if not out:
            return None
        codes = ", ".join(sorted({err.code for err in out.values()}))
        note = (
            f"Model Studio cannot speak {', '.join(out)} ({codes}): "
            f"the fallback {self._upstream.settings.fallback} speaks"
        )
        if self._outage is None or self._outage[0] != note:
            menu = self._upstream.menu
            self._outage = note, build_info(menu, streaming=self._streaming, outage=note).event()
        return self._outage[1]

    def _adopt(self) -> None:
        """Rebuild the menu and the Info if the account's voices changed."""
        assert self._account is not None
        menu = self._upstream.menu
        if self._account.voices != menu.account:
            self._upstream.menu = menu.with_account(self._account.voices)
            self._event = build_info(self._upstream.menu, streaming=self._streaming).event()
            self._outage = None

    async def close(self) -> None:
        """Stop a read still under way."""
        if self._read is not None and not self._read.done():
            self._read.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._read
