"""Run ``gongkai`` in a child process with a time and a memory limit, and judge its answer."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tests.hostile.corpus import Allowed

MEMORY_LIMIT = 2 * 1024**3  # bytes of address space a child may map
# a raw exception class name in a message meant for a person (IsADirectoryError, ConversionException, …)
RAW_EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Exit|Interrupt)\b")


def _limits(address_space: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        os.setsid()

    return limit


@dataclass(frozen=True)
class Outcome:
    args: tuple[str, ...]
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


# runs a command, then writes the peak resident memory (kB) of its largest process to a file
PEAK_RSS = (
    "import resource, subprocess, sys; code = subprocess.call(sys.argv[2:]); "
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)); "
    "sys.exit(code)"
)


def gongkai(
    *args: str,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    peak_rss_file: Path | None = None,
    address_space: int = MEMORY_LIMIT,
) -> Outcome:
    """``gongkai ARGS`` in its own process group, killed (group and all) after ``timeout`` seconds.

    With ``peak_rss_file``, the peak resident memory of the command (kB) is written there.
    ``address_space`` caps each process's virtual memory (DuckDB and Prefect map far more than they use).
    """
    command = [sys.executable, "-m", "gongkai.cli", *args]
    if peak_rss_file is not None:
        command = [sys.executable, "-c", PEAK_RSS, str(peak_rss_file), *command]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=cwd,
            env={**os.environ, "GONGKAI_SOFFICE_TIMEOUT": "20", **(env or {})},
            preexec_fn=_limits(address_space),
        )
        try:
            code: int | None = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        with contextlib.suppress(ProcessLookupError):  # what it left behind (a Prefect server, LibreOffice)
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    return Outcome(tuple(args), code, stdout.decode(errors="replace"), stderr.decode(errors="replace"))


def message_problems(outcome: Outcome, allowed_codes: tuple[int, ...] = (0, 1, 2)) -> list[str]:
    """What is wrong with how the command ended: hung, crashed, or a message no analyst can read."""
    if outcome.timed_out:
        return ["killed at the time limit (hangs or runs away)"]
    if outcome.returncode not in allowed_codes:
        return [f"exit code {outcome.returncode} (a crash: killed by a signal or out of memory)"]
    found = []
    if "Traceback" in outcome.stderr:
        found.append("a Python traceback on stderr")
    lines = [line for line in outcome.stderr.splitlines() if line.strip()]
    if outcome.returncode != 0:
        if not lines:
            found.append("failed without a reason on stderr")
        elif len(lines[-1]) > 1000:
            found.append("the reason is not one readable line")
        elif RAW_EXCEPTION.search(lines[-1]):
            found.append(f"a raw exception name in the reason: {lines[-1][:300]!r}")
    return found


def parsed_cells(stdout: str) -> dict[tuple[str, str, str], Decimal | None] | None:
    """``gongkai parse --csv`` output as cells; None when it is not the contract's CSV."""
    rows = list(csv.reader(io.StringIO(stdout)))
    if not rows:
        return {}
    if rows[0] != ["table", "row", "column", "value"]:
        return None
    out: dict[tuple[str, str, str], Decimal | None] = {}
    for row in rows[1:]:
        try:
            out[(row[0], row[1], row[2])] = Decimal(row[3]) if row[3] else None
        except (InvalidOperation, IndexError):
            return None
    return out


def wrong_numbers(cells: dict[tuple[str, str, str], Decimal | None], allowed: Allowed) -> list[str]:
    """Every cell whose value is not one that a correct reading could give (NULL is always allowed)."""
    wrong = []
    for key, value in cells.items():
        if value is None:
            continue
        if not value.is_finite() or float(value) not in allowed.get(key, {None}):
            right = sorted(str(v) for v in allowed.get(key, {None}) if v is not None) or ["NULL"]
            wrong.append(f"{'/'.join(key)} = {value} (right: {' or '.join(right)})")
    return wrong
