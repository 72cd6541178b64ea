"""The temporary Prefect server of a ``gongkai run`` without PREFECT_API_URL: one for the flow and its
workers, and never left running by a run that was killed.

Its pid is recorded in ``<data>/prefect-server.pid``, and a watchdog process stops it as soon as the
run's process is gone (``kill -9`` included); the next run stops one still running from that record.
A process is only stopped if it is still that Prefect server, started by this user.

    python -m gongkai.flows.server WATCHED_PID SERVER_PID SERVER_CREATED   # the watchdog
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

PID_FILE = "prefect-server.pid"
SERVER_APP = "prefect.server.api.server:create_app"  # in the command line of Prefect's temporary server


def _our_server(pid: int, created: float) -> psutil.Process | None:
    """The process ``pid`` if it is the temporary Prefect server started at ``created`` by this user."""
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - created) < 0.01 and process.uids().real == os.getuid():
            return process if SERVER_APP in process.cmdline() else None
    except psutil.Error:
        pass
    return None


def _stop(process: psutil.Process) -> None:
    try:
        process.terminate()
        process.wait(5)
    except psutil.TimeoutExpired:
        process.kill()
    except psutil.Error:
        pass


def stop_orphan(data_dir: Path) -> int | None:
    """Stop the temporary server a killed run left running (from its pid file); its pid, if one was."""
    record = Path(data_dir) / PID_FILE
    if not record.exists():
        return None
    try:
        pid, created = json.loads(record.read_text())
    except ValueError:
        pid, created = 0, 0.0
    process = _our_server(pid, created) if pid else None
    if process is not None:
        _stop(process)
    record.unlink(missing_ok=True)
    return process.pid if process is not None else None


@contextmanager
def temporary_server(data_dir: Path) -> Iterator[str | None]:
    """A temporary Prefect server for the block, its API URL given to the flow and to the workers
    (PREFECT_API_URL) so that none starts its own; None, and nothing started, if PREFECT_API_URL is set."""
    if os.environ.get("PREFECT_API_URL"):
        yield None
        return
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    stop_orphan(data_dir)
    server = SubprocessASGIServer()
    server.start()
    pid = server.server_process.pid
    created = psutil.Process(pid).create_time()
    record = Path(data_dir) / PID_FILE
    record.write_text(json.dumps([pid, created]))
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "gongkai.flows.server", str(os.getpid()), str(pid), repr(created)],
        start_new_session=True,  # Ctrl-C at the terminal is for the run, not for its watchdog
    )
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings({PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        del os.environ["PREFECT_API_URL"]
        server.stop()
        watchdog.terminate()
        watchdog.wait()
        record.unlink(missing_ok=True)


def watch(watched: int, server_pid: int, created: float) -> None:
    """Wait for the process ``watched`` to end, then stop the server if it still runs."""
    while os.getppid() == watched:
        time.sleep(0.2)
    process = _our_server(server_pid, created)
    if process is not None:
        _stop(process)


if __name__ == "__main__":
    watch(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
