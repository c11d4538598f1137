"""Run the simulator: ``python -m wyoming_qwentts.simulator --port 0 --api-key KEY``.

The first line on stdout is the realtime WebSocket endpoint (path included); pass it to the
client's ``url`` or the server's ``--url``. The inference endpoint is on the same host and
port, at ``/api-ws/v1/inference``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from ..core import eventloop
from ..core.collector import full_passes_when_quiet
from . import QwenSimulator, SimulatorOptions


def _parser() -> argparse.ArgumentParser:
    d = SimulatorOptions()
    parser = argparse.ArgumentParser(
        prog="python -m wyoming_qwentts.simulator",
        description="Local stand-in for Model Studio's TTS WebSocket service: Qwen-TTS "
        "realtime and the inference protocol (Qwen-Audio-TTS, CosyVoice, Sambert) on one port.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to bind")
    add("--port", type=int, default=0, help="port (0 picks a free one)")
    add("--api-key", default=d.api_key, help="the key clients must send")
    add("--debug", action="store_true", help="log at DEBUG level")
    add("--stats-file", type=Path, help="append one JSON line of figures per finished session")
    latency = parser.add_argument_group("latency")
    latency.add_argument("--first-audio-delay", type=float, default=d.first_audio_delay)
    latency.add_argument("--real-time-factor", type=float, default=d.real_time_factor)
    latency.add_argument("--delta-bytes", type=int, default=d.delta_bytes)
    latency.add_argument("--handshake-delay", type=float, default=d.handshake_delay)
    latency.add_argument("--task-start-delay", type=float, default=d.task_start_delay,
                         help="inference: seconds before task-started")  # fmt: skip
    latency.add_argument("--segment-chars", type=int, default=d.segment_chars)
    limits = parser.add_argument_group("limits")
    limits.add_argument("--max-sessions", type=int, default=d.max_sessions)
    limits.add_argument("--idle-timeout", type=float, default=d.idle_timeout,
                        help="realtime: seconds without a client event")  # fmt: skip
    limits.add_argument("--task-idle-timeout", type=float, default=d.task_idle_timeout,
                        help="inference: seconds a socket may wait for its next task")  # fmt: skip
    limits.add_argument("--max-text-chars", type=int, default=d.max_text_chars)
    faults = parser.add_argument_group("faults")
    faults.add_argument("--reject-handshake", type=int, choices=(401, 403, 429, 500))
    faults.add_argument("--drop-after-deltas", type=int)
    faults.add_argument("--error-after-deltas", type=int)
    faults.add_argument("--stall-after-deltas", type=int)
    faults.add_argument("--garbage-after-deltas", type=int)
    faults.add_argument("--odd-deltas", action="store_true", help="deltas of odd byte counts")
    faults.add_argument("--chaos-rate", type=float, default=d.chaos_rate,
                        help="probability of one random fault per session")  # fmt: skip
    faults.add_argument("--chaos-seed", type=int)
    faults.add_argument("--silent-response", type=int,
                        help="the response of this index in a session has no audio")  # fmt: skip
    quirks = parser.add_argument_group("behaviours where sources disagree")
    quirks.add_argument(
        "--throttle-style", choices=("handshake", "event"), default=d.throttle_style
    )
    quirks.add_argument(
        "--unknown-model", choices=("silent_close", "error"), default=d.unknown_model
    )
    quirks.add_argument("--event-order", choices=("measured", "documented"), default=d.event_order)
    quirks.add_argument("--error-detail", choices=("full", "minimal"), default=d.error_detail)
    quirks.add_argument(
        "--response-id-field", action=argparse.BooleanOptionalAction, default=d.response_id_field
    )
    quirks.add_argument(
        "--busy-text",
        choices=("queued", "ignored", "rejected"),
        default=d.busy_text,
        help="commit mode: what becomes of text sent during a response",
    )
    quirks.add_argument(
        "--residue-window",
        type=float,
        default=d.residue_window,
        help="commit mode: appends this soon after response.done are dropped",
    )
    bool_flag = argparse.BooleanOptionalAction
    quirks.add_argument("--response-done", action=bool_flag, default=d.response_done,
                        help="server_commit: send response.done")  # fmt: skip
    quirks.add_argument("--finish-drains", action=bool_flag, default=d.finish_drains,
                        help="server_commit: session.finish speaks the rest")  # fmt: skip
    quirks.add_argument("--failure-style", choices=("header", "top-level", "error-event"),
                        default=d.failure_style,
                        help="inference: where task-failed puts code and message")  # fmt: skip
    return parser


async def _serve(options: SimulatorOptions, host: str, port: int, stats_file: Path | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with QwenSimulator(
        options, host=host, port=port, stats_file=stats_file, keep_sessions=False
    ) as simulator:
        # As the server: startup objects out of the collector's full passes, and those run
        # when no session has opened for a moment (a benchmark's stand-in for the cloud).
        with full_passes_when_quiet(lambda: simulator.sessions_opened):
            print(simulator.url, flush=True)
            await stop.wait()


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags and serve until SIGINT or SIGTERM."""
    args = vars(_parser().parse_args(argv))
    host, port, debug = args.pop("host"), args.pop("port"), args.pop("debug")
    stats_file = args.pop("stats_file")
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, stream=sys.stderr)
    eventloop.run(_serve(SimulatorOptions(**args), host, port, stats_file))


if __name__ == "__main__":
    main()
