"""The group load: a group of reports (records, tidy cells, narrative facts) replaced in one transaction.

Every report is checked first (``records.checked_row``); then each table gets one statement for the
whole group, which is what makes a nightly load of thousands of reports fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from gongkai.extract.narrative import NarrativeFacts
from gongkai.load.records import (
    NO_DATA_STATUSES,
    REPORT_ROW_SCHEMA,
    ReportLoadError,
    ReportRecord,
    checked_row,
)
from gongkai.load.schema import DERIVED_TABLES, NARRATIVE_TABLES, agency_frame, derive_sql, recount_flags
from gongkai.transform.cells import TIDY_SCHEMA

_WAREHOUSE_NAMES = {"table": "table_code", "row": "row_code", "column": "column_code"}
CELL_COLUMNS = tuple(_WAREHOUSE_NAMES.get(name, name) for name in TIDY_SCHEMA)
_INCOMING = "_gongkai_incoming_cells"
_INCOMING_REPORTS = "_gongkai_incoming_reports"
_INCOMING_AGENCIES = "_gongkai_incoming_agencies"
_INSERT_CELLS = (
    f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) SELECT {', '.join(CELL_COLUMNS)} FROM {_INCOMING}"
)
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


def _warehouse_cells(records: Mapping[str, ReportRecord], cells: pl.DataFrame) -> pl.DataFrame:
    """The cells of a group of reports, checked, with each report's agency, district and year (its
    record's) and the warehouse's column names. ``records``: by report_id."""
    others = sorted(set(cells["report_id"].drop_nulls().unique().to_list()) - set(records))
    if others or cells["report_id"].null_count():
        raise ReportLoadError(f"cells of other reports ({others}) in the frames of {sorted(records)}")
    resolved = pl.DataFrame(
        [(i, r.agency, r.district, r.year) for i, r in records.items()],
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
    """One report to load: its record, its tidy cells and the facts of its narrative."""

    report: ReportRecord
    cells: pl.DataFrame | None = None
    narrative: NarrativeFacts | None = None


def load_report(
    con: duckdb.DuckDBPyConnection,
    report: ReportRecord,
    cells: pl.DataFrame | None = None,
    narrative: NarrativeFacts | None = None,
    refresh: bool = True,
) -> None:
    """Replace one report's ``reports`` row, ``cells``, derived wide rows and narrative facts in one
    transaction (``load_reports`` of one report).

    ``report``: ``records.report_record()``; ``n_cells`` and ``n_null_cells`` are counted from ``cells``,
    the tidy frame of ``transform.cells.tidy_frame()``. ``narrative`` is ``extract.narrative.analyse()``
    of the report's narrative (None: not known). ``refresh``: recount the flags (report_flag_counts) in
    the same transaction. A failed or needs_ocr report has no cells and an error. On any error the
    transaction rolls back and the warehouse is exactly as before.
    """
    load_reports(con, [ReportLoad(report, cells, narrative)], refresh=refresh)


def load_reports(
    con: duckdb.DuckDBPyConnection, items: Iterable[ReportLoad], refresh: bool = True
) -> list[str]:
    """Replace a group of reports given one by one (``load_group`` of their frames)."""
    items = list(items)
    frames = [i.cells for i in items if i.cells is not None]
    narratives = narrative_frames(
        [(i.report.report_id, i.narrative) for i in items if i.narrative is not None]
    )
    return load_group(con, [i.report for i in items], frames, narratives, refresh=refresh)


def load_group(
    con: duckdb.DuckDBPyConnection,
    reports: Iterable[ReportRecord],
    cells: Sequence[pl.DataFrame] = (),
    narratives: Mapping[str, pl.DataFrame] | None = None,
    refresh: bool = True,
) -> list[str]:
    """Replace a group of reports (their rows, cells, wide rows and narrative facts) in one transaction.

    ``reports``: their records; ``cells``: their tidy frames (any split); ``narratives``:
    ``narrative_frames()`` of their narrative facts. Every report is checked before anything is
    written; each table gets one statement for the whole group (one INSERT of all the cells, one
    derivation of each wide table). A report_id given twice keeps its last record. ``refresh``: recount
    the flags in the same transaction; a nightly load passes False and calls ``views.create_views`` once
    at the end. On any error the transaction rolls back and the warehouse is exactly as before. Returns
    the report_ids, sorted.
    """
    tidy = _tidy_cells(cells)
    counts = {
        report_id: (n, n_null)
        for report_id, n, n_null in tidy.group_by("report_id")
        .agg(pl.len(), pl.col("value").null_count())
        .iter_rows()
    }
    records: dict[str, ReportRecord] = {}
    rows: dict[str, tuple[Any, ...]] = {}
    for record in reports:
        rows[record.report_id] = checked_row(record, *counts.get(record.report_id, (0, 0)))
        records[record.report_id] = record
    if not rows:
        return []
    ids = sorted(rows)
    with_data = [i for i in ids if records[i].status not in NO_DATA_STATUSES]
    incoming = {
        _INCOMING: _warehouse_cells(records, tidy),
        _INCOMING_REPORTS: pl.DataFrame([rows[i] for i in ids], schema=REPORT_ROW_SCHEMA, orient="row"),
        _INCOMING_AGENCIES: agency_frame(r.agency for r in records.values() if r.agency),
    }
    for table, frame in (narratives or narrative_frames([])).items():
        others = set(frame["report_id"].unique().to_list()) - set(ids)
        if others:
            raise ReportLoadError(f"{table} of other reports ({sorted(others)}) in the group of {ids}")
        incoming[f"{_INCOMING}_{table}"] = frame.filter(pl.col("report_id").is_in(with_data))
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
                con.execute(derive_sql(table, _INCOMING))
            for table in NARRATIVE_FACT_TABLES:
                if f"{_INCOMING}_{table}" in incoming:
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {_INCOMING}_{table}")
            con.execute(derive_sql("narrative_readings", _INCOMING))
            if refresh:
                recount_flags(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in incoming:
            con.unregister(name)
    return ids
