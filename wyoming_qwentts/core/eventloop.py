"""The event loop of the command-line programs: uvloop when it is installed, else asyncio's."""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Coroutine
from typing import Any, TypeVar

_T = TypeVar("_T")


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """Run ``main`` to completion, on uvloop if it is installed.

    ``pip install 'wyoming-qwentts[uvloop]'`` (the Docker image has it): the relay then takes
    about a fifth less CPU per second of audio (``script/bench``, scenario 3).
    """
    try:
        uvloop: Any = importlib.import_module("uvloop")
    except ImportError:
        uvloop = None  # run outside the handler: no traceback chains the ImportError
    if uvloop is None:
        return asyncio.run(main)
    result: _T = uvloop.run(main)
    return result
