"""``wyoming-qwentts``: the Wyoming server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import aiohttp
from wyoming.server import AsyncServer

from .. import __version__, catalog, protocols
from ..catalog.customization import services_for
from ..core.collector import full_passes_when_quiet
from ..enrollment import AccountVoices, CustomizationClient
from ..server import (
    ConnectionGate,
    ConnectionLimits,
    QwenTtsEventHandler,
    ServerInfo,
    Upstream,
    UpstreamSettings,
)
from ..server.stdio import serve_stdio
from ..speech import WarmPool
from ..speech.dashscope import DashScopeClient
from .flags import Voicing

_LOGGER = logging.getLogger("wyoming_qwentts")


@dataclass(frozen=True, slots=True)
class Service:
    """Where the flags say the service is (the bundled simulator with --simulate), and the
    one HTTP session every client of it shares."""

    args: argparse.Namespace
    http: aiohttp.ClientSession
    url: str | None
    api_key: str

    def clients(self, models: Sequence[catalog.Model]) -> list[DashScopeClient]:
        """A synthesis client of each model."""
        urls = {"inference": self.args.inference_url} if self.args.inference_url else None
        return [
            protocols.client_for(
                self.http,
                self.api_key,
                model,
                region=self.args.region,
                url=self.url,
                urls=urls,
                workspace=self.args.workspace,
            )
            for model in models
        ]

    def account_voices(self, models: Sequence[catalog.Model]) -> AccountVoices | None:
        """The account's voices of those of ``models`` that take them (None if none do)."""
        own = [model.id for model in models if services_for(model.id)]
        if not own:
            return None
        studio = CustomizationClient(
            self.http,
            self.api_key,
            region=self.args.region,
            url=self.url,
            workspace=self.args.workspace,
        )
        return AccountVoices(studio, own, max_age=self.args.voice_list_max_age)


@contextlib.asynccontextmanager
async def service(args: argparse.Namespace) -> AsyncIterator[Service]:
    """The service for the flags; with --simulate, the bundled simulator, which serves both
    protocols and the customization API."""
    async with contextlib.AsyncExitStack() as stack:
        url, api_key = args.url, args.api_key or "sk-none"
        if args.simulate:
            from ..simulator import QwenSimulator

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
        yield Service(args, http, url, api_key)


def _listening(server: AsyncServer, uri: str) -> str:
    """The address actually bound (the port when 0 was asked for)."""
    listener: asyncio.Server | None = getattr(server, "_server", None)
    if listener is not None and uri.startswith("tcp://"):
        host, port = listener.sockets[0].getsockname()[:2]
        return f"tcp://{host}:{port}"
    return uri


async def register_zeroconf(name: str, port: int) -> None:
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


def raise_open_files_limit(connections: int) -> None:
    """Raise the soft limit of open files to the hard one: each connection takes one, each
    upstream session another (a low soft limit made accept fail with "Too many open
    files"). Warn if even the hard limit is below what the limits allow."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = max(soft, 65536) if hard == resource.RLIM_INFINITY else hard
    if soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))  # the hard one kept
            soft = target
    needed = 3 * connections + 64  # a connection, its upstream sessions, and some to spare
    if soft < needed:
        _LOGGER.warning(
            "Only %d files may be open: --max-connections %d may need about %d",
            soft,
            connections,
            needed,
        )


class QuietAcceptErrors:
    """The event loop's exception handler, but an error accepting a connection (asyncio
    reports each one, with its traceback, and retries a second later) is logged once a
    minute at most, in one line: a flood of connections must not flood the log."""

    def __init__(self, loop: asyncio.AbstractEventLoop, every: float = 60.0) -> None:
        self._loop = loop
        self._every = every
        self._last: float | None = None
        self.dropped = 0
        """Accept errors not logged since the last one that was."""

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not str(context.get("message", "")).startswith("socket.accept() out of system"):
            loop.default_exception_handler(context)
            return
        now = loop.time()
        if self._last is not None and now - self._last < self._every:
            self.dropped += 1
            return
        self._last = now
        _LOGGER.error(
            "Cannot accept connections: %s (%d more since the last report); raise the open "
            "files limit or lower --max-connections",
            context.get("exception"),
            self.dropped,
        )
        self.dropped = 0


async def run_server(args: argparse.Namespace, voicing: Voicing) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(QuietAcceptErrors(loop))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with service(args) as upstream_service:
        sources = upstream_service.clients(voicing.models)
        account = upstream_service.account_voices(voicing.models)
        warm = args.warm_connections
        most = max(warm, args.warm_connections_max) if warm else 0
        # One pool per model, each sized by its own model's recent use.
        settings = UpstreamSettings(
            voicing.params,
            args.max_concurrency,
            args.queue_timeout,
            segmentation=args.segmentation,
            sessions_per_request=args.sessions_per_request,
            announcement=voicing.announcement,
            fallback=args.fallback,
            fallback_voice=args.fallback_voice,
        )
        pools: list[WarmPool[Any]] = [
            WarmPool(source, minimum=warm, maximum=most, policy=settings.retry)
            for source in sources
        ]
        for pool in pools:
            pool.start()
        upstream = Upstream(pools, voicing.menu, settings)
        info = ServerInfo(upstream, streaming=not args.no_streaming, account=account)
        await info.load()
        limits = ConnectionLimits(
            max_text_chars=args.max_text_length,
            max_event_bytes=args.max_event_bytes,
            idle_timeout=args.idle_timeout or None,
            allowed=args.allow,
            max_connections=args.max_connections,
            max_connections_per_client=args.max_connections_per_client,
        )
        raise_open_files_limit(args.max_connections)
        factory = partial(
            QwenTtsEventHandler,
            info=info.event,
            upstream=upstream,
            samples_per_chunk=args.samples_per_chunk,
            limits=limits,
            gate=ConnectionGate(limits),
        )
        if args.uri.startswith("stdio://"):
            # It drains on a stop; when input ends, the handler has ended its requests.
            await serve_stdio(factory, stop, partial(upstream.drain, args.shutdown_grace))
            await asyncio.gather(info.close(), upstream.close(), *(pool.close() for pool in pools))
            return
        server = AsyncServer.from_uri(args.uri)
        await server.start(factory)
        # What startup built (modules, the catalog, Info) lives as long as the process: out
        # of the collector's full passes, which run when no request comes (each pauses every
        # stream for tens of milliseconds at 100 streams).
        with full_passes_when_quiet(lambda: upstream.started):
            address = _listening(server, args.uri)
            model, voice = upstream.menu.default
            _LOGGER.info(
                "Ready: %s (%s; default voice %s of %s; %d voices at %d Hz) on %s",
                __version__,
                ", ".join(m.id for m in voicing.models),
                voice,
                model.id,
                len(upstream.menu.voices),
                upstream.sample_rate,
                address,
            )
            if args.zeroconf is not None:
                await register_zeroconf(args.zeroconf, int(address.rsplit(":", 1)[1]))
            await stop.wait()
            _LOGGER.info("Stopping: no new connections")
            listener: asyncio.AbstractServer | None = getattr(server, "_server", None)
            if listener is not None:
                listener.close()
            await upstream.drain(args.shutdown_grace)
            await server.stop()
            await asyncio.gather(info.close(), upstream.close(), *(pool.close() for pool in pools))
    _LOGGER.info("Stopped")
