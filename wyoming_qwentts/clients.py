"""The client of a model's protocol, and a warm pool of it."""

from __future__ import annotations

import aiohttp

from . import catalog
from .inference import InferenceClient
from .realtime import QwenRealtimeClient, Timeouts

Client = QwenRealtimeClient | InferenceClient


def client_for(
    http: aiohttp.ClientSession,
    api_key: str,
    model: catalog.Model,
    *,
    region: str = catalog.DEFAULT_REGION,
    url: str | None = None,
    workspace: str | None = None,
    timeouts: Timeouts | None = None,
) -> Client:
    """A client of ``model``'s protocol. ``url`` may be either protocol's endpoint of a
    host (the simulator prints the realtime one): each client takes its own path there."""
    kind = QwenRealtimeClient if model.protocol == "realtime" else InferenceClient
    return kind(
        http,
        api_key,
        model=model.id,
        region=region,
        url=url,
        workspace=workspace,
        timeouts=timeouts,
    )
