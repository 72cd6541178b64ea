"""The desk's read-only view of the warehouse, reopened when the nightly run swaps a new file in.

The nightly writer replaces the live file with ``os.replace`` and never waits for readers: the desk
holds no lock it could wait on (a read-only attach; the writer writes a copy). The desk attaches the
file read-only to an in-memory DuckDB of its own (so that DuckDB's per-process cache of open files
cannot hand back the old file), and checks the file's inode, size and mtime before each request.

A warehouse file is a *generation*. When one is attached, the views that are slow to filter at scale
(``CACHED``: their windows span every report) are materialised once into that in-memory database,
and each session shadows them by name with TEMP VIEWs, so that every query, the review store's views
included, reads them ready-made. A new file is prepared in the background: the request that notices
it waits up to ``FRESH_WAIT`` for it (a small warehouse is ready at once), and while a large one is
still being prepared, requests are served from the previous generation. The first file is prepared
before the first request is answered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from gongkai.load.files import NoWarehouse

# The views every page (and the review views) reads that cost seconds at 200,000 reports when
# filtered, because a window over every report sits under them; materialised once per file.
CACHED = (
    "consistency_flags",
    "stg_reports",
    "stg_report_pairs",
    "agency_metrics",
    "district_summary",
    "agency_peer_metrics",
    "failing_sources",
)
READER_SETTINGS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
QUERY_THREADS = 2
FRESH_WAIT = 2.0  # seconds a request waits for a newly swapped-in file to be prepared

Row = dict[str, Any]


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


class Overlay(Protocol):
    """Relations that depend on something beside the warehouse file (the review store): rebuilt in
    ``memory`` whenever ``version()`` changes, then shadowed by name like the cached views."""

    names: tuple[str, ...]

    def version(self) -> Hashable: ...

    def build(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create ``memory.main.<name>`` for each name, on a session's connection."""


@dataclass
class Generation:
    """One warehouse file attached as ``w``, with its slow views materialised in ``memory``."""

    stamp: Stamp
    db: duckdb.DuckDBPyConnection
    cached: tuple[str, ...]
    overlay_version: Hashable = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def prepare(cls, path: Path, stamp: Stamp, tables: Mapping[str, str]) -> Generation:
        """Attach the file and materialise ``CACHED`` (the views it has) and ``tables`` (name: query)."""
        db = duckdb.connect(":memory:", config=dict(READER_SETTINGS))
        db.execute(f"ATTACH '{_quoted(path)}' AS w (READ_ONLY)")
        db.execute(f"SET threads = {QUERY_THREADS}")
        db.execute("USE w")
        listed = db.execute("SELECT view_name FROM duckdb_views() WHERE database_name = 'w'").fetchall()
        views = {name for (name,) in listed}
        queries = {name: f"SELECT * FROM w.main.{name}" for name in CACHED if name in views} | dict(tables)
        for name, sql in queries.items():
            db.execute(f"CREATE TABLE memory.main.{name} AS {sql}")
        return cls(stamp, db, tuple(queries))


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
    """Read-only sessions on the warehouse file, on its newest prepared generation: ``tables``
    (name: query) are built once per generation beside ``CACHED``, and the ``overlay`` (the review
    store's relations) whenever its version changes."""

    def __init__(self, path: Path, tables: Mapping[str, str] | None = None, overlay: Overlay | None = None):
        self.path = Path(path)
        self.tables = dict(tables or {})
        self.overlay = overlay
        self._lock = threading.Lock()
        self._current: Generation | None = None
        self._preparing: Stamp | None = None

    def _prepare_next(self, stamp: Stamp, done: threading.Event) -> None:
        try:
            ready = Generation.prepare(self.path, stamp, self.tables)
        except (duckdb.Error, OSError):  # swapped again meanwhile, or not a warehouse: next request retries
            ready = None
        with self._lock:
            if ready is not None:
                self._current = ready
            self._preparing = None
        done.set()

    def generation(self) -> Generation:
        """The newest generation ready. A newer file is prepared in the background; a request waits
        for it up to ``FRESH_WAIT`` seconds (small warehouses: at once), then is served the previous."""
        stamp = Stamp.of(self.path)
        with self._lock:
            current, busy = self._current, self._preparing is not None
            if current is not None and (current.stamp == stamp or busy):
                return current
            self._preparing = stamp
        done = threading.Event()
        worker = threading.Thread(
            target=self._prepare_next, args=(stamp, done), daemon=True, name="desk-prepare"
        )
        worker.start()
        done.wait(None if current is None else FRESH_WAIT)
        with self._lock:
            if self._current is None:
                raise NoWarehouse(f"the warehouse at {self.path} could not be opened")
            return self._current

    def wait_fresh(self, timeout: float = 60.0) -> Generation:
        """The generation of the file as it is now, waiting for it to be prepared (tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while (generation := self.generation()).stamp != Stamp.of(self.path):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.path} was not prepared within {timeout:g} s")
            time.sleep(0.05)
        return generation

    def close(self) -> None:
        """Let the file go (the server stops)."""
        with self._lock:
            if self._current is not None:
                self._current.db.close()
            self._current = None

    @contextmanager
    def _cursor(self, generation: Generation, names: tuple[str, ...]) -> Iterator[duckdb.DuckDBPyConnection]:
        cur = generation.db.cursor()
        try:
            cur.execute("USE w")
            for name in names:
                cur.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM memory.main.{name}")
            yield cur
        finally:
            cur.close()

    def _overlaid(self, generation: Generation) -> tuple[str, ...]:
        """The overlay's names, rebuilt first if its version moved (one request builds, others wait)."""
        if self.overlay is None:
            return ()
        version = self.overlay.version()
        with generation.lock:
            if generation.overlay_version != version:
                with self._cursor(generation, generation.cached) as cur:
                    self.overlay.build(cur)
                generation.overlay_version = version
        return self.overlay.names

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A connection of its own for one request, on the newest prepared warehouse file."""
        generation = self.generation()
        names = generation.cached + self._overlaid(generation)
        with self._cursor(generation, names) as cur:
            yield Session(cur)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
