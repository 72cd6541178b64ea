"""A run stopped by SIGINT (Ctrl-C) or SIGTERM: its processes stopped, its files removed, the warehouse
as it was, one line said, exit 130 or 143.

The run registers what a stop must remove (``on_stop``: its batches folder, the writer's copy while it
writes); ``stop_on_signals`` installs the handler that does it at once, in the flow's process, without
waiting for a worker busy on a long report or for Prefect to report the state.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType

import psutil

STOPPED = "stopped: the warehouse is unchanged"
STOPPED_AFTER_SWAP = "stopped: tonight's reports are in the warehouse, but the exports were not written"
_cleanups: list[Callable[[], None]] = []
_flow_pid: int | None = None
_swapped = False


def warehouse_swapped(swapped: bool = True) -> None:
    """Whether tonight's warehouse is in place: a stop from then on (during the exports) says so."""
    global _swapped
    _swapped = swapped


def stop_message() -> str:
    """The line a stop prints now."""
    return STOPPED_AFTER_SWAP if _swapped else STOPPED


@contextmanager
def on_stop(cleanup: Callable[[], None]) -> Iterator[None]:
    """``cleanup`` is called if the run is stopped during the block."""
    _cleanups.append(cleanup)
    try:
        yield
    finally:
        _cleanups.remove(cleanup)


def stop_descendants() -> None:
    """Kill this process's children and theirs: the workers, the temporary server, its watchdog. Only
    processes this one started, and nothing of theirs is kept: the batches are removed, and the
    server's SQLite database survives a kill (a SIGTERM would have it print its cancelled requests)."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        with suppress(psutil.Error):
            child.kill()  # sure: no waiting, while a worker thread of this process still writes batches


def _stop(signum: int, _frame: FrameType | None) -> None:
    logging.disable(logging.CRITICAL)  # Prefect's crash reports of a run stopped on purpose
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    stop_descendants()
    for cleanup in list(_cleanups):
        cleanup()
    said = stop_message()
    sys.stdout.write(f"\n{said}\n" if sys.stdout.isatty() else f"{said}\n")
    sys.stdout.flush()
    os._exit(128 + signum)


def stop_on_signals() -> None:
    """From now on SIGINT and SIGTERM stop the run (see the module's docstring)."""
    global _flow_pid
    _flow_pid = os.getpid()
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)


def keep_stopping_on_signals() -> None:
    """In the flow's body: Prefect's flow engine puts its own SIGTERM handler in place for the run,
    which reports a crash and waits for the workers; ours again, if ``gongkai run`` armed it."""
    if _flow_pid == os.getpid() and threading.current_thread() is threading.main_thread():
        stop_on_signals()


def leave_stopping_to_the_flow() -> None:
    """In a worker process: Ctrl-C reaches the whole process group; the flow's process stops the workers."""
    if threading.current_thread() is threading.main_thread() and os.getpid() != _flow_pid:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
