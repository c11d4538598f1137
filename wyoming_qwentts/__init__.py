"""Wyoming server and Home Assistant library for Alibaba Cloud Qwen realtime text-to-speech."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wyoming-qwentts")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
