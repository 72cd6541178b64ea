"""Read-only access for analysts: ad-hoc queries, the consistency flags and CSV exports."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from gongkai.load.warehouse import connect

_FLAG_ORDER = """
    SELECT f.*
    FROM consistency_flags AS f
    LEFT JOIN dim_table AS t ON t.table_code = f.table_code
    LEFT JOIN dim_row AS r ON r.table_code = f.table_code AND r.row_code = f.row_code
    LEFT JOIN dim_column AS c ON c.table_code = f.table_code AND c.column_code = f.column_code
    WHERE $year IS NULL OR f.year = $year
    ORDER BY f.year NULLS LAST, f.district NULLS LAST, f.agency NULLS LAST, f.report_id,
        t.sort_order, r.sort_order NULLS FIRST, c.sort_order, f.rule
"""


def _read(db_path: Path, sql: str, parameters: dict[str, object] | None = None) -> pl.DataFrame:
    con = connect(Path(db_path), read_only=True)
    try:
        relation = con.sql(sql, params=parameters)
        return pl.DataFrame() if relation is None else relation.pl()
    finally:
        con.close()


def query(db_path: Path, sql: str) -> pl.DataFrame:
    """Run one SQL query on the warehouse opened read-only."""
    return _read(db_path, sql)


def flags(db_path: Path, year: int | None = None) -> pl.DataFrame:
    """The consistency flags of current reports (of one data year, or all), in a fixed order."""
    return _read(db_path, _FLAG_ORDER, {"year": year})


def plain_numbers(frame: pl.DataFrame) -> pl.DataFrame:
    """DECIMAL columns as plain numbers without trailing zeros (9.000000 -> 9, 8.500000 -> 8.5)."""
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    return frame.with_columns(
        pl.col(decimals).cast(pl.String).str.replace(r"(\.\d*?)0+$", "${1}").str.replace(r"\.$", "")
    )


def export_district_summary(db_path: Path, out_path: Path, year: int | None = None) -> Path:
    """Write district_summary (one year, or all) as CSV, UTF-8 with BOM for Excel; returns the path.

    Sorted by year and district, so the same warehouse gives a byte-identical file.
    """
    frame = _read(
        db_path,
        "SELECT * FROM district_summary WHERE $year IS NULL OR year = $year "
        "ORDER BY year NULLS LAST, district NULLS LAST",
        {"year": year},
    )
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    plain_numbers(frame).write_csv(out_path, include_bom=True)
    return out_path
