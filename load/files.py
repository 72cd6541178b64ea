"""The warehouse file: read-only and writable connections, and the writer's copy swapped in atomically."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from gongkai.errors import Refusal


# DuckDB keeps pages cached up to its memory limit (80 % of RAM by default): the nightly writer's
# memory stays bounded whatever the warehouse's size, and spills to disk beyond it.
class NoWarehouse(Refusal, FileNotFoundError):
    """The warehouse file a reader asked for is not there."""


WRITER_MEMORY_LIMIT = "1GB"


def connect(
    path: Path, read_only: bool = False, config: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; a writable open creates the file and its folder.

    The nightly writer does not write the live file: it uses ``writing()``, which swaps a finished copy
    in. A writable ``connect`` is for tests and one-off maintenance while no analyst has the file open.
    """
    path = Path(path)
    if read_only:
        if not path.exists():
            raise NoWarehouse(f"no warehouse at {path}: run `gongkai run` first, or give --db/--data-dir")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


def next_copy(path: Path) -> list[Path]:
    """The writer's copy of the warehouse and DuckDB's write-ahead log of it (removed after the swap)."""
    nxt = _sibling(Path(path), ".next")
    return [nxt, _sibling(nxt, ".wal")]


@contextmanager
def locked(lock_path: Path, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """An flock on ``lock_path`` for the block: True if held, False (at once) if ``wait`` is False
    and another process holds it. The kernel releases it when its holder dies, even by ``kill -9``."""
    with Path(lock_path).open("a") as lock:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(lock, mode)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def clear_stale_copy(path: Path) -> list[Path]:
    """Remove a writer's copy left by a killed run, unless a writer holds the lock now; the removed."""
    with locked(_sibling(Path(path), ".lock"), wait=False) as free:
        if not free:
            return []
        stale = [p for p in next_copy(path) if p.exists()]
        _remove(*stale)
        return stale


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def writing(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A writable connection to a copy of the warehouse that replaces the live file atomically on success.

    Analysts keep the live file open read-only (the duckdb shell, Python, a BI tool) while the nightly
    run writes: the writer never opens the live file. It copies it to ``<name>.next`` (or starts an
    empty one), writes there, checkpoints, closes and ``os.replace``s the copy over the live file. A
    reader that holds the old file keeps a consistent snapshot of the old state; the next one to open
    it sees the new state; nobody sees a half-written file. An error or a crash before the swap leaves
    the live file untouched (the copy is removed, or overwritten by the next run). Writers take turns
    on ``<name>.lock``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nxt, nxt_wal = next_copy(path)
    with locked(_sibling(path, ".lock")):
        _remove(nxt, nxt_wal)
        if path.exists():
            if _sibling(path, ".wal").exists():  # left by a direct writer: fold it into the file first
                duckdb.connect(str(path)).close()
            shutil.copyfile(path, nxt)
        con = duckdb.connect(str(nxt), config={"memory_limit": WRITER_MEMORY_LIMIT})
        con.execute("SET enable_progress_bar = false")  # the nightly log is not a terminal
        try:
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            _remove(nxt, nxt_wal)
            raise
        con.close()
        _fsync(nxt)
        os.replace(nxt, path)
        _fsync(path.parent)
