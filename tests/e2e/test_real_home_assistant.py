"""A real Home Assistant (``hass`` 2026.2.3) with the integration, driven as a user drives it.

The simulator is the service. The journey: onboarding; the config flow (a wrong key, an
unreachable endpoint, success, a duplicate); speech from ``/api/tts_get_url``; both service
actions with responses; a mistyped voice; a voice reconfigured and one cloned from an
upload (its entity speaking); diagnostics; a
restart; removal. Then Home Assistant's own log is read: stops included, nothing of this
integration's may be logged at ERROR, no task exception may go unretrieved, and no blocking
call or deprecation may be reported for it.

``script/test`` sets ``QWENTTS_REAL_HA`` to the environment ``script/setup --all`` made.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.recordings import wav
from wyoming_qwentts import catalog
from wyoming_qwentts.simulator import QwenSimulator, decode_wav

from .real_ha import RealHomeAssistant, assert_clean_log, free_port

pytestmark = pytest.mark.timeout(600)

KEY = "sk-e2e-real-home-assistant-0042"
MESSAGE = "The washing machine has finished."
VC = "qwen3-tts-vc-realtime-2026-01-15"
DOMAIN = "qwen_tts"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def simulator() -> AsyncIterator[QwenSimulator]:
    async with QwenSimulator() as sim:
        sim.options.api_key = KEY
        yield sim


async def open_flow(ha: RealHomeAssistant, http: aiohttp.ClientSession) -> str:
    """Open the config flow as the UI does; its id. Workspace and URL are in a collapsed section."""
    _, form = await ha.call(
        http, "POST", "/api/config/config_entries/flow", json={"handler": DOMAIN}
    )
    assert form["type"] == "form", form
    connection = next(f for f in form["data_schema"] if f["name"] == "connection")
    assert (connection["type"], connection["expanded"]) == ("expandable", False)
    assert [field["name"] for field in connection["schema"]] == ["workspace", "url"]
    return str(form["flow_id"])


async def submit(
    ha: RealHomeAssistant, http: aiohttp.ClientSession, flow_id: str, data: dict[str, Any]
) -> Any:
    _, result = await ha.call(http, "POST", f"/api/config/config_entries/flow/{flow_id}", json=data)
    return result


async def speak_url(ha: RealHomeAssistant, http: aiohttp.ClientSession, entity: str) -> str:
    """What ``/api/tts_get_url`` serves for MESSAGE, decoded."""
    status, answer = await ha.call(
        http, "POST", "/api/tts_get_url",
        json={"engine_id": entity, "message": MESSAGE, "options": {"preferred_format": "wav"}},
    )  # fmt: skip
    assert status == 200, answer
    assert answer["url"].startswith(ha.url)  # Home Assistant's own URL: this machine's loopback
    async with http.get(ha.url + answer["path"]) as response:
        assert response.status == 200
        return decode_wav(await response.read())


async def entry_of(ha: RealHomeAssistant, http: aiohttp.ClientSession) -> dict[str, Any]:
    _, entries = await ha.call(http, "GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
    assert len(entries) == 1, entries
    entry: dict[str, Any] = entries[0]
    return entry


async def tts_entity(ha: RealHomeAssistant, http: aiohttp.ClientSession, name: str = "") -> str:
    """The Qwen TTS entity (the one whose id has ``name`` in it, where there are several)."""
    _, states = await ha.call(http, "GET", "/api/states")
    ids = [s["entity_id"] for s in states if s["entity_id"].startswith("tts.qwen_tts")]
    ids = [entity_id for entity_id in ids if name in entity_id]
    assert len(ids) == 1, ids
    return str(ids[0])


async def voice_flow(
    ha: RealHomeAssistant, http: aiohttp.ClientSession, body: dict[str, Any], flow_id: str = ""
) -> dict[str, Any]:
    """Start (no ``flow_id``) or answer a step of the voice subentry flow, as the UI does."""
    path = "/api/config/config_entries/subentries/flow" + (f"/{flow_id}" if flow_id else "")
    status, result = await ha.call(http, "POST", path, json=body)
    assert status == 200, result
    return dict(result)


async def test_a_user_journey_through_a_real_home_assistant(
    hass: RealHomeAssistant, http: aiohttp.ClientSession, simulator: QwenSimulator
) -> None:
    ha = hass
    await ha.start()
    await ha.onboard(http)

    # The config flow, as a user corrects it: a wrong key, an endpoint nobody listens on,
    # then the right ones; and adding the same key again.
    flow_id = await open_flow(ha, http)
    wrong = {"api_key": "sk-wrong", "region": "singapore", "connection": {"url": simulator.url}}
    assert (await submit(ha, http, flow_id, wrong))["errors"] == {"base": "invalid_auth"}
    nobody = f"ws://127.0.0.1:{free_port()}/api-ws/v1/realtime"
    user = {"api_key": KEY, "region": "singapore", "connection": {"url": nobody}}
    assert (await submit(ha, http, flow_id, user))["errors"] == {"base": "cannot_connect"}
    user["connection"] = {"url": simulator.url}
    created = await submit(ha, http, flow_id, user)
    assert created["type"] == "create_entry", created
    assert created["title"] == "Qwen TTS Singapore (international)"
    duplicate = await submit(ha, http, await open_flow(ha, http), user)
    assert (duplicate["type"], duplicate["reason"]) == ("abort", "already_configured")
    entry = await entry_of(ha, http)
    assert entry["state"] == "loaded"
    entity = await tts_entity(ha, http)

    # Speech, as a dashboard or a script fetches it.
    assert await speak_url(ha, http, entity) == MESSAGE

    # Both service actions, with their responses.
    status, answer = await ha.call(
        http, "POST", f"/api/services/{DOMAIN}/synthesize?return_response",
        json={"message": MESSAGE, "voice": "Ethan"},
    )  # fmt: skip
    assert status == 200, answer
    made = answer["service_response"]
    assert made["characters"] == catalog.billed_characters(MESSAGE)
    async with http.get(ha.url + made["url"]) as response:
        assert decode_wav(await response.read()) == MESSAGE
    status, answer = await ha.call(
        http, "POST", f"/api/services/{DOMAIN}/speak?return_response",
        json={"message": "Dinner is ready.", "media_player_entity_id": ["media_player.living_room"],
              "player_volume": 0.4},
    )  # fmt: skip
    assert status == 200, answer
    assert answer["service_response"]["characters"] == len("Dinner is ready.")
    assert answer["service_response"]["duration"] > 0

    # A mistyped voice: one validation error naming the closest voice, nothing spoken.
    sessions = len(simulator.sessions)
    result = await ha.websocket(http, {
        "type": "call_service", "domain": "tts", "service": "speak",
        "target": {"entity_id": entity},
        "service_data": {"media_player_entity_id": "media_player.living_room",
                         "message": MESSAGE, "options": {"voice": "Etan"}},
    })  # fmt: skip
    assert not result["success"]
    assert result["error"]["code"] == "service_validation_error"
    assert "did you mean 'Ethan'?" in result["error"]["message"]
    assert len(simulator.sessions) <= sessions + 1  # at most the pool's refill, no synthesis

    # Reconfigure the voice (another voice of its model); the entry reloads with it.
    (first,) = (await ha.websocket(http, {"type": "config_entries/subentries/list",
                                           "entry_id": entry["entry_id"]}))["result"]  # fmt: skip
    form = await voice_flow(ha, http, {"handler": [entry["entry_id"], "voice"],
                                       "subentry_id": first["subentry_id"]})  # fmt: skip
    assert form["step_id"] == "settings", form
    settings = {"voice": "Serena", "language_type": "Auto", "speech_rate": 1.0, "pitch_rate": 1.0,
                "volume": 50, "leading_silence_ms": 0, "trailing_silence_ms": 0,
                "warm_connections": 1}  # fmt: skip
    done = await voice_flow(ha, http, settings, form["flow_id"])
    assert (done["type"], done["reason"]) == ("abort", "reconfigure_successful"), done
    assert (await ha.entry_settled(http, DOMAIN))["state"] == "loaded"  # reloaded
    assert await speak_url(ha, http, entity) == MESSAGE
    spoken = [s for s in simulator.sessions if s.spoken]
    assert spoken[-1].config["voice"] == "Serena"

    # Add voice → clone from a recording: the upload, the clone, a second entity that speaks.
    upload = aiohttp.FormData()
    upload.add_field("file", wav(), filename="kitchen.wav")
    status, uploaded = await ha.call(http, "POST", "/api/file_upload", data=upload)
    assert status == 200, uploaded
    menu = await voice_flow(ha, http, {"handler": [entry["entry_id"], "voice"]})
    assert menu["type"] == "menu", menu
    form = await voice_flow(ha, http, {"next_step_id": "clone"}, menu["flow_id"])
    low = aiohttp.FormData()
    low.add_field("file", wav(rate=8000), filename="phone.wav")
    _, low_file = await ha.call(http, "POST", "/api/file_upload", data=low)
    clone = {"model": VC, "name": "kitchen", "recording": low_file["file_id"]}
    refused = await voice_flow(ha, http, clone, form["flow_id"])
    assert refused["errors"] == {"recording": "recording_sample_rate"}, refused
    assert simulator.account.voices == {}  # nothing was created
    clone["recording"] = uploaded["file_id"]
    form = await voice_flow(ha, http, clone, form["flow_id"])
    assert form["step_id"] == "settings", form
    (made,) = simulator.account.voices
    done = await voice_flow(ha, http, {**settings, "voice": made}, form["flow_id"])
    assert (done["type"], done["title"]) == ("create_entry", "Qwen TTS kitchen"), done
    assert (await ha.entry_settled(http, DOMAIN))["state"] == "loaded"
    cloned = await tts_entity(ha, http, "kitchen")
    assert await speak_url(ha, http, cloned) == MESSAGE
    assert [s for s in simulator.sessions if s.spoken][-1].config["voice"] == made

    # Diagnostics: the settings and figures, never the key.
    status, diagnostics = await ha.call(
        http, "GET", f"/api/diagnostics/config_entry/{entry['entry_id']}"
    )
    assert status == 200
    assert KEY not in str(diagnostics)
    assert "Serena" in str(diagnostics)
    assert made in str(diagnostics)  # the account's voice, listed

    # A restart: the entry comes back and speaks.
    assert await ha.stop() == 0
    await ha.start()
    assert (await ha.entry_settled(http, DOMAIN))["state"] == "loaded"
    assert await speak_url(ha, http, entity) == MESSAGE
    assert await speak_url(ha, http, cloned) == MESSAGE

    # Removal.
    status, _ = await ha.call(
        http, "DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}"
    )
    assert status == 200
    _, states = await ha.call(http, "GET", "/api/states")
    assert not [s for s in states if s["entity_id"].startswith("tts.qwen_tts")]
    assert await ha.stop() == 0

    log = ha.log()
    assert log.count("Home Assistant initialized in") == 2  # both runs' logs are read
    assert_clean_log(log)
    assert KEY not in log
