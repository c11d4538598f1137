"""The Wyoming ``Info`` answer, built once from the catalog."""

from __future__ import annotations

from wyoming.info import Attribution, Info, TtsProgram, TtsVoice

from . import __version__, catalog

PROGRAM_NAME = "qwen-tts"
ATTRIBUTION = Attribution(
    name="Alibaba Cloud Model Studio (Qwen realtime TTS)",
    url="https://www.alibabacloud.com/help/en/model-studio/qwen-tts-realtime",
)


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
        for voice_id in model.voices
        if (entry := catalog.get_voice(model, voice_id)) is not None
    ]
    if model.custom_voices:
        voices.append(
            TtsVoice(
                name=voice,
                attribution=ATTRIBUTION,
                installed=True,
                description=f"{voice} (custom voice)",
                version=None,
                languages=list(catalog.QWEN3_LANGUAGES),
            )
        )
    program = TtsProgram(
        name=PROGRAM_NAME,
        attribution=ATTRIBUTION,
        installed=True,
        description=f"Qwen realtime text-to-speech ({model.id})",
        version=__version__,
        voices=voices,
        supports_synthesize_streaming=streaming,
    )
    return Info(tts=[program])
