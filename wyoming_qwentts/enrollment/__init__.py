"""The account's own voices: cloning from a recording and design from a description, through
Model Studio's customization API, for every model that takes such voices."""

from .client import CustomizationClient
from .directory import AccountVoices
from .recording import Recording, RecordingError, check_recording, checked_recording, read_recording
from .voices import CustomVoice, DesignedVoice, check_name, offered_voices

__all__ = [
    "AccountVoices",
    "CustomVoice",
    "CustomizationClient",
    "DesignedVoice",
    "Recording",
    "RecordingError",
    "check_name",
    "check_recording",
    "checked_recording",
    "offered_voices",
    "read_recording",
]
