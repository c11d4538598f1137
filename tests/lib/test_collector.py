"""The server's and the simulator's cycle collector: full passes only once no new work came
for a moment, or after a long spell of unbroken load, and never on a collector without a
third generation."""

from __future__ import annotations

import asyncio
import gc
import itertools
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from wyoming_qwentts.core.collector import collect_when_quiet, defer_full_passes

generational = pytest.mark.skipif(
    gc.get_threshold()[2] == 0, reason="this Python's collector has no third generation"
)


class _Node:
    """One half of a reference cycle."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _old_garbage(full_passes: asyncio.Queue[None]) -> weakref.ref[_Node]:
    """With full passes deferred, a reference cycle that only a full pass can free: it
    survived into the oldest generation while reachable, then became garbage."""
    defer_full_passes()
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    gc.collect()  # reachable: both move to the oldest generation
    full_passes.get_nowait()  # that pass's own
    return weakref.ref(first)


class _Work:
    """A ``started()`` whose count grows at each call while ``coming``; ``reached`` is set
    at call ``until``."""

    def __init__(self, *, coming: bool, until: int) -> None:
        self.coming = coming
        self.until = until
        self.calls = self.count = 0
        self.reached = asyncio.Event()

    def __call__(self) -> int:
        self.calls += 1
        self.count += self.coming
        if self.calls == self.until:
            self.reached.set()
        return self.count


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    """The collector's thresholds, restored after the test."""
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)


@pytest.fixture
def full_passes() -> Iterator[asyncio.Queue[None]]:
    """A queue that gets an item at the end of every full pass."""
    passes: asyncio.Queue[None] = asyncio.Queue()

    def heard(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            passes.put_nowait(None)

    gc.callbacks.append(heard)
    yield passes
    gc.callbacks.remove(heard)


@generational
def test_a_generational_collector_keeps_its_young_passes_and_loses_its_full_ones(
    thresholds: tuple[int, int, int],
) -> None:
    gc.set_threshold(700, 10, 10)
    assert defer_full_passes()
    young, middle, full = gc.get_threshold()
    assert (young, middle) == (700, 10)
    assert full > 10**9


def test_a_collector_without_a_third_generation_is_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gc, "get_threshold", lambda: (2000, 10, 0))  # Python 3.14's
    changed: list[tuple[int, ...]] = []
    monkeypatch.setattr(gc, "set_threshold", lambda *values: changed.append(values))
    assert not defer_full_passes()
    assert changed == []


@generational
async def test_garbage_of_a_busy_spell_is_freed_once_it_is_quiet(
    thresholds: tuple[int, int, int], full_passes: asyncio.Queue[None]
) -> None:
    cycle = _old_garbage(full_passes)
    work = _Work(coming=True, until=5)
    collector = asyncio.create_task(collect_when_quiet(work, every=0.001, longest=3600))
    try:
        await asyncio.wait_for(work.reached.wait(), 10)
        assert cycle() is not None  # no full pass while work comes
        assert full_passes.empty()
        work.coming = False
        await asyncio.wait_for(full_passes.get(), 10)
        assert cycle() is None
    finally:
        collector.cancel()


@generational
async def test_no_full_pass_while_nothing_happened(
    thresholds: tuple[int, int, int], full_passes: asyncio.Queue[None]
) -> None:
    defer_full_passes()
    quiet = _Work(coming=False, until=20)
    collector = asyncio.create_task(collect_when_quiet(quiet, every=0.001, longest=3600))
    try:
        await asyncio.wait_for(quiet.reached.wait(), 10)
        assert full_passes.empty()
    finally:
        collector.cancel()


@generational
async def test_unbroken_load_still_gets_a_full_pass_after_the_longest_wait(
    thresholds: tuple[int, int, int], full_passes: asyncio.Queue[None]
) -> None:
    cycle = _old_garbage(full_passes)
    unbroken = itertools.count()
    collector = asyncio.create_task(
        collect_when_quiet(lambda: next(unbroken), every=0.001, longest=0)
    )
    try:
        await asyncio.wait_for(full_passes.get(), 10)
        assert cycle() is None
    finally:
        collector.cancel()
