"""The group load: a group of reports (records, tidy cells, narrative facts) replaced in one transaction.

Every report is checked first (its record, its cells' types, values and codes): one that fails is
stored as ``failed`` with the reason. Then each table gets one statement for the whole group, which is
what makes a nightly load of thousands of reports fast; a group the database still refuses is loaded
report by report.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from gongkai import taxonomy
from gongkai.extract.narrative import NarrativeFacts
from gongkai.load import sources
from gongkai.load.records import (
    NO_DATA_STATUSES,
    REPORT_ROW_SCHEMA,
    ReportLoadError,
    ReportRecord,
    check_identity,
    contract_breach,
    report_row,
)
from gongkai.load.schema import (
    DERIVED_TABLES,
    NARRATIVE_TABLES,
    agency_frame,
    derive_sql,
    recount_flags,
    transaction,
)
from gongkai.transform.cells import TIDY_SCHEMA

_log = logging.getLogger(__name__)
_WAREHOUSE_NAMES = {"table": "table_code", "row": "row_code", "column": "column_code"}
CELL_COLUMNS = tuple(_WAREHOUSE_NAMES.get(name, name) for name in TIDY_SCHEMA)
_INCOMING = "_gongkai_incoming_cells"
_INCOMING_REPORTS = "_gongkai_incoming_reports"
_INCOMING_AGENCIES = "_gongkai_incoming_agencies"
_INCOMING_SOURCES = "_gongkai_incoming_sources"
_INSERT_CELLS = (
    f"INSERT INTO cells ({', '.join(CELL_COLUMNS)}) SELECT {', '.join(CELL_COLUMNS)} FROM {_INCOMING}"
)
NARRATIVE_FACT_TABLES = ("narratives", "report_sections", "narrative_figures")
_FACT_KEYS = {
    "narratives": ["report_id"],
    "report_sections": ["report_id", "section_code"],
    "narrative_figures": ["report_id", "ordinal"],
}
DECIMAL_LIMIT = 10**12  # DECIMAL(18, 6) holds values below 10^12 in magnitude
NOT_LOADED = "not loaded: "  # the start of the error of a report the loader stored as failed
# errors of the data a statement writes (a value out of range, a duplicate key): a report's fault
REPORT_DATA_ERRORS = (duckdb.DataError, duckdb.IntegrityError, duckdb.InvalidInputException)
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


def _tidy_cells(frames: Sequence[pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, str]]:
    """The frames as one frame of ``TIDY_SCHEMA``, and the reports whose cells do not fit its types."""
    for cells in frames:
        missing = [c for c in TIDY_SCHEMA if c not in cells.columns]
        if missing:
            raise ReportLoadError(f"cells frame lacks {', '.join(missing)}")
    if not frames:
        return pl.DataFrame(schema=TIDY_SCHEMA), {}
    given = pl.concat([f.select(list(TIDY_SCHEMA)) for f in frames], how="diagonal_relaxed")
    typed = given.cast(TIDY_SCHEMA, strict=False)
    unfit: dict[str, str] = {}
    for name, kind in list(TIDY_SCHEMA.items())[1:]:  # after report_id
        lost = given.filter(typed[name].is_null() & given[name].is_not_null())
        for report_id, value in lost.select("report_id", name).unique("report_id", keep="first").iter_rows():
            unfit.setdefault(report_id, f"cell {name} {value!r} is not of type {kind}")
    return typed, unfit


def _cell_faults(tidy: pl.DataFrame) -> dict[str, str]:
    """Why some reports' cells cannot be stored (report_id → the first reason in words)."""
    faults: dict[str, str] = {}
    keys = ["report_id", "table", "row", "column"]
    grid = pl.DataFrame(
        [(c.table, c.row, c.column) for c in taxonomy.cells()],
        schema={"table": pl.String, "row": pl.String, "column": pl.String},
        orient="row",
    ).unique()
    checks = (
        (
            tidy.filter(~pl.col("value").is_finite() | (pl.col("value").abs() >= DECIMAL_LIMIT)),
            "prints {raw!r} as {value}, beyond what DECIMAL(18, 6) holds (less than 10^12)",
        ),
        (tidy.join(grid, on=["table", "row", "column"], how="anti"), "is not in the taxonomy"),
        (tidy.filter(pl.len().over(keys) > 1), "is given twice"),
    )
    for bad, why in checks:
        for cell in bad.unique("report_id", keep="first", maintain_order=True).iter_rows(named=True):
            where = f"{cell['table']}.{cell['row']}.{cell['column']}"
            faults.setdefault(cell["report_id"], f"cell {where} " + why.format(**cell))
    return faults


def _figure_faults(narratives: Mapping[str, pl.DataFrame]) -> dict[str, str]:
    figures = narratives.get("narrative_figures")
    if figures is None:
        return {}
    bad = figures.filter(pl.col("value").abs() >= DECIMAL_LIMIT).unique("report_id", keep="first")
    return {
        i: f"narrative figure {metric} {value} is beyond what DECIMAL(18, 6) holds"
        for i, metric, value in bad.select("report_id", "metric", "value").iter_rows()
    }


def _one_per_report(
    reports: Iterable[ReportRecord],
) -> tuple[dict[str, ReportRecord], list[ReportRecord]]:
    """The record of each report_id (of its smallest source; the last given of a source), and every
    record given (the report's sources)."""
    given = list(reports)
    for record in given:
        check_identity(record)
    chosen: dict[str, ReportRecord] = {}
    for record in sorted(reversed(given), key=lambda r: (r.source is None, r.source or "")):
        chosen.setdefault(record.report_id, record)
    return chosen, given


def _of_chosen_sources(
    tidy: pl.DataFrame,
    narratives: Mapping[str, pl.DataFrame],
    chosen: Mapping[str, ReportRecord],
    twice: set[str],
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """The cells and narrative facts of reports given more than once (``twice``): their chosen source's."""
    if not twice:
        return tidy, dict(narratives)
    keys = ["report_id", "table", "row", "column"]
    picked = pl.DataFrame(
        [(i, chosen[i].source) for i in sorted(twice)],
        schema={"report_id": pl.String, "source_file": pl.String},
        orient="row",
    )
    repeated = pl.col("report_id").is_in(sorted(twice))
    own = pl.col("source_file") == pl.col("report_id").replace_strict(
        picked["report_id"], picked["source_file"], default=None
    )
    kept = tidy.filter(repeated).filter(own.fill_null(False) | ~own.fill_null(False).any().over("report_id"))
    cells = pl.concat([tidy.filter(~repeated), kept.unique(keys, keep="first", maintain_order=True)])
    facts = {
        table: pl.concat(
            [
                frame.filter(~repeated),
                frame.filter(repeated).unique(_FACT_KEYS[table], keep="first", maintain_order=True),
            ]
        )
        for table, frame in narratives.items()
    }
    return cells, facts


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
    """Replace a group of reports (their rows, sources, cells, wide rows and narrative facts) in one
    transaction; one bad report never fails the group.

    ``reports``: their records; ``cells``: their tidy frames (any split); ``narratives``:
    ``narrative_frames()`` of their narrative facts. Every report is checked first: a record that breaks
    the load contract, or whose cells or figures the warehouse cannot hold (a value beyond DECIMAL(18,
    6), a cell outside the taxonomy, the same cell twice), is stored as a ``failed`` report that says
    why, without cells. The same report given from several sources is loaded once, from its smallest
    source, and every source is recorded (report_sources). Each table gets one statement for the whole
    group; if one still fails on the data, the group is loaded report by report and a report that
    fails alone is stored as failed with the database's reason. ``refresh``: recount the flags in the
    same transaction; a nightly load passes False and calls ``views.create_views`` once at the end. Any
    other error (the warehouse itself) rolls the transaction back, leaves the warehouse exactly as
    before and is raised. Returns the report_ids, sorted.
    """
    chosen, given = _one_per_report(reports)
    if not chosen:
        return []
    tidy, faults = _tidy_cells(cells)
    narratives = dict(narratives or narrative_frames([]))
    ids = sorted(chosen)
    for table, frame in narratives.items():
        others = set(frame["report_id"].unique().to_list()) - set(ids)
        if others:
            raise ReportLoadError(f"{table} of other reports ({sorted(others)}) in the group of {ids}")
    twice = {i for i, n in Counter(r.report_id for r in given).items() if n > 1}
    tidy, narratives = _of_chosen_sources(tidy, narratives, chosen, twice)
    counts = dict(tidy.group_by("report_id").len().iter_rows())
    faults = {**_figure_faults(narratives), **_cell_faults(tidy), **faults}
    for report_id, record in chosen.items():
        breach = contract_breach(record, counts.get(report_id, 0))
        if breach:
            faults.setdefault(report_id, f"the record breaks the load contract: {breach}")
    group = _Group(chosen, given, tidy, narratives).failing(
        {i: NOT_LOADED + why for i, why in faults.items()}
    )
    try:
        _write(con, group, refresh)
    except REPORT_DATA_ERRORS as error:
        for report_id in ids:
            try:
                _write(con, group.only(report_id), refresh)
            except REPORT_DATA_ERRORS as alone:
                reason = f"{NOT_LOADED}the warehouse refused it ({type(alone).__name__}: {alone})"
                _write(con, group.only(report_id).failing({report_id: reason}), refresh)
        _log.warning("group of %d reports loaded one by one: %s", len(ids), error)
    return ids


def load_failures(con: duckdb.DuckDBPyConnection, report_ids: Iterable[str]) -> dict[str, str]:
    """Source → reason, for the reports among ``report_ids`` that the loader stored as failed."""
    rows = con.execute(
        "SELECT coalesce(source, report_id), error FROM reports"
        " WHERE report_id IN (SELECT unnest(?)) AND starts_with(error, ?) ORDER BY 1",
        [sorted(report_ids), NOT_LOADED],
    ).fetchall()
    return {source: f"failed: {error}" for source, error in rows}


@dataclass(frozen=True)
class _Group:
    """What one load transaction writes: each report's record, every record given (its sources), the
    cells and the narrative facts."""

    records: dict[str, ReportRecord]
    given: list[ReportRecord]
    cells: pl.DataFrame
    narratives: dict[str, pl.DataFrame]

    def failing(self, reasons: Mapping[str, str]) -> _Group:
        """The group with these reports stored as failed (the reason as their error), without data."""
        if not reasons:
            return self
        dropped = pl.col("report_id").is_in(sorted(reasons))
        records = {i: r.failed(reasons[i]) if i in reasons else r for i, r in self.records.items()}
        facts = {table: frame.filter(~dropped) for table, frame in self.narratives.items()}
        return _Group(records, self.given, self.cells.filter(~dropped), facts)

    def only(self, report_id: str) -> _Group:
        mine = pl.col("report_id") == report_id
        return _Group(
            {report_id: self.records[report_id]},
            [r for r in self.given if r.report_id == report_id],
            self.cells.filter(mine),
            {table: frame.filter(mine) for table, frame in self.narratives.items()},
        )


def _write(con: duckdb.DuckDBPyConnection, group: _Group, refresh: bool) -> None:
    ids = sorted(group.records)
    counts = {
        report_id: (n, n_null)
        for report_id, n, n_null in group.cells.group_by("report_id")
        .agg(pl.len(), pl.col("value").null_count())
        .iter_rows()
    }
    rows = [report_row(group.records[i], *counts.get(i, (0, 0))) for i in ids]
    with_data = [i for i in ids if group.records[i].status not in NO_DATA_STATUSES]
    listed = [(r.report_id, r.source, r.catalog) for r in group.given if r.source is not None]
    incoming = {
        _INCOMING: _warehouse_cells(group.records, group.cells),
        _INCOMING_REPORTS: pl.DataFrame(rows, schema=REPORT_ROW_SCHEMA, orient="row"),
        _INCOMING_AGENCIES: agency_frame(r.agency for r in group.records.values() if r.agency),
        _INCOMING_SOURCES: sources.sources_frame(listed, min(r.extracted_at for r in group.given)),
    }
    for table, frame in group.narratives.items():
        incoming[f"{_INCOMING}_{table}"] = frame.filter(pl.col("report_id").is_in(with_data))
    for name, frame in incoming.items():
        con.register(name, frame)
    try:
        with transaction(con):
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
            sources.record_sources(con, _INCOMING_SOURCES)
            sources.resettle(con, _INCOMING_REPORTS)
            if refresh:
                recount_flags(con)
    finally:
        for name in incoming:
            con.unregister(name)
