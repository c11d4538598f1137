"""The protocols the library speaks, by the name the catalog gives each model's protocol.

A protocol is a package (a :class:`~wyoming_qwentts.speech.dashscope.DashScopeClient`, its
connection, session and wire modules) and one :data:`REGISTRY` entry here: its client and,
where the protocol has one, a native stream for a segmentation of its own (realtime
``server``: ``server_commit``). The Wyoming server and Home Assistant ask this module for a
model's client and a request's stream, and never import a protocol package themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

import aiohttp

from . import catalog
from .core import RetryPolicy, SpeechParams, Timeouts
from .inference import InferenceClient
from .realtime import QwenRealtimeClient, ServerCommitStream
from .speech import Speaker, SpeechSource, SpeechStream
from .speech.dashscope import DashScopeClient

StreamFactory = Callable[[SpeechSource, SpeechParams, RetryPolicy], SpeechStream]
"""A native stream of one request: ``(source, params, policy)``."""

CLIENT_SEGMENTATION: Final = "client"
"""The speaker's own segments, which every protocol supports."""


@dataclass(frozen=True, slots=True)
class ProtocolSupport:
    """What the library has of one protocol."""

    client: type[DashScopeClient]
    streams: Mapping[str, StreamFactory] = field(default_factory=dict)
    """Native streams by segmentation name (the speaker serves ``client``, and any name a
    protocol lacks)."""


REGISTRY: Final[Mapping[str, ProtocolSupport]] = {
    "realtime": ProtocolSupport(QwenRealtimeClient, {"server": ServerCommitStream}),
    "inference": ProtocolSupport(InferenceClient),
}


def client_for(
    http: aiohttp.ClientSession,
    api_key: str,
    model: catalog.Model,
    *,
    region: str = catalog.DEFAULT_REGION,
    url: str | None = None,
    urls: Mapping[str, str] | None = None,
    workspace: str | None = None,
    timeouts: Timeouts | None = None,
) -> DashScopeClient:
    """A client of ``model``'s protocol.

    ``url`` may be any protocol's endpoint of a host (the simulator prints the realtime
    one): each client takes its own path there. ``urls`` gives a protocol an endpoint of its
    own, by protocol name (``{"inference": …}``), over ``url``.
    """
    return REGISTRY[model.protocol].client(
        http,
        api_key,
        model=model.id,
        region=region,
        url=(urls or {}).get(model.protocol, url),
        workspace=workspace,
        timeouts=timeouts,
    )


def stream_for(
    source: SpeechSource,
    params: SpeechParams,
    *,
    segmentation: str = CLIENT_SEGMENTATION,
    policy: RetryPolicy | None = None,
    lanes: int = 2,
) -> SpeechStream:
    """The stream that speaks one request of ``source``'s model: the protocol's native one
    for ``segmentation`` where it has one, else the speaker."""
    policy = policy or RetryPolicy()
    native = REGISTRY[source.model.protocol].streams.get(segmentation)
    if native is not None:
        return native(source, params, policy)
    return Speaker(source, params, policy=policy, lanes=lanes)


def segmentations() -> tuple[str, ...]:
    """Every segmentation some protocol supports (``client`` first)."""
    names = {name for support in REGISTRY.values() for name in support.streams}
    return (CLIENT_SEGMENTATION, *sorted(names))
