"""The library example of the README runs as written, against the simulator."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import API_KEY
from wyoming_qwentts import catalog
from wyoming_qwentts.simulator import PATH, QwenSimulator, decode

README = Path(__file__).parents[2] / "README.md"


def library_example() -> str:
    section = README.read_text().split("## The library", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


async def test_the_readme_library_example(
    simulator: QwenSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    region = catalog.REGIONS["singapore"]
    simulated = catalog.Region(
        region.id, region.name, simulator.url.removesuffix(PATH), region.workspace_host
    )
    monkeypatch.setitem(catalog.REGIONS, "singapore", simulated)
    heard: list[bytes] = []
    code = library_example()
    body = "async def example():\n" + textwrap.indent(code, "    ")
    namespace: dict[str, Any] = {"api_key": API_KEY, "play": heard.append}
    exec(compile(body, str(README), "exec"), namespace)
    await namespace["example"]()
    assert decode(b"".join(heard)) == "Hello! How are you?"
    assert simulator.sessions[0].protocol == "inference"
    assert simulator.sessions[0].config["rate"] == 1.1
