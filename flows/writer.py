"""The one writer of a night: the staged batches loaded into a copy of the warehouse, then swapped in.

One writer session (``loading``) logs the night's fetches, loads the batches about ``LOAD_CHUNK``
reports per transaction, (re)creates the views, recounts the flags and records the run.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from gongkai.flows import progress, stopping
from gongkai.flows.batches import StagedBatch
from gongkai.flows.run_report import RunSummary
from gongkai.flows.steps import warehouse_path
from gongkai.load import fetches, files, loader, reviews, runs, schema, sources, views
from gongkai.load.records import ReportRecord, records_of
from gongkai.model import Fetched

LOAD_CHUNK = 500  # reports per load transaction: one INSERT of their cells, one derivation of their wide rows


@dataclass
class LoadGroup:
    """Some staged batches read back, ready for ``loader.load_group``."""

    reports: list[ReportRecord]
    cells: list[pl.DataFrame]
    narratives: dict[str, pl.DataFrame]


def groups(batches: list[StagedBatch], size: int) -> Iterator[LoadGroup]:
    """The staged batches read back in name order, about ``size`` reports at a time."""
    pending: list[StagedBatch] = []
    for batch in sorted(batches, key=lambda b: b.name):
        pending.append(batch)
        if sum(b.n_reports for b in pending) >= size:
            yield _read(pending)
            pending = []
    if pending:
        yield _read(pending)


def _read(batches: list[StagedBatch]) -> LoadGroup:
    def frames(part: str) -> list[pl.DataFrame]:
        return [pl.read_parquet(b.paths[part]) for b in batches if part in b.paths]

    narratives = {}
    for table in loader.NARRATIVE_FACT_TABLES:
        parts = frames(table)
        narratives[table] = pl.concat(parts) if parts else loader.narrative_frames([])[table]
    reports = [r for f in frames("reports") for r in records_of(f)]
    return LoadGroup(reports, frames("cells"), narratives)


def load(
    db_path: Path,
    batches: list[StagedBatch],
    fetched: list[Fetched] | None = None,
    summary: RunSummary | None = None,
    size: int = LOAD_CHUNK,
    listed: Sequence[sources.Listed] = (),
) -> list[str]:
    """Load the staged batches, about ``size`` reports per transaction, in the night's writer session
    (``loading``, which applies tonight's catalog ``listed``); returns the report_ids loaded, sorted."""
    total = sum(b.n_reports for b in batches)
    with loading(db_path, fetched, summary, listed) as night:
        for group in groups(batches, size):
            night.loaded.update(
                loader.load_group(night.con, group.reports, group.cells, group.narratives, refresh=False)
            )
            progress.report("load", len(night.loaded), total)
    return sorted(night.loaded)


def clear(batches_dir: Path) -> None:
    shutil.rmtree(batches_dir, ignore_errors=True)


RUNS_LOCK = ".runs.lock"  # in data/batches/: every live run holds it shared


@contextmanager
def running(data_dir: Path) -> Iterator[list[Path]]:
    """A run's hold on its data folder, for the whole run; yields the leftovers removed at its start.

    A run that was killed leaves its batches folder (``data/batches/<run>/``) and perhaps the
    writer's copy of the warehouse (``.next`` and its ``.wal``). They are removed when a run starts
    and no other run is live (none holds ``data/batches/.runs.lock``), and the copy only if no
    writer holds the warehouse's lock.
    """
    folder = Path(data_dir) / "batches"
    folder.mkdir(parents=True, exist_ok=True)
    removed: list[Path] = []
    with files.locked(folder / RUNS_LOCK, wait=False) as alone:
        if alone:
            removed = [p for p in sorted(folder.iterdir()) if p.is_dir()]
            for stale in removed:
                clear(stale)
            removed += files.clear_stale_copy(warehouse_path(data_dir))
    with files.locked(folder / RUNS_LOCK, shared=True):
        yield removed


@dataclass
class Night:
    """The writer's session of a nightly run: the connection to the copy, and the reports loaded."""

    con: duckdb.DuckDBPyConnection
    loaded: set[str] = field(default_factory=set)


@contextmanager
def loading(
    db_path: Path,
    fetched: list[Fetched] | None,
    summary: RunSummary | None = None,
    listed: Sequence[sources.Listed] = (),
) -> Iterator[Night]:
    """The one writer session of a night, on a copy of the warehouse swapped in when the block ends
    (``files.writing``): analysts who have the warehouse open keep reading the previous state,
    and a failure leaves it untouched.

    It logs the night's fetches; the block loads reports (``Night.loaded``). Then tonight's catalog
    (``listed``: every source whose bytes are known, unchanged ones too) is applied to the reports
    without extracting them (``sources.apply_catalog``: the catalog says who published a report, and
    each address of the same bytes is recorded). The views are (re)created and the flags recounted if
    a report was loaded or re-resolved or the SQL changed, and ``summary``, if given, is completed
    (loaded, reports the loader refused, flags by rule, run_id, finished_at) and recorded in ``runs``.
    """
    stopping.warehouse_swapped(False)
    with (
        files.writing(db_path) as con,
        stopping.on_stop(lambda: _remove_copy(db_path)),
    ):
        schema.ensure_schema(con)
        fetches.ensure_table(con)
        fetches.record(con, fetched or [])
        night = Night(con)
        yield night
        changed = sources.apply_catalog(con, listed, refresh=False)
        if night.loaded or changed or views.views_outdated(con):
            views.create_views(con)  # and recounts the flags
        copy_reviews(con, db_path)
        if summary is not None:
            summary.loaded = sorted(night.loaded)
            summary.failed.update(loader.load_failures(con, night.loaded))
            recounted = night.loaded or changed
            summary.flags_by_rule = _flags_by_rule(con) if recounted else _last_flags_by_rule(con)
            summary.finished_at = datetime.now(UTC).isoformat()
            _record_run(con, summary)
    stopping.warehouse_swapped()


def copy_reviews(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """The review store as it is now, into the warehouse (only read: the desk may be writing it); a
    store that cannot be read leaves last night's copy and one warning, never a failed night."""
    try:
        reviews.snapshot(con, reviews.store_for(db_path))
    except sqlite3.Error as error:
        logging.getLogger(__name__).warning("reviews not copied, last night's copy stays: %s", error)


def _remove_copy(db_path: Path) -> None:
    """The writer's copy, when this process holds the lock: the run was stopped before the swap."""
    for path in files.next_copy(db_path):
        path.unlink(missing_ok=True)


def _last_flags_by_rule(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The flag counts the last finished run recorded (for a night when no report changed)."""
    rows = con.execute(
        "SELECT summary FROM runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
    ).fetchall()
    return json.loads(rows[0][0]).get("flags_by_rule", {}) if rows else _flags_by_rule(con)


def _flags_by_rule(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if views.views_outdated(con):
        return {}  # no views yet: nothing was ever loaded
    rows = con.execute("SELECT rule, count(*) FROM consistency_flags GROUP BY rule ORDER BY rule").fetchall()
    return {rule: int(n) for rule, n in rows}


def _record_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    run_id = runs.start_run(con, datetime.fromisoformat(summary.started_at))
    summary.run_id = run_id
    runs.finish_run(
        con,
        run_id,
        n_loaded=len(summary.loaded),
        n_skipped=len(summary.skipped),
        n_failed=len(summary.failed),
        summary=asdict(summary),
        finished_at=datetime.fromisoformat(summary.finished_at),
    )
