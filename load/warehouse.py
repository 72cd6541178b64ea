"""The DuckDB warehouse: schema, transactional report loads, run records and the SQL views."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from gongkai import taxonomy
from gongkai.extract import narrative as narrative_facts
from gongkai.extract.narrative import NarrativeFacts
from gongkai.load import districts
from gongkai.model import CatalogEntry, Extraction
from gongkai.transform.cells import TIDY_SCHEMA

STATUSES = ("ok", "partial", "failed", "needs_ocr")
NO_DATA_STATUSES = ("failed", "needs_ocr")
VIEW_LAYERS = ("staging", "marts", "flags")
# DuckDB keeps pages cached up to its memory limit (80 % of RAM by default): the nightly writer's
# memory stays bounded whatever the warehouse's size, and spills to disk beyond it.
WRITER_MEMORY_LIMIT = "1GB"

# the reports table's columns (sql/schema.sql), as the load builds them
REPORT_SCHEMA: dict[str, Any] = {
    "report_id": pl.String,
    "sha256": pl.String,
    "source": pl.String,
    "file_type": pl.String,
    "agency": pl.String,
    "district": pl.String,
    "year": pl.Int32,
    "format": pl.String,
    "status": pl.String,
    "error": pl.String,
    "problems": pl.String,
    "extractor_version": pl.String,
    "extracted_at": pl.Datetime("us"),
    "n_cells": pl.Int32,
    "n_null_cells": pl.Int32,
    "published_on": pl.Date,
    "district_source": pl.String,
}
REPORT_COLUMNS = tuple(REPORT_SCHEMA)
# Bump when the tables derived from cells (sql/derived/) or the narrative tables change: the next
# writable ensure_schema() rebuilds what it can from the cells.
SCHEMA_VERSION = "3"
DERIVED_TABLES = ("wide_requests", "wide_requests_rows", "wide_appeals", "wide_active_disclosure")
NARRATIVE_TABLES = ("narratives", "report_sections", "narrative_figures", "narrative_readings")
_REQUIRED_REPORT_KEYS = ("sha256", "status", "extractor_version")
_OPTIONAL_REPORT_KEYS = frozenset(REPORT_COLUMNS) - {"n_cells", "n_null_cells"}
_WAREHOUSE_NAMES = {"table": "table_code", "row": "row_code", "column": "column_code"}
CELL_COLUMNS = tuple(_WAREHOUSE_NAMES.get(name, name) for name in TIDY_SCHEMA)
_INCOMING = "_gongkai_incoming_cells"
_INCOMING_REPORTS = "_gongkai_incoming_reports"
_INCOMING_AGENCIES = "_gongkai_incoming_agencies"
_INSERT_CELLS = (
    f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) SELECT {', '.join(CELL_COLUMNS)} FROM {_INCOMING}"
)


class ReportLoadError(ValueError):
    """A report record or its cells break the load contract (nothing was written)."""


# -- connection and schema ---------------------------------------------------------------------


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
            raise FileNotFoundError(f"no warehouse at {path}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


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
    nxt = _sibling(path, ".next")
    with _sibling(path, ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            _remove(nxt, _sibling(nxt, ".wal"))
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
                _remove(nxt, _sibling(nxt, ".wal"))
                raise
            con.close()
            _fsync(nxt)
            os.replace(nxt, path)
            _fsync(path.parent)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _sql_text(name: str) -> str:
    return resources.files("gongkai.sql").joinpath(name).read_text(encoding="utf-8")


def _label_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("gongkai.extract").joinpath(f"labels/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _dimension_frames() -> dict[str, pl.DataFrame]:
    cells = taxonomy.cells()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    columns: dict[tuple[str, str], dict[str, Any]] = {}
    labels: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for c in cells:
        row = rows.setdefault(
            (c.table, c.row),
            {
                "table_code": c.table,
                "row_code": c.row,
                "label_zh": c.row_label_zh,
                "formats": set(),
                "sort_order": c.order,
            },
        )
        row["formats"].update(c.formats)
        columns.setdefault(
            (c.table, c.column),
            {
                "table_code": c.table,
                "column_code": c.column,
                "label_zh": c.column_label_zh,
                "sort_order": c.order,
            },
        )
    for fmt in ("2019", "2021"):
        # a cell's label in a format: that format's taxonomy line, else the cell's first line
        for c in cells:
            if fmt in c.formats:
                labels.setdefault((fmt, c.table, c.row, c.column), _label_row(fmt, c))
        for c in cells:
            labels.setdefault((fmt, c.table, c.row, c.column), _label_row(fmt, c))
    for row in rows.values():
        row["formats"] = " ".join(sorted(row["formats"]))
    kinds = _label_csv("agency_kinds.csv")
    metric_rows = narrative_facts.metrics()
    return {
        "dim_table": pl.DataFrame(
            {
                "table_code": list(taxonomy.TABLES),
                "label_zh": [taxonomy.TABLE_LABELS_ZH[t] for t in taxonomy.TABLES],
                "sort_order": list(range(len(taxonomy.TABLES))),
            }
        ),
        "dim_row": pl.DataFrame(list(rows.values())),
        "dim_column": pl.DataFrame(list(columns.values())),
        "dim_cell": pl.DataFrame(
            [
                {
                    "sort_order": c.order,
                    "table_code": c.table,
                    "row_code": c.row,
                    "column_code": c.column,
                    "formats": " ".join(c.formats),
                    "row_label_zh": c.row_label_zh,
                    "column_label_zh": c.column_label_zh,
                    "notes": c.notes,
                }
                for c in cells
            ]
        ),
        "dim_cell_label": pl.DataFrame(list(labels.values())),
        "dim_agency_kind": pl.DataFrame(
            [
                {
                    "priority": int(k["priority"]),
                    "agency_kind": k["agency_kind"],
                    "label_zh": k["label_zh"],
                    "pattern": k["pattern"],
                }
                for k in kinds
            ]
        ),
        "dim_section": pl.DataFrame(
            [
                {"section_code": p.code, "label_zh": p.label_zh, "sort_order": i}
                for i, p in enumerate(p for p in narrative_facts.patterns() if p.kind == "section")
            ]
        ),
        "dim_narrative_metric": pl.DataFrame(
            [
                {"metric": metric, "label_zh": label, "cells": cells_text, "sort_order": i}
                for i, (metric, label, cells_text) in enumerate(metric_rows)
            ]
        ),
        "dim_narrative_metric_cell": pl.DataFrame(
            [
                {"metric": metric, "alternative": n, "table_code": t, "row_code": r, "column_code": col}
                for metric, _, cells_text in metric_rows
                for n, alternative in enumerate(narrative_facts.metric_cells(cells_text), start=1)
                for t, r, col in alternative
            ],
            schema={
                "metric": pl.String,
                "alternative": pl.Int32,
                "table_code": pl.String,
                "row_code": pl.String,
                "column_code": pl.String,
            },
        ),
    }


@cache
def _agency_kinds() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    kinds = sorted(_label_csv("agency_kinds.csv"), key=lambda k: int(k["priority"]))
    return tuple((re.compile(k["pattern"]), k["agency_kind"], k["label_zh"]) for k in kinds)


def agency_kind(agency: str) -> tuple[str, str]:
    """The peer group of an agency told by its name (labels/agency_kinds.csv): (code, label_zh)."""
    for pattern, kind, label in _agency_kinds():
        if pattern.search(agency):
            return kind, label
    return "other", "其他"


def _agency_frame(agencies: Iterable[str]) -> pl.DataFrame:
    rows = [(a, *agency_kind(a)) for a in sorted(set(agencies))]
    return pl.DataFrame(rows, schema=["agency", "agency_kind", "label_zh"], orient="row")


def _label_row(fmt: str, c: taxonomy.Cell) -> dict[str, Any]:
    return {
        "format": fmt,
        "table_code": c.table,
        "row_code": c.row,
        "column_code": c.column,
        "row_label_zh": c.row_label_zh,
        "column_label_zh": c.column_label_zh,
        "sort_order": c.order,
    }


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables (sql/schema.sql) if missing, refresh the dimensions and flag_rules, and rebuild
    the tables derived from cells when the file comes from an older schema version."""
    con.execute(_sql_text("schema.sql"))
    frames = {f"_gongkai_{table}": (table, frame) for table, frame in _dimension_frames().items()}
    for name, (_, frame) in frames.items():
        con.register(name, frame)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            readings_before = _metric_cells(con)
            for name, (table, _) in frames.items():
                con.execute(f"DELETE FROM {table}")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
            agencies = con.execute("SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL").fetchall()
            con.register("_gongkai_dim_agency", _agency_frame(a for (a,) in agencies))
            con.execute("DELETE FROM dim_agency")
            con.execute("INSERT INTO dim_agency BY NAME SELECT * FROM _gongkai_dim_agency")
            con.unregister("_gongkai_dim_agency")
            con.execute("DELETE FROM flag_rules")
            con.execute(_sql_text("flag_rules.sql"))
            version = con.execute("SELECT value FROM warehouse_meta WHERE key = 'schema_version'").fetchall()
            if version != [(SCHEMA_VERSION,)]:
                rebuild_derived(con)
                con.execute(
                    "INSERT OR REPLACE INTO warehouse_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
                )
            elif _metric_cells(con) != readings_before:  # labels/narrative.csv changed what R6 reads
                con.execute("DELETE FROM narrative_readings")
                con.execute(_derive_sql("narrative_readings", "cells"))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in frames:
            con.unregister(name)


def _metric_cells(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT * FROM dim_narrative_metric_cell ORDER BY ALL").fetchall()


def _derive_sql(table: str, relation: str) -> str:
    """sql/derived/<table>.sql reads ``source_cells``: the incoming report's cells, or the cells table."""
    body = _sql_text(f"derived/{table}.sql")
    return (
        f"INSERT INTO {table} BY NAME WITH source_cells AS (SELECT * FROM {relation}) SELECT * FROM ({body})"
    )


def refresh_flag_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Recount consistency_flags per report into report_flag_counts, in one transaction.

    The flags themselves are always computed live by the views; the counts are what district_summary
    and agency_compare need quickly. Every load refreshes them: ``load_report`` by default, the nightly
    load once at the end (``create_views``).
    """
    con.execute("BEGIN TRANSACTION")
    try:
        _recount_flags(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _recount_flags(con: duckdb.DuckDBPyConnection) -> None:
    has_views = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'consistency_flags'"
    ).fetchall() != [(0,)]
    con.execute("DELETE FROM report_flag_counts")
    if has_views:  # a warehouse whose views are not created yet has nothing to count
        body = _sql_text("derived/report_flag_counts.sql")
        con.execute(f"INSERT INTO report_flag_counts BY NAME SELECT * FROM ({body})")


def rebuild_derived(con: duckdb.DuckDBPyConnection, tables: Iterable[str] | None = None) -> None:
    """Rebuild the tables derived from cells (sql/derived/; all of them by default) from the whole cells
    table: the wide tables and the narrative figures' readings."""
    for table in tables or (*DERIVED_TABLES, "narrative_readings"):
        con.execute(f"DELETE FROM {table}")
        con.execute(_derive_sql(table, "cells"))


# -- reports -----------------------------------------------------------------------------------


def _utc_naive(moment: datetime | str | None) -> datetime:
    if moment is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def report_record(
    extraction: Extraction,
    extractor_version: str,
    extracted_at: datetime | None = None,
    entry: CatalogEntry | None = None,
) -> dict[str, Any]:
    """The ``reports`` row of an extraction.

    Agency and year: the document first, then the catalog. District: the catalog first, then the
    agency's name, else NULL (``districts.resolve``). The publication date: what the page states.
    """
    agency = districts.clean_name(extraction.agency or (entry.agency if entry else None))
    district, district_source = districts.resolve(entry.district if entry else None, agency)
    if district is None and extraction.district:
        district, district_source = districts.district_key(extraction.district), "name"
    narrative = unicodedata.normalize("NFKC", extraction.narrative or "")
    return {
        "report_id": extraction.report_id,
        "sha256": extraction.sha256,
        "source": extraction.source,
        "file_type": extraction.file_type,
        "agency": agency,
        "district": district,
        "year": extraction.year or (entry.year if entry else None),
        "format": extraction.format,
        "status": extraction.status,
        "error": extraction.error,
        "problems": list(extraction.problems),
        "extractor_version": extractor_version,
        "extracted_at": _utc_naive(extracted_at),
        "published_on": narrative_facts.published_on(narrative),
        "district_source": district_source,
    }


def _report_row(report: Mapping[str, Any], n_cells: int, n_null_cells: int) -> dict[str, Any]:
    unknown = set(report) - _OPTIONAL_REPORT_KEYS
    if unknown:
        raise ReportLoadError(f"unknown report keys: {', '.join(sorted(unknown))}")
    missing = [k for k in _REQUIRED_REPORT_KEYS if not report.get(k)]
    if missing:
        raise ReportLoadError(f"report lacks {', '.join(missing)}")
    row: dict[str, Any] = {k: report.get(k) for k in REPORT_COLUMNS}
    sha256 = str(row["sha256"])
    row["report_id"] = _report_id(report)
    if row["report_id"] != sha256[:16]:
        raise ReportLoadError(f"report_id {row['report_id']} is not sha256[:16] of {sha256}")
    status = row["status"]
    if status not in STATUSES:
        raise ReportLoadError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if status in NO_DATA_STATUSES and (n_cells or not row["error"]):
        raise ReportLoadError(f"a {status} report has no cells and states its error")
    if status == "ok" and row["error"]:
        raise ReportLoadError("an ok report has no error")
    problems = row["problems"] if row["problems"] is not None else []
    if isinstance(problems, str):
        try:
            problems = json.loads(problems)
        except json.JSONDecodeError as error:
            raise ReportLoadError(f"problems is not JSON: {error}") from error
    if not isinstance(problems, list) or not all(isinstance(p, str) for p in problems):
        raise ReportLoadError("problems is a list of strings")
    row["problems"] = json.dumps(problems, ensure_ascii=False)
    row["extracted_at"] = _utc_naive(row["extracted_at"])
    row["agency"] = districts.clean_name(row["agency"])
    row["district"] = districts.district_key(row["district"])
    if isinstance(row["published_on"], str):
        row["published_on"] = date.fromisoformat(row["published_on"])
    row["n_cells"] = n_cells
    row["n_null_cells"] = n_null_cells
    return row


def _warehouse_cells(rows: Mapping[str, Mapping[str, Any]], cells: pl.DataFrame) -> pl.DataFrame:
    """The cells of a group of reports, checked, with each report's agency, district and year (as
    resolved for ``reports``) and the warehouse's column names. ``rows``: the reports rows by report_id.
    """
    others = sorted(set(cells["report_id"].drop_nulls().unique().to_list()) - set(rows))
    if others or cells["report_id"].null_count():
        raise ReportLoadError(f"cells of other reports ({others}) in the frames of {sorted(rows)}")
    resolved = pl.DataFrame(
        [(i, r["agency"], r["district"], r["year"]) for i, r in rows.items()],
        schema={"report_id": pl.String, "agency": pl.String, "district": pl.String, "year": pl.Int32},
        orient="row",
    )
    return (
        cells.drop("agency", "district", "year")
        .join(resolved, on="report_id", how="left")
        .select(list(TIDY_SCHEMA))
        .rename(_WAREHOUSE_NAMES)
    )


def _tidy_cells(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    for cells in frames:
        missing = [c for c in TIDY_SCHEMA if c not in cells.columns]
        if missing:
            raise ReportLoadError(f"cells frame lacks {', '.join(missing)}")
    if not frames:
        return pl.DataFrame(schema=TIDY_SCHEMA)
    return pl.concat([f.select(list(TIDY_SCHEMA)).cast(TIDY_SCHEMA) for f in frames], how="vertical")


@dataclass(frozen=True)
class ReportLoad:
    """One report to load: its ``reports`` row, its tidy cells and the facts of its narrative."""

    report: Mapping[str, Any]
    cells: pl.DataFrame | None = None
    narrative: NarrativeFacts | None = None


def load_report(
    con: duckdb.DuckDBPyConnection,
    report: Mapping[str, Any],
    cells: pl.DataFrame | None = None,
    narrative: NarrativeFacts | None = None,
    refresh: bool = True,
) -> None:
    """Replace one report's ``reports`` row, ``cells``, derived wide rows and narrative facts in one
    transaction (``load_reports`` of one report).

    ``report`` has the ``reports`` columns (``report_record()`` builds it); ``n_cells`` and
    ``n_null_cells`` are counted from ``cells``, the tidy frame of ``transform.cells.tidy_frame()``.
    ``narrative`` is ``extract.narrative.analyse()`` of the report's narrative (None: not known).
    ``refresh``: recount the flags (report_flag_counts) in the same transaction.
    A failed or needs_ocr report has no cells and an error. On any error the transaction rolls
    back and the warehouse is exactly as before.
    """
    load_reports(con, [ReportLoad(report, cells, narrative)], refresh=refresh)


def load_reports(
    con: duckdb.DuckDBPyConnection, items: Iterable[ReportLoad], refresh: bool = True
) -> list[str]:
    """Replace a group of reports given one by one (``load_group`` of their frames)."""
    items = list(items)
    frames = [i.cells for i in items if i.cells is not None]
    facts = [(i.report, i.narrative) for i in items if i.narrative is not None]
    ids = [_report_id(report) for report, _ in facts]
    narratives = narrative_frames([(i, f) for i, (_, f) in zip(ids, facts, strict=True)])
    return load_group(con, [i.report for i in items], frames, narratives, refresh=refresh)


def load_group(
    con: duckdb.DuckDBPyConnection,
    reports: Iterable[Mapping[str, Any]],
    cells: Sequence[pl.DataFrame] = (),
    narratives: Mapping[str, pl.DataFrame] | None = None,
    refresh: bool = True,
) -> list[str]:
    """Replace a group of reports (their rows, cells, wide rows and narrative facts) in one transaction.

    ``reports``: their ``reports`` records; ``cells``: their tidy frames (any split); ``narratives``:
    ``narrative_frames()`` of their narrative facts. Every report is checked before anything is
    written; each table gets one statement for the whole group (one INSERT of all the cells, one
    derivation of each wide table), which is what makes a nightly load of thousands of reports fast.
    A report_id given twice keeps its last record. ``refresh``: recount the flags in the same
    transaction; a nightly load passes False and calls ``create_views`` once at the end. On any error
    the transaction rolls back and the warehouse is exactly as before. Returns the report_ids, sorted.
    """
    tidy = _tidy_cells(cells)
    counts = {
        report_id: (n, n_null)
        for report_id, n, n_null in tidy.group_by("report_id")
        .agg(pl.len(), pl.col("value").null_count())
        .iter_rows()
    }
    rows: dict[str, dict[str, Any]] = {}
    for report in reports:
        n_cells, n_null_cells = counts.get(_report_id(report), (0, 0))
        row = _report_row(report, n_cells, n_null_cells)
        rows[row["report_id"]] = row
    if not rows:
        return []
    ids = sorted(rows)
    with_data = {i for i in ids if rows[i]["status"] not in NO_DATA_STATUSES}
    incoming = {
        _INCOMING: _warehouse_cells(rows, tidy),
        _INCOMING_REPORTS: pl.DataFrame(
            [[rows[i][c] for c in REPORT_COLUMNS] for i in ids], schema=REPORT_SCHEMA, orient="row"
        ),
        _INCOMING_AGENCIES: _agency_frame(r["agency"] for r in rows.values() if r["agency"]),
    }
    for table, frame in (narratives or narrative_frames([])).items():
        others = set(frame["report_id"].unique().to_list()) - set(ids)
        if others:
            raise ReportLoadError(f"{table} of other reports ({sorted(others)}) in the group of {ids}")
        incoming[f"{_INCOMING}_{table}"] = frame.filter(pl.col("report_id").is_in(list(with_data)))
    for name, frame in incoming.items():
        con.register(name, frame)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            for table in ("cells", *DERIVED_TABLES, *NARRATIVE_TABLES, "reports"):
                con.execute(
                    f"DELETE FROM {table} WHERE report_id IN (SELECT report_id FROM {_INCOMING_REPORTS})"
                )
            con.execute(f"INSERT INTO reports BY NAME SELECT * FROM {_INCOMING_REPORTS}")
            con.execute(f"INSERT OR REPLACE INTO dim_agency BY NAME SELECT * FROM {_INCOMING_AGENCIES}")
            con.execute(_INSERT_CELLS)
            for table in DERIVED_TABLES:
                con.execute(_derive_sql(table, _INCOMING))
            for table in NARRATIVE_FACT_TABLES:
                if f"{_INCOMING}_{table}" in incoming:
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {_INCOMING}_{table}")
            con.execute(_derive_sql("narrative_readings", _INCOMING))
            if refresh:
                _recount_flags(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in incoming:
            con.unregister(name)
    return ids


def _report_id(report: Mapping[str, Any]) -> str:
    return str(report.get("report_id") or str(report.get("sha256") or "")[:16])


NARRATIVE_FACT_TABLES = ("narratives", "report_sections", "narrative_figures")
NARRATIVE_FRAME_SCHEMAS: dict[str, dict[str, Any]] = {
    "narratives": {
        "report_id": pl.String,
        "text": pl.String,
        "n_chars": pl.Int32,
        "minhash": pl.List(pl.Int64),
    },
    "report_sections": {
        "report_id": pl.String,
        "section_code": pl.String,
        "found": pl.Boolean,
        "position": pl.Int32,
    },
    "narrative_figures": {
        "report_id": pl.String,
        "ordinal": pl.Int32,
        "metric": pl.String,
        "value": pl.Int64,
        "quote": pl.String,
        "position": pl.Int32,
    },
}


def narrative_frames(items: Sequence[tuple[str, NarrativeFacts]]) -> dict[str, pl.DataFrame]:
    """The narrative facts of reports (report_id, facts) as frames of narratives, report_sections and
    narrative_figures: what a worker stages and ``load_group`` inserts."""
    rows = {
        "narratives": [(i, f.text, len(f.text), f.minhash) for i, f in items],
        "report_sections": [
            (i, code, pos is not None, pos) for i, f in items for code, pos in f.sections.items()
        ],
        "narrative_figures": [
            (i, g.ordinal, g.metric, g.value, g.quote, g.position) for i, f in items for g in f.figures
        ],
    }
    return {
        table: pl.DataFrame(rows[table], schema=NARRATIVE_FRAME_SCHEMAS[table], orient="row")
        for table in NARRATIVE_FACT_TABLES
    }


def is_current(con: duckdb.DuckDBPyConnection, sha256: str, extractor_version: str) -> bool:
    """The same bytes were already loaded by the same extractor version (the flow skips them)."""
    ((found,),) = con.execute(
        "SELECT count(*) FROM reports WHERE sha256 = ? AND extractor_version = ?", [sha256, extractor_version]
    ).fetchall()
    return found > 0


# -- runs --------------------------------------------------------------------------------------


def start_run(con: duckdb.DuckDBPyConnection, started_at: datetime | None = None) -> str:
    """Record the start of a flow run; returns its run_id."""
    run_id = uuid.uuid4().hex
    con.execute("INSERT INTO runs (run_id, started_at) VALUES (?, ?)", [run_id, _utc_naive(started_at)])
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    n_loaded: int,
    n_skipped: int,
    n_failed: int,
    summary: Mapping[str, Any] | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Record the end of a run with its counts and a JSON summary."""
    con.execute(
        "UPDATE runs SET finished_at = ?, n_loaded = ?, n_skipped = ?, n_failed = ?, summary = ?"
        " WHERE run_id = ?",
        [
            _utc_naive(finished_at),
            n_loaded,
            n_skipped,
            n_failed,
            json.dumps(dict(summary or {}), ensure_ascii=False, sort_keys=True, default=str),
            run_id,
        ],
    )


# -- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ViewFile:
    layer: str
    name: str
    description: str
    sql: str


_HEADER = re.compile(r"^--\s*(?P<name>[a-z0-9_]+):\s*(?P<description>\S.*)$")


def view_files() -> tuple[ViewFile, ...]:
    """The view files of sql/<layer>/*.sql, sorted by layer and file name, headers checked."""
    root = resources.files("gongkai.sql")
    found: list[ViewFile] = []
    for layer in VIEW_LAYERS:
        files = sorted(
            (f for f in root.joinpath(layer).iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
        )
        for f in files:
            name = f.name.removesuffix(".sql")
            sql = f.read_text(encoding="utf-8")
            header = _HEADER.match(sql.splitlines()[0] if sql else "")
            if not header or header["name"] != name:
                raise ValueError(f"sql/{layer}/{f.name} must start with '-- {name}: description'")
            if not re.search(rf"create\s+or\s+replace\s+view\s+{name}\b", sql, re.IGNORECASE):
                raise ValueError(f"sql/{layer}/{f.name} must CREATE OR REPLACE VIEW {name}")
            found.append(ViewFile(layer, name, header["description"].strip(), sql))
    return tuple(found)


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or replace every view and describe every table, view and column (COMMENT ON); returns the
    view names in the order they were created.

    Views depend on each other: the files run in sorted order, those that fail to bind are
    retried until a pass makes no progress, and then the remaining errors are raised.
    """
    ensure_schema(con)
    pending: list[ViewFile] = list(view_files())
    created: list[str] = []
    while pending:
        failed: list[tuple[ViewFile, duckdb.Error]] = []
        for view in pending:
            try:
                con.execute(view.sql)
            except duckdb.Error as error:
                failed.append((view, error))
            else:
                created.append(view.name)
        if len(failed) == len(pending):
            raise RuntimeError(_view_errors(failed))
        pending = [view for view, _ in failed]
    from gongkai.load import dictionary  # (it reads view_files() from here)

    dictionary.apply_comments(con)
    refresh_flag_counts(con)
    con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('views_sha256', ?)", [_views_sha256()])
    return created


@cache
def _views_sha256() -> str:
    """A hash of every SQL file of the package: the views, the derived tables and the flag rules."""
    digest = hashlib.sha256()
    root = resources.files("gongkai.sql")
    folders = [root, *(root.joinpath(layer) for layer in ("derived", *VIEW_LAYERS))]
    for folder in folders:
        for f in sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name):
            digest.update(f"{folder.name}/{f.name}\0".encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()


def views_outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """The views were never created in this file, or by SQL files other than this package's."""
    try:
        rows = con.execute("SELECT value FROM warehouse_meta WHERE key = 'views_sha256'").fetchall()
    except duckdb.CatalogException:
        return True
    return rows != [(_views_sha256(),)]


def _view_errors(failed: Iterable[tuple[ViewFile, duckdb.Error]]) -> str:
    return "views that do not bind:\n" + "\n".join(f"  {v.layer}/{v.name}.sql: {e}" for v, e in failed)
