"""``python -m wyoming_qwentts``: the command line (:mod:`wyoming_qwentts.cli`)."""

from .cli import run

if __name__ == "__main__":
    run()
