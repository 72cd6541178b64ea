"""What a run says while it runs: each stage's count (sources fetched, reports extracted, loaded).

The flow reports (``report``); ``gongkai run`` shows it (``show``): on a terminal one line per stage
that updates in place, elsewhere (cron, CI) one line when a stage ends. In place of Prefect's console
log, warnings (a retried fetch, a catalog error) are one plain line each, errors with their traceback.
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
    """The stages' counts on ``stream``: updated in place on a terminal, one line per stage otherwise;
    warnings and errors one line each (``level: message``), the progress line drawn again below them."""

    def __init__(self, stream: TextIO, terminal: bool):
        super().__init__()
        self.stream, self.terminal = stream, terminal
        self.line = ""  # the stage in progress, on a terminal

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "stage"):
            self._progress(record.getMessage(), record.done >= record.total)  # type: ignore[attr-defined]
        elif record.levelno >= logging.WARNING:
            text = f"{record.levelname.lower()}: {record.getMessage()}"
            if record.exc_info and record.levelno >= logging.ERROR:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            self.stream.write(f"\r\x1b[K{text}\n{self.line}" if self.terminal else f"{text}\n")
        self.stream.flush()

    def _progress(self, text: str, finished: bool) -> None:
        self.line = "" if finished else text
        if self.terminal:
            self.stream.write(f"\r\x1b[K{text}" + ("\n" if finished else ""))
        elif finished:
            self.stream.write(f"{text}\n")


def show(stream: TextIO, terminal: bool, verbose: bool = False) -> None:
    """The stages' progress on ``stream``; unless ``verbose``, the warnings and errors logged too, in
    place of Prefect's console log."""
    display = Display(stream, terminal and not verbose)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    LOGGER.addHandler(display)
    if not verbose:
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, logging.StreamHandler)]:
            root.removeHandler(handler)
        root.addHandler(display)
