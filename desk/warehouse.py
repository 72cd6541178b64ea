"""The desk's read-only view of the warehouse, reopened when the nightly run swaps a new file in.

The nightly writer replaces the live file with ``os.replace`` and never waits for readers. The desk
attaches the file read-only to an in-memory DuckDB of its own (so that DuckDB's per-process cache of
open files cannot hand back the old file) and checks the file's inode, size and mtime before each
request: a new file is attached afresh; requests still running finish on the old one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from gongkai.load.files import NoWarehouse

READER_SETTINGS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
QUERY_THREADS = 2


@dataclass(frozen=True)
class Stamp:
    """What tells one warehouse file from the next: a swap gives a new inode."""

    inode: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp:
        try:
            st = path.stat()
        except FileNotFoundError:
            raise NoWarehouse(
                f"no warehouse at {path}: run `gongkai run` first, or give --db/--data-dir"
            ) from None
        return cls(st.st_ino, st.st_size, st.st_mtime_ns)


Row = dict[str, Any]


class Session:
    """One request's connection: rows of queries, as dicts."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Row]:
        relation = self.con.execute(sql, params or {})
        names = [d[0] for d in relation.description]
        return [dict(zip(names, values, strict=True)) for values in relation.fetchall()]

    def one(self, sql: str, params: dict[str, Any] | None = None) -> Row | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def has_column(self, table: str, column: str) -> bool:
        return bool(
            self.rows(
                "SELECT 1 FROM duckdb_columns() WHERE database_name = 'w' AND table_name = $t"
                " AND column_name = $c",
                {"t": table, "c": column},
            )
        )


class Warehouse:
    """Read-only sessions on the warehouse file, always on its newest state; ``prepare`` runs on each
    session's connection first (the desk loads the review store's live rows there)."""

    def __init__(self, path: Path, prepare: Callable[[duckdb.DuckDBPyConnection], object] | None = None):
        self.path = Path(path)
        self.prepare = prepare
        self._lock = threading.Lock()
        self._stamp: Stamp | None = None
        self._db: duckdb.DuckDBPyConnection | None = None

    def _current(self) -> duckdb.DuckDBPyConnection:
        stamp = Stamp.of(self.path)
        with self._lock:
            if stamp != self._stamp or self._db is None:
                db = duckdb.connect(":memory:", config=dict(READER_SETTINGS))
                db.execute(f"ATTACH '{_quoted(self.path)}' AS w (READ_ONLY)")
                db.execute(f"SET threads = {QUERY_THREADS}")
                self._db, self._stamp = db, stamp
            return self._db

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A connection of its own for one request, on the newest warehouse file."""
        cur = self._current().cursor()
        try:
            cur.execute("USE w")
            if self.prepare is not None:
                self.prepare(cur)
            yield Session(cur)
        finally:
            cur.close()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
