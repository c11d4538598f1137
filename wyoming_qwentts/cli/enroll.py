"""``wyoming-qwentts voice``: clone, design, list, delete and wait for the account's voices.

``clone`` and ``design`` print a progress line while the voice deploys and then the new
voice's id alone on the last line of standard output (``$(… | tail -n 1)`` takes it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from ..enrollment import CustomizationClient, CustomVoice, Recording, read_recording
from .flags import UsageError


async def voice(args: argparse.Namespace) -> None:
    """Run one ``voice`` action."""
    if not args.api_key:
        raise UsageError("an API key is required: --api-key or DASHSCOPE_API_KEY")
    async with aiohttp.ClientSession() as http:
        studio = CustomizationClient(
            http, args.api_key, region=args.region, url=args.url, workspace=args.workspace
        )
        await _ACTIONS[args.action](studio, args)


async def _clone(studio: CustomizationClient, args: argparse.Namespace) -> None:
    made = await studio.clone(
        args.model,
        args.name,
        _recording(args.recording),
        language=args.language,
        transcript=args.transcript,
    )
    if made.warning:
        print(f"wyoming-qwentts: warning: {made.warning}", file=sys.stderr)
    await _ready(studio, made, args.timeout)


async def _design(studio: CustomizationClient, args: argparse.Namespace) -> None:
    designed = await studio.design(
        args.model, args.name, args.description, args.preview_text, language=args.language
    )
    if args.output is not None:
        if designed.preview is None:
            where = f" (the service gives it at {designed.preview_url})" * bool(
                designed.preview_url
            )
            print(f"wyoming-qwentts: no preview clip was sent{where}", file=sys.stderr)
        else:
            args.output.write_bytes(designed.preview)
            print(f"Wrote the preview to {args.output}")
    await _ready(studio, designed.voice, args.timeout)


async def _ready(studio: CustomizationClient, made: CustomVoice, seconds: float) -> None:
    if not made.ready:
        print(f"Deploying {made.id} for {made.model}: waiting until it is ready ...", flush=True)
        await studio.wait(made.id, timeout=seconds)
    print(made.id)


async def _list(studio: CustomizationClient, args: argparse.Namespace) -> None:
    found = await studio.voices(*([args.model] if args.model else []))
    if not found:
        print("No voices of your own" + (f" for {args.model}." if args.model else "."))
        return
    width = max(len(voice.id) for voice in found)
    for entry in found:
        extra = " ".join(part for part in (entry.language, entry.created) if part)
        print(f"{entry.id:<{width}}  {entry.model or '?':<34} {entry.status:<10} {extra}")


async def _delete(studio: CustomizationClient, args: argparse.Namespace) -> None:
    await studio.delete(args.voice)
    print(f"Deleted {args.voice}")


async def _wait(studio: CustomizationClient, args: argparse.Namespace) -> None:
    ready = await studio.wait(args.voice, timeout=args.timeout)
    print(f"{ready.id} is ready for {ready.model}")


def _recording(source: str) -> Recording | str:
    """A local file, read and measured, or the URL of a public one."""
    if source.startswith(("https://", "http://")):
        return source
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise UsageError(f"cannot read {source}: {err.strerror or err}") from None
    return read_recording(data, path.name)


_ACTIONS: dict[str, Callable[[CustomizationClient, argparse.Namespace], Awaitable[None]]] = {
    "clone": _clone,
    "design": _design,
    "list": _list,
    "delete": _delete,
    "wait": _wait,
}
