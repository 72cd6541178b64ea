"""Read-only access for analysts: ad-hoc queries, the consistency flags, comparisons and exports.

Exports are deterministic (the same warehouse gives byte-identical files):

- CSV: UTF-8 with a BOM (so that Excel shows the Chinese), numbers as plain decimals (9, 8.5), and a
  text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return prefixed with ``'`` so
  that Excel shows it instead of running it as a formula.
- Parquet: one folder per data year (``year=2024/data.parquet``; ``year=__HIVE_DEFAULT_PARTITION__`` for
  an unknown year), typed columns, readable with ``pl.read_parquet(folder, hive_partitioning=True)``.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import duckdb
import polars as pl

from gongkai.errors import Refusal
from gongkai.load import reviews
from gongkai.load.files import connect

BOM = b"\xef\xbb\xbf"
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
FORMULA_START = r"^[=+\-@\t\r]"  # what Excel may take for the start of a formula

_FLAG_ORDER = """
    SELECT f.*
    FROM consistency_flags AS f
    LEFT JOIN dim_table AS t ON t.table_code = f.table_code
    LEFT JOIN dim_row AS r ON r.table_code = f.table_code AND r.row_code = f.row_code
    LEFT JOIN dim_column AS c ON c.table_code = f.table_code AND c.column_code = f.column_code
    WHERE $year IS NULL OR f.year = $year
    ORDER BY f.year NULLS LAST, f.district NULLS LAST, f.agency NULLS LAST, f.report_id,
        t.sort_order, r.sort_order NULLS FIRST, c.sort_order, f.rule, f.row_code, f.column_code, f.cells
"""
_DISTRICTS = """
    SELECT * FROM district_summary WHERE $year IS NULL OR year = $year
    ORDER BY year NULLS LAST, district NULLS LAST
"""
# The tidy rows of current reports: the parse contract's table,row,column,value with where they come from.
_CELLS = """
    SELECT
        report_id, agency, district, year, format,
        table_code AS "table", row_code AS "row", column_code AS "column", value,
        raw, is_blank, annotation, page, line, row_label_zh, column_label_zh
    FROM stg_cells
    WHERE $year IS NULL OR year = $year
    ORDER BY year NULLS LAST, district NULLS LAST, agency NULLS LAST, report_id, cell_order
"""
EXPORTS = {"districts": _DISTRICTS, "cells": _CELLS}


# An analyst's query reads the warehouse and nothing else: no file (COPY, read_csv, ATTACH), no
# extension, and settings locked so that the query cannot lift them.
ANALYST_SETTINGS = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
QUERY_TIMEOUT = 300.0  # seconds an analyst's query may run


class QueryTimeout(Refusal, RuntimeError):
    """An analyst's query ran longer than its time limit and was stopped."""


def _read(
    db_path: Path,
    sql: str,
    parameters: dict[str, object] | None = None,
    timeout: float | None = None,
) -> pl.DataFrame:
    con = reviews.read_connection(Path(db_path))
    timer = threading.Timer(timeout, con.interrupt) if timeout else None
    try:
        if timer:
            timer.start()
        relation = con.sql(sql, params=parameters)
        return pl.DataFrame() if relation is None else relation.pl()
    except duckdb.InterruptException:
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped") from None
    finally:
        if timer:
            timer.cancel()
        con.close()


def query(db_path: Path, sql: str, timeout: float | None = QUERY_TIMEOUT) -> pl.DataFrame:
    """Run one SQL query on the warehouse, read-only and sandboxed (``ANALYST_SETTINGS``), stopped after
    ``timeout`` seconds."""
    return _read(db_path, sql, timeout=timeout)


def flags(db_path: Path, year: int | None = None) -> pl.DataFrame:
    """The consistency flags of current reports (of one data year, or all), in a fixed order."""
    return _read(db_path, _FLAG_ORDER, {"year": year})


def plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """DECIMAL columns as plain numbers without trailing zeros (9.000000 -> 9, 8.500000 -> 8.5)."""
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    return frame.with_columns(
        pl.col(decimals).cast(pl.String).str.replace(r"(\.\d*?)0+$", "${1}").str.replace(r"\.$", "")
    )


def for_spreadsheet(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as the CSV exports write it: plain decimals, and ``'`` before a text cell that Excel
    could run as a formula (numbers, even negative ones, stay as they are)."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    formula = pl.col(text).str.contains(FORMULA_START)
    return plain_numbers(frame).with_columns(
        pl.when(formula).then(pl.lit("'") + pl.col(text)).otherwise(pl.col(text)).name.keep()
    )


def excel_csv(frame: pl.DataFrame) -> bytes:
    """``frame`` as CSV for Excel: UTF-8 with a BOM, numbers plain, formulas neutralised."""
    return BOM + for_spreadsheet(frame).write_csv().encode("utf-8")


def _spreadsheet_select(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, object]) -> str:
    """``sql`` wrapped so that decimals print plainly and text cannot run as a formula in Excel."""
    relation = con.sql(sql, params=parameters)
    columns = []
    for name, dtype in zip(relation.columns, relation.types, strict=True):
        quoted = '"' + name.replace('"', '""') + '"'
        kind = str(dtype).upper()
        if kind.startswith("DECIMAL"):
            columns.append(f"gk_num({quoted}) AS {quoted}")
        elif kind == "VARCHAR":
            columns.append(
                f"CASE WHEN regexp_matches({quoted}, '{FORMULA_START}') THEN '''' || {quoted}"
                f" ELSE {quoted} END AS {quoted}"
            )
        else:
            columns.append(quoted)
    return f"SELECT {', '.join(columns)} FROM ({sql})"


def _literal(parameters: dict[str, object], sql: str) -> str:
    """COPY takes no prepared parameters: the year (an int or None) written into the query."""
    year = parameters.get("year")
    if year is not None and not isinstance(year, int):
        raise TypeError("year must be an integer")
    return sql.replace("$year", "NULL" if year is None else str(int(year)))


def write_csv(db_path: Path, sql: str, out_path: Path, parameters: dict[str, object] | None = None) -> Path:
    """Write the rows of ``sql`` as CSV for Excel (UTF-8 with BOM, formulas neutralised), atomically."""
    parameters = parameters or {}
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    body = out_path.with_name(out_path.name + ".body")
    partial = out_path.with_name(out_path.name + ".partial")
    con = connect(Path(db_path), read_only=True)
    try:
        select = _spreadsheet_select(con, _literal(parameters, sql), {})
        con.execute(f"COPY ({select}) TO '{_path_literal(body)}' (FORMAT csv, HEADER)")
    finally:
        con.close()
    try:
        with partial.open("wb") as out, body.open("rb") as rows:
            out.write(BOM)
            shutil.copyfileobj(rows, out, 1 << 20)
        os.replace(partial, out_path)
    finally:
        body.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return out_path


def write_parquet(
    db_path: Path, sql: str, out_dir: Path, parameters: dict[str, object] | None = None
) -> Path:
    """Write the rows of ``sql`` as Parquet, one folder per data year (hive style), replacing ``out_dir``."""
    parameters = parameters or {}
    out_dir = Path(out_dir)
    building = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    con = connect(Path(db_path), read_only=True)
    try:
        query_sql = _literal(parameters, sql)
        years = [r[0] for r in con.execute(f"SELECT DISTINCT year FROM ({query_sql}) ORDER BY 1").fetchall()]
        for year in years:
            folder = building / f"year={HIVE_NULL if year is None else year}"
            folder.mkdir()
            where = "year IS NULL" if year is None else f"year = {int(year)}"
            con.execute(
                f"COPY (SELECT * EXCLUDE (year) FROM ({query_sql}) WHERE {where}) "
                f"TO '{_path_literal(folder / 'data.parquet')}' (FORMAT parquet, COMPRESSION zstd)"
            )
    finally:
        con.close()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    os.replace(building, out_dir)
    return out_dir


def _path_literal(path: Path) -> str:
    return str(path).replace("'", "''")


def export(
    db_path: Path,
    what: str,
    csv_path: Path | None = None,
    parquet_dir: Path | None = None,
    year: int | None = None,
) -> list[Path]:
    """Export ``districts`` (district_summary) or ``cells`` (the tidy rows) as CSV and/or Parquet."""
    sql = EXPORTS[what]
    written = []
    if csv_path is not None:
        written.append(write_csv(db_path, sql, csv_path, {"year": year}))
    if parquet_dir is not None:
        written.append(write_parquet(db_path, sql, parquet_dir, {"year": year}))
    return written


def export_district_summary(db_path: Path, out_path: Path, year: int | None = None) -> Path:
    """Write district_summary (one year, or all) as CSV, UTF-8 with BOM for Excel; returns the path.

    Sorted by year and district, so the same warehouse gives a byte-identical file.
    """
    return write_csv(db_path, _DISTRICTS, out_path, {"year": year})


def compare(db_path: Path, year: int, district: str | None = None, kind: str | None = None) -> pl.DataFrame:
    """agency_compare for one year turned on its side: one row per figure, one column per agency."""
    frame = _read(
        db_path,
        "SELECT * FROM agency_compare WHERE year = $year"
        " AND ($district IS NULL OR district = $district)"
        " AND ($kind IS NULL OR agency_kind = $kind OR agency_kind_label_zh LIKE '%' || $kind || '%')",
        {"year": year, "district": district, "kind": kind},
    )
    if frame.is_empty():
        return pl.DataFrame({"figure": []}, schema={"figure": pl.String})
    names = [
        f"{agency or '（未知）'}·{report_id[:6]}" if duplicated else (agency or f"（未知）{report_id[:6]}")
        for agency, report_id, duplicated in zip(
            frame["agency"],
            frame["report_id"],
            frame["agency"].is_duplicated(),
            strict=True,
        )
    ]
    values = plain_numbers(frame).drop("year", "agency").cast(pl.String)
    figures = values.columns
    return pl.DataFrame(
        {"figure": figures, **{name: values.row(i) for i, name in enumerate(names)}},
        schema={"figure": pl.String, **dict.fromkeys(names, pl.String)},
    )
