"""Tasks that start at once (Python 3.12's eager start; on 3.11, as any task)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from wyoming_qwentts.core.tasks import start_task

EAGER = sys.version_info >= (3, 12)


async def test_a_task_runs_to_its_first_wait_in_its_creators_turn() -> None:
    steps: list[str] = []
    go = asyncio.Event()

    async def job() -> str:
        steps.append("started")
        await go.wait()
        steps.append("resumed")
        return "done"

    task = start_task(job())
    assert steps == (["started"] if EAGER else [])
    go.set()
    assert await task == "done"
    assert steps == ["started", "resumed"]


async def test_a_task_that_never_waits_is_done_at_once_and_keeps_its_error() -> None:
    async def job() -> None:
        raise ValueError("bad")

    task = start_task(job())
    assert task.done() is EAGER
    with pytest.raises(ValueError, match="bad"):
        await task
