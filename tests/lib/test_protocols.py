"""The protocol registry: every model's protocol has a client, and a request gets the
protocol's native stream where it has one for the segmentation asked, the speaker otherwise."""

from __future__ import annotations

import aiohttp
import pytest

from tests.helpers import API_KEY, speak
from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import RetryPolicy, SpeechParams
from wyoming_qwentts.inference import InferenceClient
from wyoming_qwentts.realtime import QwenRealtimeClient, ServerCommitStream
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.speech import Speaker


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
