"""The Wyoming server's Info lists the account's own voices of its models, read again on
Describe when due; a slow or failing read never holds or fails a Describe."""

from __future__ import annotations

import aiohttp
import pytest
from wyoming.event import Event
from wyoming.info import Info

from tests.helpers import API_KEY, FAST_RETRY, upstream_of
from tests.recordings import wav
from wyoming_qwentts import catalog, protocols
from wyoming_qwentts.core import InvalidParameterError, SpeechParams
from wyoming_qwentts.enrollment import AccountVoices, CustomizationClient, read_recording
from wyoming_qwentts.server import ServerInfo, Upstream, UpstreamSettings
from wyoming_qwentts.simulator import QwenSimulator, decode
from wyoming_qwentts.speech import synthesize

COSY = "cosyvoice-v3-flash"
VC = "qwen3-tts-vc-realtime-2026-01-15"
RECORDING = read_recording(wav())


def upstream(http: aiohttp.ClientSession, simulator: QwenSimulator) -> Upstream:
    sources = [
        protocols.client_for(http, API_KEY, catalog.MODELS[model], url=simulator.url)
        for model in (COSY, VC)
    ]
    return upstream_of(sources, UpstreamSettings(SpeechParams(), retry=FAST_RETRY))


def names(event: Event) -> list[str]:
    return [voice.name for voice in Info.from_event(event).tts[0].voices]


@pytest.fixture
def studio(http: aiohttp.ClientSession, simulator: QwenSimulator) -> CustomizationClient:
    return CustomizationClient(http, API_KEY, url=simulator.url)


async def test_a_voice_made_while_the_server_runs_is_listed_and_spoken(
    http: aiohttp.ClientSession, simulator: QwenSimulator, studio: CustomizationClient
) -> None:
    now = [0.0]
    up = upstream(http, simulator)
    info = ServerInfo(up, account=AccountVoices(studio, [COSY, VC], clock=lambda: now[0]))
    await info.load()
    system = list(catalog.MODELS[COSY].voice_ids)
    assert names(await info.event()) == system
    made = await studio.clone(VC, "kitchen", RECORDING, language="en")
    assert names(await info.event()) == system  # the list read 0 s ago stands
    now[0] = 30.0
    event = await info.event()
    assert names(event) == [*system, made.id]
    listed = Info.from_event(event).tts[0].voices[-1]
    assert listed.description == f"kitchen (your voice) · {VC}"
    assert listed.languages == ["en"]
    choice = up.choose(made.id, None)
    assert (choice.source.model.id, choice.params.voice) == (VC, made.id)
    assert decode((await synthesize(choice.source, "Mine.", choice.params)).audio) == "Mine."
    await studio.delete(made.id)
    now[0] = 60.0
    assert names(await info.event()) == system
    gone = up.choose(made.id, None)  # unlisted: sent to the model that takes such voices
    with pytest.raises(InvalidParameterError) as err:
        await synthesize(gone.source, "Gone.", gone.params)
    assert err.value.code == "invalid-voice"
    assert f"{VC} refused voice {made.id!r}" in err.value.message
    await info.close()


async def test_a_slow_read_does_not_hold_describe(
    http: aiohttp.ClientSession, simulator: QwenSimulator, silent_port: int
) -> None:
    silent = CustomizationClient(http, API_KEY, url=f"ws://127.0.0.1:{silent_port}")
    info = ServerInfo(upstream(http, simulator), account=AccountVoices(silent, [VC], max_age=0))
    event = await info.event()  # answered after DESCRIBE_WAIT with the list it has
    assert names(event) == list(catalog.MODELS[COSY].voice_ids)
    read = info._read
    assert read is not None
    assert not read.done()  # the read goes on without the Describe
    assert await info.event() is event  # the same read, still pending: the same Info
    await info.close()
    assert read.cancelled()


async def test_no_account_voices_without_a_model_that_takes_them(
    http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    client = protocols.client_for(
        http, API_KEY, catalog.MODELS["qwen3-tts-flash-realtime"], url=simulator.url
    )
    info = ServerInfo(upstream_of([client], UpstreamSettings(SpeechParams())))
    await info.load()
    assert await info.event() is await info.event()
    await info.close()
    assert not simulator.customization.requests
