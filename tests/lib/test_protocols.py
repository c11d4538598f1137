"""The protocol registry: every model's protocol has a client, and a request gets the
protocol's native stream where it has one for the segmentation asked, the speaker otherwise."""

from __future__ import annotations

import gc
from typing import Any

import aiohttp
import pytest

from tests.helpers import API_KEY, speak, until
from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import RetryPolicy, SpeechParams
from wyoming_qwentts.inference import InferenceClient
from wyoming_qwentts.inference.connection import InferenceConnection
from wyoming_qwentts.realtime import QwenRealtimeClient, RealtimeSession, ServerCommitStream
from wyoming_qwentts.realtime.connection import RealtimeConnection
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.speech import Speaker
from wyoming_qwentts.speech.pool import WarmPool
from wyoming_qwentts.speech.watchdog import Watchdog


def test_every_model_of_the_catalog_has_its_protocol_registered() -> None:
    assert {model.protocol for model in catalog.MODELS.values()} == set(protocols.REGISTRY)
    for name, support in protocols.REGISTRY.items():
        assert support.client.protocol == name


async def test_a_client_of_each_models_protocol(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    realtime = protocols.client_for(http, API_KEY, catalog.MODELS["qwen3-tts-flash-realtime"])
    inference = protocols.client_for(
        http,
        API_KEY,
        catalog.MODELS["cosyvoice-v3-flash"],
        region="beijing",
        url=simulator.url,
        urls={"inference": "ws://127.0.0.1:1/api-ws/v1/inference"},
    )
    assert isinstance(realtime, QwenRealtimeClient)
    assert realtime.url.startswith("wss://dashscope-intl.aliyuncs.com/api-ws/v1/realtime")
    assert isinstance(inference, InferenceClient)
    assert inference.url == "ws://127.0.0.1:1/api-ws/v1/inference"  # its own endpoint
    assert inference.region == "beijing"


@pytest.mark.parametrize(
    ("model", "segmentation", "kind"),
    [
        ("qwen3-tts-flash-realtime", "client", Speaker),
        ("qwen3-tts-flash-realtime", "server", ServerCommitStream),
        ("cosyvoice-v3-flash", "client", Speaker),
        ("cosyvoice-v3-flash", "server", Speaker),  # no native stream: the speaker
    ],
)
async def test_the_stream_of_a_request(
    http: aiohttp.ClientSession,
    simulator: QwenSimulator,
    model: str,
    segmentation: str,
    kind: type,
) -> None:
    client = protocols.client_for(http, API_KEY, catalog.MODELS[model], url=simulator.url)
    stream = protocols.stream_for(
        client, SpeechParams(), segmentation=segmentation, policy=RetryPolicy(), lanes=1
    )
    assert isinstance(stream, kind)
    assert decode(await speak(stream, "Either way. 都一样。")) == "Either way. 都一样。"


def test_segmentations() -> None:
    assert protocols.segmentations() == ("client", "server")


@pytest.mark.parametrize("pooled", [False, True])
@pytest.mark.parametrize(
    "model", ["qwen3-tts-flash-realtime", "cosyvoice-v3-flash", "qwen-audio-3.0-tts-flash"]
)
async def test_a_spoken_requests_objects_are_freed_without_the_cycle_collector(
    http: aiohttp.ClientSession, simulator: QwenSimulator, model: str, pooled: bool
) -> None:
    """No reference cycle is left by a request's sessions and sockets, warm or not: under
    load the collector's pauses for them would be every stream's tail."""
    client = protocols.client_for(http, API_KEY, catalog.MODELS[model], url=simulator.url)
    kinds = (RealtimeConnection, RealtimeSession, InferenceConnection, Watchdog,
             aiohttp.ClientWebSocketResponse)  # fmt: skip
    gc.collect()
    gc.disable()
    try:
        source: Any = WarmPool(client, minimum=1, maximum=2) if pooled else client
        if pooled:
            source.start()
            await until(source, lambda: source.ready == 1)
        text = "One. Two, three. Four, five, six."
        assert decode(await speak(Speaker(source, SpeechParams()), text)) == text
        if pooled:
            await source.close()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = [t.__name__ for t in map(type, gc.garbage) if issubclass(t, kinds)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
