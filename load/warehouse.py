"""The DuckDB warehouse: schema, transactional report loads, run records and the SQL views."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from gongkai import taxonomy
from gongkai.model import CatalogEntry, Extraction
from gongkai.transform.cells import TIDY_SCHEMA

STATUSES = ("ok", "partial", "failed", "needs_ocr")
NO_DATA_STATUSES = ("failed", "needs_ocr")
VIEW_LAYERS = ("staging", "marts", "flags")

REPORT_COLUMNS = (
    "report_id",
    "sha256",
    "source",
    "file_type",
    "agency",
    "district",
    "year",
    "format",
    "status",
    "error",
    "problems",
    "extractor_version",
    "extracted_at",
    "n_cells",
    "n_null_cells",
)
_REQUIRED_REPORT_KEYS = ("sha256", "status", "extractor_version")
_OPTIONAL_REPORT_KEYS = frozenset(REPORT_COLUMNS) - {"n_cells", "n_null_cells"}
_WAREHOUSE_NAMES = {"table": "table_code", "row": "row_code", "column": "column_code"}
CELL_COLUMNS = tuple(_WAREHOUSE_NAMES.get(name, name) for name in TIDY_SCHEMA)
_INCOMING = "_gongkai_incoming_cells"
_INSERT_REPORT = (
    f"INSERT INTO reports ({', '.join(REPORT_COLUMNS)}) VALUES ({', '.join('?' * len(REPORT_COLUMNS))})"
)
_INSERT_CELLS = (
    f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) SELECT {', '.join(CELL_COLUMNS)} FROM {_INCOMING}"
)


class ReportLoadError(ValueError):
    """A report record or its cells break the load contract (nothing was written)."""


# -- connection and schema ---------------------------------------------------------------------


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file; a writable open creates the file and its folder."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


def _sql_text(name: str) -> str:
    return resources.files("gongkai.sql").joinpath(name).read_text(encoding="utf-8")


def _dimension_frames() -> dict[str, pl.DataFrame]:
    cells = taxonomy.cells()
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    columns: dict[tuple[str, str], dict[str, Any]] = {}
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
    for row in rows.values():
        row["formats"] = " ".join(sorted(row["formats"]))
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
    }


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the tables (sql/schema.sql) if missing and refresh the taxonomy dimensions."""
    con.execute(_sql_text("schema.sql"))
    frames = {f"_gongkai_{table}": (table, frame) for table, frame in _dimension_frames().items()}
    for name, (_, frame) in frames.items():
        con.register(name, frame)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            for name, (table, _) in frames.items():
                con.execute(f"DELETE FROM {table}")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in frames:
            con.unregister(name)


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
    """The ``reports`` row of an extraction (agency, district, year: document first, then catalog)."""
    return {
        "report_id": extraction.report_id,
        "sha256": extraction.sha256,
        "source": extraction.source,
        "file_type": extraction.file_type,
        "agency": extraction.agency or (entry.agency if entry else None),
        "district": extraction.district or (entry.district if entry else None),
        "year": extraction.year or (entry.year if entry else None),
        "format": extraction.format,
        "status": extraction.status,
        "error": extraction.error,
        "problems": list(extraction.problems),
        "extractor_version": extractor_version,
        "extracted_at": _utc_naive(extracted_at),
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
    row["report_id"] = row["report_id"] or sha256[:16]
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
    row["n_cells"] = n_cells
    row["n_null_cells"] = n_null_cells
    return row


def _warehouse_cells(report_id: str, cells: pl.DataFrame | None) -> pl.DataFrame:
    if cells is None:
        return pl.DataFrame(schema=TIDY_SCHEMA)
    missing = [c for c in TIDY_SCHEMA if c not in cells.columns]
    if missing:
        raise ReportLoadError(f"cells frame lacks {', '.join(missing)}")
    cells = cells.select(list(TIDY_SCHEMA)).cast(TIDY_SCHEMA)
    others = cells.filter(pl.col("report_id") != report_id)["report_id"].unique().to_list()
    if others or cells["report_id"].null_count():
        raise ReportLoadError(f"cells of other reports ({others}) in the frame of {report_id}")
    return cells


def load_report(
    con: duckdb.DuckDBPyConnection, report: Mapping[str, Any], cells: pl.DataFrame | None = None
) -> None:
    """Replace one report's ``reports`` row and ``cells`` in one transaction.

    ``report`` has the ``reports`` columns (``report_record()`` builds it); ``n_cells`` and
    ``n_null_cells`` are counted from ``cells``, the tidy frame of ``transform.cells.tidy_frame()``.
    A failed or needs_ocr report has no cells and an error. On any error the transaction rolls
    back and the warehouse is exactly as before.
    """
    n_cells = 0 if cells is None else cells.height
    n_null_cells = 0 if cells is None or "value" not in cells.columns else cells["value"].null_count()
    row = _report_row(report, n_cells, n_null_cells)
    frame = _warehouse_cells(row["report_id"], cells).rename(_WAREHOUSE_NAMES)
    con.register(_INCOMING, frame)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM cells WHERE report_id = ?", [row["report_id"]])
            con.execute("DELETE FROM reports WHERE report_id = ?", [row["report_id"]])
            con.execute(_INSERT_REPORT, [row[c] for c in REPORT_COLUMNS])
            con.execute(_INSERT_CELLS)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister(_INCOMING)


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
    """Create or replace every view; returns the view names in the order they were created.

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
    return created


def _view_errors(failed: Iterable[tuple[ViewFile, duckdb.Error]]) -> str:
    return "views that do not bind:\n" + "\n".join(f"  {v.layer}/{v.name}.sql: {e}" for v, e in failed)
