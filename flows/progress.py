"""What a run says while it runs: each stage's count (sources fetched, reports extracted, loaded).

The flow reports (``report``); ``gongkai run`` shows it (``show``): on a terminal one line per stage
that updates in place, elsewhere (cron, CI) one line when a stage ends.
"""

from __future__ import annotations

import logging
from typing import TextIO

LOGGER = logging.getLogger("gongkai.progress")
STAGES = {"fetch": "sources fetched", "extract": "reports extracted", "load": "reports loaded"}


def report(stage: str, done: int, total: int) -> None:
    LOGGER.info(
        "%s: %d of %d", STAGES[stage], done, total, extra={"stage": stage, "done": done, "total": total}
    )


class Display(logging.Handler):
    """The stages' counts on ``stream``: updated in place on a terminal, one line per stage otherwise."""

    def __init__(self, stream: TextIO, terminal: bool):
        super().__init__(logging.INFO)
        self.stream, self.terminal = stream, terminal

    def emit(self, record: logging.LogRecord) -> None:
        finished = record.done >= record.total  # type: ignore[attr-defined]
        if self.terminal:
            self.stream.write(f"\r\x1b[K{record.getMessage()}" + ("\n" if finished else ""))
        elif finished:
            self.stream.write(f"{record.getMessage()}\n")
        self.stream.flush()


def show(stream: TextIO, terminal: bool) -> None:
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    LOGGER.addHandler(Display(stream, terminal))
