"""The command line: the Wyoming server (default), ``say``, ``voices`` and ``voice``."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from ..core import QwenTtsError, eventloop
from .enroll import voice
from .flags import (
    UsageError,
    check_server_args,
    load_api_key,
    say_parser,
    server_parser,
    voice_parser,
    voices_parser,
    voicing,
)
from .say import say
from .serve import run_server
from .voices import voices


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in ("say", "voices", "voice") else None
    try:
        if command == "voices":
            voices(voices_parser().parse_args(argv[1:]))
            return 0
        if command == "voice":
            args = voice_parser().parse_args(argv[1:])
            load_api_key(args)
            logging.basicConfig(
                level=logging.DEBUG if args.debug else logging.INFO, format=args.log_format
            )
            eventloop.run(voice(args))
            return 0
        parser = say_parser() if command == "say" else server_parser()
        args = parser.parse_args(argv[1:] if command else argv)
        load_api_key(args)
        logging.basicConfig(
            level=logging.DEBUG if args.debug else logging.INFO, format=args.log_format
        )
        chosen = voicing(args)
        if command == "say":
            eventloop.run(say(args, chosen))
        else:
            check_server_args(args)
            eventloop.run(run_server(args, chosen))
    except UsageError as err:
        print(f"wyoming-qwentts: error: {err}", file=sys.stderr)
        return 2
    except QwenTtsError as err:
        print(f"wyoming-qwentts: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"wyoming-qwentts: {err}", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
