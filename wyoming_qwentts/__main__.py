"""Command line: the Wyoming server (default), ``say`` and ``voices``.

Every flag can also be set with an environment variable: ``QWENTTS_`` plus the flag's name in
capitals (``--speech-rate`` → ``QWENTTS_SPEECH_RATE``); the key also comes from
``DASHSCOPE_API_KEY``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import logging
import os
import signal
import sys
import wave
from collections.abc import AsyncIterator, Sequence
from functools import partial
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from wyoming.server import AsyncServer

from . import __version__, catalog, eventloop
from .clients import Client, client_for
from .core import InvalidParameterError, QwenTtsError, Speaker, SpeechParams
from .core.dashscope import check_workspace
from .core.pool import WarmPool
from .handler import ConnectionLimits, QwenTtsEventHandler
from .info import build_info
from .service import ServiceSettings, TtsService, language_code
from .stdio import serve_stdio

_LOGGER = logging.getLogger("wyoming_qwentts")
ENV_PREFIX = "QWENTTS_"
DEFAULT_URI = "tcp://0.0.0.0:10200"
ZEROCONF_NAME = "qwen-tts"
_TRUE = {"1", "true", "yes", "on"}


class UsageError(Exception):
    """A bad flag or combination: printed as one line, exit status 2."""


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


def _workspace(value: str) -> str:
    try:
        return check_workspace(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _common_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    service = parser.add_argument_group("service")
    service.add_argument(
        "--api-key",
        default=os.environ.get("DASHSCOPE_API_KEY", _env("API_KEY")),
        help="DashScope API key (env DASHSCOPE_API_KEY)",
    )
    _option(service, "--region", default=catalog.DEFAULT_REGION, choices=tuple(catalog.REGIONS),
            help="region of the key (default: %(default)s)")  # fmt: skip
    _option(service, "--url", help="WebSocket endpoint override (either protocol's URL of a "
            "host: each protocol takes its own path there)")  # fmt: skip
    _option(service, "--workspace", type=_workspace,
            help="Model Studio workspace id: its own endpoints and header")  # fmt: skip
    _option(service, "--simulate", action="store_true",
            help="serve simulated audio from the bundled simulator (no key needed)")  # fmt: skip
    voice = parser.add_argument_group("voice")
    _option(voice, "--model", default=catalog.DEFAULT_MODEL, help="model id")
    _option(voice, "--voice", help="default voice id")
    _option(voice, "--language", help="language code (en) or realtime language_type (English)")
    _option(voice, "--speech-rate", type=float, help="0.5-2.0")
    _option(voice, "--volume", type=int, help="0-100")
    _option(voice, "--pitch-rate", type=float, help="0.5-2.0")
    _option(voice, "--instructions", help="models that take instructions only")
    _option(voice, "--optimize-instructions", action="store_true",
            help="let the service rewrite the instructions (instruct models only)")  # fmt: skip
    logs = parser.add_argument_group("logging")
    _option(logs, "--debug", action="store_true")
    _option(logs, "--log-format", default=logging.BASIC_FORMAT)
    return parser


def _server_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts",
        description="Wyoming TTS server for Qwen realtime text-to-speech. "
        "Subcommands: 'say TEXT -o FILE.wav', 'voices'.",
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
    _option(parser, "--segmentation", choices=("client", "server"), default="client",
            help="client: cut and commit segments here (resumable after a fault); "
            "server: let the service segment (server_commit)")  # fmt: skip
    _option(parser, "--sessions-per-request", type=int, default=2, choices=(1, 2),
            help="upstream sessions a request may use at once: with 2 the next segment is "
            "synthesized while one speaks (no pauses); 1 halves the connections")  # fmt: skip
    _option(parser, "--warm-connections", type=int, default=1,
            help="connections kept open ahead of requests (0 disables)")  # fmt: skip
    _option(parser, "--warm-connections-max", type=int, default=8,
            help="the most kept open when recent concurrency is high")  # fmt: skip
    _option(parser, "--allow", type=_networks, default="", metavar="NETWORKS",
            help="comma-separated client addresses or networks allowed to connect "
            "(e.g. 192.168.1.0/24,127.0.0.1); default: all")  # fmt: skip
    _option(parser, "--idle-timeout", type=float, default=120.0,
            help="seconds an idle connection is kept (0: forever)")  # fmt: skip
    _option(parser, "--max-event-bytes", type=int, default=1 << 20,
            help="largest data or payload one event may carry")  # fmt: skip
    _option(parser, "--shutdown-grace", type=float, default=10.0,
            help="seconds in-flight requests may finish after SIGTERM")  # fmt: skip
    parser.add_argument("--version", action="version", version=__version__)
    return parser


def _say_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts say",
        description="Speak a text into a WAV file (checks key, region and voice).",
        parents=[_common_parser()],
    )
    parser.add_argument("text", help="the text, or - to read it from standard input")
    parser.add_argument("-o", "--output", required=True, type=Path, help="WAV file to write")
    return parser


def _voices_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wyoming-qwentts voices", description="List a model's voices."
    )
    _option(parser, "--model", default=catalog.DEFAULT_MODEL)
    return parser


def _speech_params(args: argparse.Namespace) -> tuple[catalog.Model, SpeechParams]:
    """Validate the voice flags against the catalog."""
    try:
        model = catalog.get_model(args.model)
        if args.region not in model.regions:
            served = " or ".join(repr(region) for region in model.regions)
            raise UsageError(
                f"{model.id} is not served in region {args.region!r}: use --region {served} "
                "(with a key of that region)"
            )
        voice = args.voice or model.default_voice
        if voice is None:
            raise UsageError(f"{model.id} takes only custom voices: pass --voice with its id")
        language = args.language
        if language in catalog.LANGUAGE_TYPES:
            language = catalog.LANGUAGE_TYPES[language]
        elif language:
            language = language_code(language)
        params = SpeechParams(
            voice=voice,
            language=language,
            rate=args.speech_rate,
            volume=args.volume,
            pitch=args.pitch_rate,
            instructions=args.instructions,
            optimize_instructions=args.optimize_instructions or None,
        )
        catalog.check_params(model, params)
    except InvalidParameterError as err:
        raise UsageError(str(err)) from None
    if not args.api_key and not args.simulate and not args.url:
        raise UsageError("an API key is required: --api-key or DASHSCOPE_API_KEY (or --simulate)")
    return model, params


def _check_server_args(args: argparse.Namespace) -> None:
    uri = urlsplit(args.uri)
    if uri.scheme not in ("tcp", "unix", "stdio"):
        raise UsageError(
            f"--uri must be tcp://HOST:PORT, unix://PATH or stdio://, not {args.uri!r}"
        )
    if uri.scheme == "tcp" and (uri.hostname is None or uri.port is None):
        raise UsageError(f"--uri {args.uri!r} needs a host and a port")
    if args.zeroconf is not None and uri.scheme != "tcp":
        raise UsageError("--zeroconf needs a tcp:// --uri")
    for name in ("samples_per_chunk", "max_concurrency", "max_text_length"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.warm_connections < 0:
        raise UsageError("--warm-connections must be 0 or more")


@contextlib.asynccontextmanager
async def _client(args: argparse.Namespace, model: catalog.Model) -> AsyncIterator[Client]:
    """A client for the flags; with --simulate, against the bundled simulator."""
    async with contextlib.AsyncExitStack() as stack:
        url, api_key = args.url, args.api_key or "sk-none"
        if args.simulate:
            from .simulator import QwenSimulator

            simulator = await stack.enter_async_context(QwenSimulator(keep_sessions=False))
            url, api_key = simulator.url, simulator.options.api_key
            _LOGGER.warning(
                "--simulate: audio comes from the bundled simulator at %s "
                "(encoded tones, not speech)",
                url,
            )
        # No connector limit (aiohttp's default is 100): --max-concurrency is the limit.
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
        http = await stack.enter_async_context(aiohttp.ClientSession(connector=connector))
        yield client_for(
            http, api_key, model, region=args.region, url=url, workspace=args.workspace
        )


def _listening(server: AsyncServer, uri: str) -> str:
    """The address actually bound (the port when 0 was asked for)."""
    listener: asyncio.Server | None = getattr(server, "_server", None)
    if listener is not None and uri.startswith("tcp://"):
        host, port = listener.sockets[0].getsockname()[:2]
        return f"tcp://{host}:{port}"
    return uri


async def _register_zeroconf(name: str, port: int) -> None:
    """Advertise ``_wyoming._tcp`` with the LAN address (never 0.0.0.0)."""
    try:
        zeroconf = importlib.import_module("wyoming.zeroconf")
    except ImportError:
        _LOGGER.error(
            "--zeroconf needs the zeroconf package: pip install 'wyoming-qwentts[zeroconf]'"
        )
        return
    if hasattr(zeroconf, "HomeAssistantZeroconf"):  # wyoming >= 1.8
        await zeroconf.HomeAssistantZeroconf(port=port, name=name).register_server()
    else:  # wyoming 1.7 (Home Assistant 2026.2's pin)
        await getattr(zeroconf, "register_server")(name, port)  # noqa: B009
    _LOGGER.info("Zeroconf discovery enabled as %s", name)


async def _serve(args: argparse.Namespace, model: catalog.Model, params: SpeechParams) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with _client(args, model) as client:
        warm = args.warm_connections
        pool: WarmPool[Any] = WarmPool(
            client, minimum=warm, maximum=max(warm, args.warm_connections_max) if warm else 0
        )
        pool.start()
        service = TtsService(
            pool,
            ServiceSettings(
                params,
                args.max_concurrency,
                args.queue_timeout,
                segmentation=args.segmentation,
                sessions_per_request=args.sessions_per_request,
            ),
        )
        voice = params.voice or ""
        info = build_info(model, voice, streaming=not args.no_streaming)
        factory = partial(
            QwenTtsEventHandler,
            info_event=info.event(),
            service=service,
            samples_per_chunk=args.samples_per_chunk,
            limits=ConnectionLimits(
                max_text_chars=args.max_text_length,
                max_event_bytes=args.max_event_bytes,
                idle_timeout=args.idle_timeout or None,
                allowed=args.allow,
            ),
        )
        if args.uri.startswith("stdio://"):
            # It drains on a stop; when input ends, the handler has ended its requests.
            await serve_stdio(factory, stop, partial(service.drain, args.shutdown_grace))
            await pool.close()
            return
        server = AsyncServer.from_uri(args.uri)
        await server.start(factory)
        # What startup built (modules, the catalog, Info) lives as long as the process: keep
        # it out of the collector's full passes, which otherwise pause every stream for
        # tens of milliseconds (bench/run.py measured 30 ms at 100 streams).
        gc.freeze()
        address = _listening(server, args.uri)
        _LOGGER.info("Ready: %s (model %s, voice %s) on %s", __version__, model.id, voice, address)
        if args.zeroconf is not None:
            await _register_zeroconf(args.zeroconf, int(address.rsplit(":", 1)[1]))
        await stop.wait()
        _LOGGER.info("Stopping: no new connections")
        listener: asyncio.AbstractServer | None = getattr(server, "_server", None)
        if listener is not None:
            listener.close()
        await service.drain(args.shutdown_grace)
        await server.stop()
        await pool.close()
    _LOGGER.info("Stopped")


async def _say(args: argparse.Namespace, model: catalog.Model, params: SpeechParams) -> None:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise UsageError("there is no text to speak")
    rate = params.sample_rate or model.default_sample_rate
    async with _client(args, model) as client:
        speaker = Speaker(client, params)
        with wave.open(str(args.output), "wb") as wav:
            wav.setnchannels(catalog.PCM_CHANNELS)
            wav.setsampwidth(catalog.PCM_WIDTH)
            wav.setframerate(rate)
            written = shown = 0.0
            async for audio in speaker.speak(_one(text)):
                wav.writeframes(audio)
                written += len(audio) / (catalog.PCM_WIDTH * rate)
                if len(text) > 200 and written - shown >= 5:
                    shown = written
                    print(f"  {written:5.1f} s of audio ...", file=sys.stderr, flush=True)
    metrics = speaker.stats.metrics
    assert metrics is not None
    first = metrics.time_to_first_audio or 0.0
    print(
        f"Wrote {args.output}: {metrics.audio_seconds:.1f} s of audio, {metrics.characters} "
        f"characters billed, first audio after {first * 1000:.0f} ms, voice {params.voice}"
    )


async def _one(text: str) -> AsyncIterator[str]:
    yield text


def _voices(model_id: str) -> None:
    try:
        model = catalog.get_model(model_id)
    except InvalidParameterError as err:
        raise UsageError(f"{err} Known models: {', '.join(err.allowed)}") from None
    if model.custom_voices:
        print(f"{model.id} speaks only custom voices (pass their id with --voice).")
        return
    width = max(12, *(len(voice.id) for voice in model.voices))
    for voice in model.voices:
        print(f"{voice.id:<{width}} {voice.description:<32} {' '.join(voice.languages)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in ("say", "voices") else None
    try:
        if command == "voices":
            _voices(_voices_parser().parse_args(argv[1:]).model)
            return 0
        parser = _say_parser() if command == "say" else _server_parser()
        args = parser.parse_args(argv[1:] if command else argv)
        logging.basicConfig(
            level=logging.DEBUG if args.debug else logging.INFO, format=args.log_format
        )
        model, params = _speech_params(args)
        if command == "say":
            eventloop.run(_say(args, model, params))
        else:
            _check_server_args(args)
            eventloop.run(_serve(args, model, params))
    except UsageError as err:
        print(f"wyoming-qwentts: error: {err}", file=sys.stderr)
        return 2
    except QwenTtsError as err:
        print(f"wyoming-qwentts: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"wyoming-qwentts: {err}", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
