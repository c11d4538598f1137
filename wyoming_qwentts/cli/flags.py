"""The command line's flags: every one also from the environment (``QWENTTS_<FLAG>``).

Every flag can also be set with an environment variable: ``QWENTTS_`` plus the flag's name in
capitals (``--speech-rate`` → ``QWENTTS_SPEECH_RATE``); the key also comes from
``DASHSCOPE_API_KEY``.
"""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import __version__, catalog, protocols
from ..core import InvalidParameterError, SpeechParams
from ..core.chime import BUILT_IN
from ..server.menu import VoiceMenu
from ..speech.announcement import LOUDNESS_RANGE, Announcement
from ..speech.dashscope import check_url, check_workspace

ENV_PREFIX = "QWENTTS_"
DEFAULT_URI = "tcp://0.0.0.0:10200"
ZEROCONF_NAME = "qwen-tts"
_TRUE = {"1", "true", "yes", "on"}


class UsageError(Exception):
    """A bad flag or combination: printed as one line, exit status 2."""


def load_api_key(args: argparse.Namespace) -> None:
    """Read ``--api-key-file`` into ``args.api_key`` (UsageError if it cannot be read or is
    empty)."""
    path: Path | None = getattr(args, "api_key_file", None)
    if path is None:
        return
    try:
        key = path.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read --api-key-file {path}: {err}") from None
    if not key or not key[0].strip():
        raise UsageError(f"--api-key-file {path} is empty")
    args.api_key = key[0].strip()


def _env(name: str, default: Any = None) -> Any:
    return os.environ.get(ENV_PREFIX + name, default)


def _networks(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    """``--allow``: comma-separated addresses or networks."""
    try:
        return tuple(
            ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
        )
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _option(group: Any, flag: str, **kwargs: Any) -> None:
    """Add ``flag``; ``QWENTTS_<FLAG>`` in the environment replaces its default."""
    name = flag.lstrip("-").upper().replace("-", "_")
    if kwargs.get("action") == "store_true":
        kwargs["default"] = str(_env(name, "")).strip().lower() in _TRUE
    else:
        kwargs["default"] = _env(name, kwargs.get("default"))
    group.add_argument(flag, **kwargs)


def _url(value: str) -> str:
    try:
        return check_url(value)
    except InvalidParameterError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _workspace(value: str) -> str:
    try:
        return check_workspace(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _models(value: str) -> list[str]:
    """``--model``: one model id or a comma list of them."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _span(name: str) -> str:
    """The range of a parameter on the default model (each model's own is checked)."""
    bounds = catalog.MODELS[catalog.DEFAULT_MODEL].ranges[name]
    return f"{bounds.low:g}-{bounds.high:g} (models without it refuse it)"


def _service_flags(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """The flags that say where the service is and who we are (every command has them)."""
    service = parser.add_argument_group("service")
    service.add_argument(
        "--api-key",
        default=os.environ.get("DASHSCOPE_API_KEY", _env("API_KEY")),
        help="DashScope API key (better: env DASHSCOPE_API_KEY or --api-key-file, which "
        "keep it out of the process list and the shell history)",
    )
    _option(service, "--api-key-file", type=Path, metavar="FILE",
            help="a file holding the key (its first line): a Docker or systemd secret")  # fmt: skip
    _option(service, "--region", default=catalog.DEFAULT_REGION, choices=tuple(catalog.REGIONS),
            help="region of the key (default: %(default)s)")  # fmt: skip
    _option(service, "--url", type=_url, help="WebSocket endpoint override (either protocol's "
            "URL of a host: each protocol takes its own path there); wss:// — the key is sent "
            "there")  # fmt: skip
    _option(service, "--workspace", type=_workspace,
            help="Model Studio workspace id: its own endpoints and header")  # fmt: skip
    return service


def _logging_flags(parser: argparse.ArgumentParser) -> None:
    logs = parser.add_argument_group("logging")
    _option(logs, "--debug", action="store_true")
    _option(logs, "--log-format", default=logging.BASIC_FORMAT)


def _common_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    service = _service_flags(parser)
    _option(service, "--inference-url", type=_url,
            help="the inference endpoint, where it is not the --url host's")  # fmt: skip
    _option(service, "--simulate", action="store_true",
            help="serve simulated audio from the bundled simulator (no key needed)")  # fmt: skip
    voice = parser.add_argument_group("voice")
    voice.add_argument("--model", action="extend", type=_models, metavar="MODEL",
                       help="model id; several give one program with the voices of each "
                       f"(repeat, or a comma list; env {ENV_PREFIX}MODEL; default "
                       f"{catalog.DEFAULT_MODEL})")  # fmt: skip
    _option(voice, "--voice", help="default voice id (model/voice where models share it)")
    _option(voice, "--language", help="language code (en) or realtime language_type (English)")
    _option(voice, "--speech-rate", type=float, help=_span("rate"))
    _option(voice, "--volume", type=int, help=_span("volume"))
    _option(voice, "--pitch-rate", type=float, help=_span("pitch"))
    _option(voice, "--instructions", help="models that take instructions only")
    _option(voice, "--sample-rate", type=int,
            help="Hz of the audio, one that every chosen model produces")  # fmt: skip
    _option(voice, "--optimize-instructions", action="store_true",
            help="let the service rewrite the instructions (instruct models only)")  # fmt: skip
    announce = parser.add_argument_group("announcements")
    _option(announce, "--chime", metavar="NAME|WAV",
            help=f"a chime before every message: {', '.join(BUILT_IN)}, or a WAV file")  # fmt: skip
    _option(announce, "--loudness", type=float, metavar="LUFS",
            help="bring speech to this loudness as it streams (ITU-R BS.1770; e.g. -16; "
            f"{LOUDNESS_RANGE[0]:g} to {LOUDNESS_RANGE[1]:g}; default: as the service makes "
            "it)")  # fmt: skip
    _logging_flags(parser)
    return parser


def server_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts",
        description="Wyoming TTS server for Alibaba Cloud Model Studio text-to-speech. "
        "Subcommands: 'say TEXT -o FILE.wav', 'voices', 'voice clone|design|list|delete|wait'.",
        parents=[_common_parser()],
    )
    _option(parser, "--uri", default=DEFAULT_URI, help="tcp://, unix:// or stdio://")
    _option(parser, "--zeroconf", nargs="?", const=ZEROCONF_NAME, metavar="NAME",
            help="advertise the server with mDNS for Home Assistant discovery")  # fmt: skip
    _option(parser, "--samples-per-chunk", type=int, default=1024)
    _option(parser, "--no-streaming", action="store_true",
            help="do not advertise streaming text input")  # fmt: skip
    _option(parser, "--max-concurrency", type=int, default=16)
    _option(parser, "--queue-timeout", type=float, default=30.0,
            help="seconds a request waits for a free upstream session")  # fmt: skip
    _option(parser, "--max-text-length", type=int, default=20_000)
    _option(parser, "--segmentation", choices=protocols.segmentations(),
            default=protocols.CLIENT_SEGMENTATION,
            help="client: cut and commit segments here (resumable after a fault); "
            "server: let the service segment (server_commit)")  # fmt: skip
    _option(parser, "--sessions-per-request", type=int, default=2, choices=(1, 2),
            help="upstream sessions a request may use at once: with 2 the next segment is "
            "synthesized while one speaks (no pauses); 1 halves the connections")  # fmt: skip
    _option(parser, "--warm-connections", type=int, default=1,
            help="connections kept open ahead of requests (0 disables)")  # fmt: skip
    _option(parser, "--warm-connections-max", type=int, default=128,
            help="the most kept open when recent concurrency is high")  # fmt: skip
    _option(parser, "--allow", type=_networks, default="", metavar="NETWORKS",
            help="comma-separated client addresses or networks allowed to connect "
            "(e.g. 192.168.1.0/24,127.0.0.1); default: all")  # fmt: skip
    _option(parser, "--max-connections", type=int, default=256,
            help="connections open at once; more are refused at once")  # fmt: skip
    _option(parser, "--max-connections-per-client", type=int, default=64,
            help="connections open at once from one client address")  # fmt: skip
    _option(parser, "--idle-timeout", type=float, default=120.0,
            help="seconds an idle connection is kept (0: forever)")  # fmt: skip
    _option(parser, "--max-event-bytes", type=int, default=1 << 20,
            help="largest data or payload one event may carry")  # fmt: skip
    _option(parser, "--voice-list-max-age", type=float, default=30.0,
            help="seconds the account's own voices, listed in Info, stand before a Describe "
            "reads them again")  # fmt: skip
    _option(parser, "--fallback", metavar="URI",
            help="another Wyoming TTS server (tcp://HOST:PORT or unix://PATH, e.g. the Piper "
            "add-on) that speaks whatever Model Studio cannot: unreachable, throttled, "
            "refusing the key")  # fmt: skip
    _option(parser, "--fallback-voice", metavar="NAME", help="the fallback's voice")
    _option(parser, "--shutdown-grace", type=float, default=10.0,
            help="seconds in-flight requests may finish after SIGTERM")  # fmt: skip
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def say_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts say",
        description="Speak a text into a WAV file (checks key, region and voice).",
        parents=[_common_parser()],
    )
    parser.add_argument("text", help="the text, or - to read it from standard input")
    parser.add_argument("-o", "--output", required=True, type=Path, help="WAV file to write")
    return parser


def voices_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts voices",
        description="List a model's voices; without --model, every model of the region's.",
    )
    _option(parser, "--model")
    _option(parser, "--region", default=catalog.DEFAULT_REGION, choices=tuple(catalog.REGIONS))
    return parser


def voice_parser() -> argparse.ArgumentParser:
    """``voice``: the account's own voices (clone, design, list, delete, wait)."""
    parent = argparse.ArgumentParser(add_help=False)
    _service_flags(parent)
    _logging_flags(parent)
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts voice",
        description="Your own voices: clone one from a recording, design one from a "
        "description, list, delete, or wait until one is ready.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    clone = actions.add_parser(
        "clone", parents=[parent], help="clone a voice from a recording (WAV, MP3 or M4A)"
    )
    clone.add_argument("recording", metavar="FILE", help="10-60 s of one person speaking, or "
                       "the https URL of such a file")  # fmt: skip
    design = actions.add_parser("design", parents=[parent], help="design a voice from a "
                                "description")  # fmt: skip
    design.add_argument("description", help="what the voice sounds like")
    design.add_argument("--preview-text", required=True, help="what the preview clip says")
    design.add_argument("-o", "--output", type=Path, help="WAV file for the preview clip")
    for action in (clone, design):
        action.add_argument("--model", required=True, help="the model the voice is for (it "
                            "speaks with no other)")  # fmt: skip
        action.add_argument("--name", required=True, help="a short name for the voice")
        action.add_argument("--language", help="its language (en, zh …)")
    clone.add_argument("--transcript", help="what the recording says (Qwen3 VC models)")
    listing = actions.add_parser("list", parents=[parent], help="list your voices")
    listing.add_argument("--model", help="only the voices of this model")
    delete = actions.add_parser("delete", parents=[parent], help="delete a voice")
    wait = actions.add_parser("wait", parents=[parent], help="wait until a voice is ready")
    for action in (delete, wait):
        action.add_argument("voice", metavar="ID", help="the voice's id")
    for action in (clone, design, wait):
        action.add_argument("--timeout", type=float, default=300.0,
                            help="seconds to wait for the voice to deploy")  # fmt: skip
    return parser


@dataclass(frozen=True, slots=True)
class Voicing:
    """What the voice flags chose: the models (the first one's voice the default), the
    server's voice menu and the parameters every request starts from."""

    models: tuple[catalog.Model, ...]
    menu: VoiceMenu
    params: SpeechParams
    announcement: Announcement = field(default_factory=Announcement)


def voicing(args: argparse.Namespace) -> Voicing:
    """Validate the voice flags against the catalog: every model served in the region, the
    default voice, the sample rate and the prosody taken by every chosen model."""
    ids = args.model or _models(str(_env("MODEL", ""))) or [catalog.DEFAULT_MODEL]
    try:
        models = tuple(catalog.get_model(model_id) for model_id in dict.fromkeys(ids))
        elsewhere = [model for model in models if args.region not in model.regions]
        if elsewhere:
            served = " or ".join(repr(region) for region in elsewhere[0].regions)
            raise UsageError(
                f"{', '.join(m.id for m in elsewhere)} not served in region {args.region!r}: "
                f"use --region {served} (with a key of that region)"
            )
        menu = VoiceMenu(models, args.voice)
        rate = args.sample_rate or _common_rate(models)
        params = SpeechParams(
            voice=args.voice,
            language=catalog.language_code(args.language) if args.language else None,
            rate=args.speech_rate,
            volume=args.volume,
            pitch=args.pitch_rate,
            instructions=args.instructions,
            optimize_instructions=args.optimize_instructions or None,
            sample_rate=rate,
        )
        default_model, default_voice = menu.default
        catalog.check_params(default_model, replace(params, voice=default_voice))
        for model in models:  # every request of every model starts from these settings
            catalog.check_settings(model, params)
        announcement = _announcement(args, rate)
    except InvalidParameterError as err:
        raise UsageError(str(err)) from None
    if not args.api_key and not args.simulate and not args.url:
        raise UsageError("an API key is required: --api-key or DASHSCOPE_API_KEY (or --simulate)")
    return Voicing(models, menu, replace(params, voice=args.voice), announcement)


def _announcement(args: argparse.Namespace, rate: int) -> Announcement:
    """The chime and loudness flags, checked (the chime read) before anything is served."""
    low, high = LOUDNESS_RANGE
    if args.loudness is not None and not low <= args.loudness <= high:
        raise UsageError(f"--loudness must be {low:g} to {high:g} LUFS, not {args.loudness:g}")
    announcement = Announcement(args.chime or None, args.loudness)
    announcement.chime_at(rate)
    return announcement


def _common_rate(models: tuple[catalog.Model, ...]) -> int:
    """The first model's default rate if every model produces it, else the highest rate
    they all do (UsageError when there is none)."""
    common = set(models[0].sample_rates).intersection(*(m.sample_rates for m in models[1:]))
    if models[0].default_sample_rate in common:
        return models[0].default_sample_rate
    if not common:
        raise UsageError(f"{', '.join(m.id for m in models)} share no sample rate")
    return max(common)


def check_server_args(args: argparse.Namespace) -> None:
    uri = urlsplit(args.uri)
    if uri.scheme not in ("tcp", "unix", "stdio"):
        raise UsageError(
            f"--uri must be tcp://HOST:PORT, unix://PATH or stdio://, not {args.uri!r}"
        )
    if uri.scheme == "tcp" and (uri.hostname is None or uri.port is None):
        raise UsageError(f"--uri {args.uri!r} needs a host and a port")
    if args.zeroconf is not None and uri.scheme != "tcp":
        raise UsageError("--zeroconf needs a tcp:// --uri")
    if args.fallback:
        _check_fallback(args.fallback)
    for name in (
        "samples_per_chunk",
        "max_concurrency",
        "max_text_length",
        "max_connections",
        "max_connections_per_client",
    ):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.warm_connections < 0:
        raise UsageError("--warm-connections must be 0 or more")


def _check_fallback(uri: str) -> None:
    parts = urlsplit(uri)
    if parts.scheme not in ("tcp", "unix") or not (parts.netloc or parts.path):
        raise UsageError(f"--fallback must be tcp://HOST:PORT or unix://PATH, not {uri!r}")
    if parts.scheme == "tcp" and (parts.hostname is None or parts.port is None):
        raise UsageError(f"--fallback {uri!r} needs a host and a port")
    try:
        import av  # noqa: F401  (converts the fallback's audio to the server's format)
    except ImportError:
        raise UsageError("--fallback needs PyAV: pip install 'wyoming-qwentts[fallback]'") from None
