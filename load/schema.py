"""The warehouse's tables: the schema (sql/schema.sql), the dimensions and flag_rules refreshed on
every open, and the tables derived from cells (sql/derived/), rebuilt when the schema version changes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import polars as pl

from gongkai import agencies, taxonomy
from gongkai.extract import narrative as narrative_facts
from gongkai.load import dictionary
from gongkai.load.reviews import VERDICTS
from gongkai.load.sqlfiles import ViewFile, flag_rules, sql_text

# Bump when the tables derived from cells (sql/derived/) or the narrative tables change: the next
# writable ensure_schema() rebuilds what it can from the cells.
SCHEMA_VERSION = "4"
DERIVED_TABLES = (
    "wide_requests",
    "wide_requests_rows",
    "wide_appeals",
    "wide_active_disclosure",
    "report_digests",
)
NARRATIVE_TABLES = ("narratives", "report_sections", "narrative_figures", "narrative_readings")
AGENCY_SCHEMA = {"agency": pl.String, "agency_kind": pl.String, "label_zh": pl.String}


def agency_frame(names: Iterable[str]) -> pl.DataFrame:
    """The dim_agency rows of some agencies: each with its kind (``agencies.agency_kind``)."""
    rows = [(a, *agencies.agency_kind(a)) for a in sorted(set(names))]
    return pl.DataFrame(rows, schema=AGENCY_SCHEMA, orient="row")


def _flag_rules_frame(views: tuple[ViewFile, ...] | None) -> pl.DataFrame:
    rules = flag_rules(views)
    return pl.DataFrame(
        {
            "rule": [r.rule for r in rules],
            "severity": [r.severity for r in rules],
            "category": [r.category for r in rules],
            "view_name": [r.view_name for r in rules],
            "threshold": [r.threshold for r in rules],
            "label_zh": [r.label_zh for r in rules],
            "description_zh": [r.description_zh for r in rules],
            "sort_order": [r.sort_order for r in rules],
        },
        schema={"threshold": pl.Float64, "sort_order": pl.Int32}
        | dict.fromkeys(
            ("rule", "severity", "category", "view_name", "label_zh", "description_zh"), pl.String
        ),
    )


def _dimension_frames(views: tuple[ViewFile, ...] | None) -> dict[str, pl.DataFrame]:
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
                    "priority": k.priority,
                    "agency_kind": k.agency_kind,
                    "label_zh": k.label_zh,
                    "pattern": k.pattern,
                }
                for k in agencies.kinds()
            ]
        ),
        "flag_rules": _flag_rules_frame(views),
        "dim_verdict": pl.DataFrame(
            [
                {"verdict": verdict, "label_zh": label, "sort_order": i}
                for i, (verdict, label) in enumerate(VERDICTS.items())
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


def ensure_schema(con: duckdb.DuckDBPyConnection, views: tuple[ViewFile, ...] | None = None) -> None:
    """Create the tables (sql/schema.sql) if missing, refresh the dimensions and flag_rules (the rules
    the flag ``views`` declare; the package's by default), and rebuild the tables derived from cells
    when the file comes from an older schema version."""
    before_printed = _has_column(con, "reports", "district_source") and not _has_column(
        con, "reports", "agency_printed"
    )
    _drop_views_now_tables(con)
    con.execute(sql_text("schema.sql"))
    if before_printed:  # the agency and year were the document's first then: the best reading there is
        con.execute("UPDATE reports SET agency_printed = agency, year_printed = year")
    frames = {f"_gongkai_{table}": (table, frame) for table, frame in _dimension_frames(views).items()}
    for name, (_, frame) in frames.items():
        con.register(name, frame)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            readings_before = _metric_cells(con)
            for name, (table, _) in frames.items():
                con.execute(f"DELETE FROM {table}")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
            names = con.execute("SELECT DISTINCT agency FROM reports WHERE agency IS NOT NULL").fetchall()
            con.register("_gongkai_dim_agency", agency_frame(a for (a,) in names))
            con.execute("DELETE FROM dim_agency")
            con.execute("INSERT INTO dim_agency BY NAME SELECT * FROM _gongkai_dim_agency")
            con.unregister("_gongkai_dim_agency")
            version = con.execute("SELECT value FROM warehouse_meta WHERE key = 'schema_version'").fetchall()
            if version != [(SCHEMA_VERSION,)]:
                rebuild_derived(con)
                con.execute(
                    "INSERT OR REPLACE INTO warehouse_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
                )
            elif _metric_cells(con) != readings_before:  # labels/narrative.csv changed what R6 reads
                con.execute("DELETE FROM narrative_readings")
                con.execute(derive_sql("narrative_readings", "cells"))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        for name in frames:
            con.unregister(name)


def _drop_views_now_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop a view whose name is now a table of the schema (agency_peer_metrics was a view first)."""
    tables = {doc.name for doc in dictionary.table_docs()}
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    for (name,) in views:
        if name in tables:
            con.execute(f"DROP VIEW {name}")


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    query = "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?"
    return con.execute(query, [table, column]).fetchall() != [(0,)]


def _metric_cells(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT * FROM dim_narrative_metric_cell ORDER BY ALL").fetchall()


def derive_sql(table: str, relation: str) -> str:
    """sql/derived/<table>.sql reads ``source_cells``: the incoming report's cells, or the cells table."""
    body = sql_text(f"derived/{table}.sql")
    return (
        f"INSERT INTO {table} BY NAME WITH source_cells AS (SELECT * FROM {relation}) SELECT * FROM ({body})"
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: committed when the block ends, rolled back (and the error raised) otherwise."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def refresh_flag_counts(con: duckdb.DuckDBPyConnection) -> None:
    """Recount consistency_flags per report into report_flag_counts, in one transaction, with the other
    tables kept from the views for quick reading: current_flags (the flags themselves) and
    agency_peer_metrics (the peer groups' quartiles and ranks).

    The flags are always computed live by the views; the counts are what district_summary and
    agency_compare need quickly, the rest what the desk's pages need. Every load refreshes them:
    ``load_report`` by default, the nightly load once at the end (``create_views``).
    """
    with transaction(con):
        recount_flags(con)


def recount_flags(con: duckdb.DuckDBPyConnection) -> None:
    has_views = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'consistency_flags'"
    ).fetchall() != [(0,)]
    for table in ("report_flag_counts", "current_flags", "agency_peer_metrics"):
        con.execute(f"DELETE FROM {table}")
    if has_views:  # a warehouse whose views are not created yet has nothing to count
        con.execute("INSERT INTO current_flags BY NAME SELECT * FROM consistency_flags")
        body = sql_text("derived/report_flag_counts.sql")
        con.execute(f"INSERT INTO report_flag_counts BY NAME SELECT * FROM ({body})")
        body = sql_text("derived/agency_peer_metrics.sql")
        con.execute(
            f"INSERT INTO agency_peer_metrics BY NAME SELECT * FROM ({body})"
            " ORDER BY year NULLS LAST, district NULLS LAST, agency NULLS LAST, report_id, metric_order"
        )


def rebuild_derived(con: duckdb.DuckDBPyConnection, tables: Iterable[str] | None = None) -> None:
    """Rebuild the tables derived from cells (sql/derived/; all of them by default) from the whole cells
    table: the wide tables and the narrative figures' readings."""
    for table in tables or (*DERIVED_TABLES, "narrative_readings"):
        con.execute(f"DELETE FROM {table}")
        con.execute(derive_sql(table, "cells"))
