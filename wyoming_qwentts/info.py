"""The Wyoming ``Info`` answer, built once from the catalog."""

from __future__ import annotations

from typing import Final

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice

from . import __version__, catalog

PROGRAM_NAME = "qwen-tts"
ATTRIBUTION = Attribution(
    name="Alibaba Cloud Model Studio",
    url="https://www.alibabacloud.com/help/en/model-studio/speech-synthesis",
)
FAMILY_NAMES: Final = {
    "realtime": "Qwen realtime text-to-speech",
    "inference": "Model Studio text-to-speech",
}


def build_info(model: catalog.Model, voice: str, *, streaming: bool = True) -> Info:
    """One TTS program with every voice of ``model`` (or the configured custom voice)."""
    voices = [
        TtsVoice(
            name=entry.id,
            attribution=ATTRIBUTION,
            installed=True,
            description=entry.display_name,
            version=None,
            languages=list(entry.languages),
        )
        for entry in model.voices
    ]
    if model.custom_voices:
        voices.append(
            TtsVoice(
                name=voice,
                attribution=ATTRIBUTION,
                installed=True,
                description=f"{voice} (custom voice)",
                version=None,
                languages=list(model.languages),
            )
        )
    program = TtsProgram(
        name=PROGRAM_NAME,
        attribution=ATTRIBUTION,
        installed=True,
        description=f"{FAMILY_NAMES[model.protocol]} ({model.id})",
        version=__version__,
        voices=voices,
        supports_synthesize_streaming=streaming,
    )
    return Info(tts=[program])
