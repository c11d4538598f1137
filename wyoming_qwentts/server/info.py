"""The Wyoming ``Info`` answer, built once from the server's voice menu."""

from __future__ import annotations

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice

from .. import __version__
from .menu import VoiceMenu

PROGRAM_NAME = "qwen-tts"
ATTRIBUTION = Attribution(
    name="Alibaba Cloud Model Studio",
    url="https://www.alibabacloud.com/help/en/model-studio/speech-synthesis",
)


def build_info(menu: VoiceMenu, *, streaming: bool = True) -> Info:
    """One TTS program with the voices of every model of ``menu`` (Home Assistant uses only
    a server's first program), and the default custom voice of a custom-voice model."""
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
        description=f"Model Studio text-to-speech ({', '.join(m.id for m in menu.models)})",
        version=__version__,
        voices=voices,
        supports_synthesize_streaming=streaming,
    )
    return Info(tts=[program])
