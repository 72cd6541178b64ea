"""report_sources: every place a report was listed, and the catalog's authority over loaded reports.

The same bytes listed twice (in the catalog, or at two URLs) are one report with several sources; the
report's ``source`` is the smallest, and its agency, district and year are what the catalog says of
that source, the document filling what the catalog leaves empty (``agencies.resolve``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from gongkai.agencies import Reading, resolve
from gongkai.load.records import utc_naive
from gongkai.load.schema import agency_frame, recount_flags, transaction

SOURCE_SCHEMA = {
    "report_id": pl.String,
    "source": pl.String,
    "agency": pl.String,
    "district": pl.String,
    "year": pl.Int32,
    "first_seen": pl.Datetime("us"),
}
_RESETTLED = "_gongkai_resettled"
_LISTED = "_gongkai_listed"


@dataclass(frozen=True)
class Listed:
    """A catalog line whose bytes are known tonight: where, the sha256 of the bytes, what the catalog says."""

    source: str
    sha256: str
    catalog: Reading


def sources_frame(rows: Iterable[tuple[str, str, Reading]], seen: datetime | None = None) -> pl.DataFrame:
    """report_sources rows of (report_id, source, what the catalog says there), first seen ``seen``."""
    at = utc_naive(seen)
    data = [(i, s, c.agency, c.district, c.year, at) for i, s, c in rows]
    frame = pl.DataFrame(data, schema=SOURCE_SCHEMA, orient="row")
    return frame.unique(subset=["report_id", "source"], keep="last", maintain_order=True)


def record_sources(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    """Add or update the report_sources rows of ``relation`` (``SOURCE_SCHEMA``); first_seen is kept."""
    con.execute(
        f"INSERT INTO report_sources BY NAME SELECT * FROM {relation} "
        "ON CONFLICT (report_id, source) DO UPDATE SET "
        "agency = excluded.agency, district = excluded.district, year = excluded.year"
    )


def resettle(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Give the reports of ``relation`` (a report_id column) their smallest source and the agency,
    district and year the catalog says of it (``agencies.resolve``), in reports and cells; returns the
    report_ids changed, sorted. Runs inside the caller's transaction."""
    rows = con.execute(
        f"""
        WITH first_source AS (
            SELECT * FROM report_sources
            WHERE report_id IN (SELECT report_id FROM {relation})
            QUALIFY row_number() OVER (PARTITION BY report_id ORDER BY source) = 1
        )
        SELECT r.report_id, r.source, r.agency, r.district, r.district_source, r.year,
               s.source, s.agency, s.district, s.year, r.agency_printed, r.district_printed, r.year_printed
        FROM reports AS r JOIN first_source AS s USING (report_id)
        ORDER BY r.report_id
        """
    ).fetchall()
    changed = []
    for report_id, *now, source, c_agency, c_district, c_year, p_agency, p_district, p_year in rows:
        who = resolve(Reading(c_agency, c_district, c_year), Reading(p_agency, p_district, p_year))
        settled = [source, who.agency, who.district, who.district_source, who.year]
        if settled != now:
            changed.append((report_id, *settled))
    if not changed:
        return []
    frame = pl.DataFrame(
        changed,
        schema={
            "report_id": pl.String,
            "source": pl.String,
            "agency": pl.String,
            "district": pl.String,
            "district_source": pl.String,
            "year": pl.Int32,
        },
        orient="row",
    )
    con.register(_RESETTLED, frame)
    try:
        con.execute(
            f"UPDATE reports SET source = n.source, agency = n.agency, district = n.district,"
            f" district_source = n.district_source, year = n.year"
            f" FROM {_RESETTLED} AS n WHERE reports.report_id = n.report_id"
        )
        con.execute(
            f"UPDATE cells SET agency = n.agency, district = n.district, year = n.year"
            f" FROM {_RESETTLED} AS n WHERE cells.report_id = n.report_id"
        )
        con.register(f"{_RESETTLED}_agencies", agency_frame(a for a in frame["agency"].drop_nulls()))
        con.execute(f"INSERT OR REPLACE INTO dim_agency BY NAME SELECT * FROM {_RESETTLED}_agencies")
    finally:
        con.unregister(_RESETTLED)
        con.unregister(f"{_RESETTLED}_agencies")
    return frame["report_id"].to_list()


def apply_catalog(
    con: duckdb.DuckDBPyConnection, listed: Iterable[Listed], refresh: bool = True
) -> list[str]:
    """Apply tonight's catalog to the reports already in the warehouse, without extracting anything.

    ``listed``: every catalog line whose bytes are known (a source of an unchanged report too). Each
    line whose bytes are a loaded report becomes (or updates) a report_sources row; the reports whose
    smallest source or whose catalog reading changed get their new agency, district and year (reports,
    cells, dim_agency), and the flags are recounted (``refresh``), all in one transaction. Returns the
    report_ids changed, sorted.
    """
    frame = sources_frame((item.sha256[:16], item.source, item.catalog) for item in listed)
    con.register(_LISTED, frame)
    try:
        with transaction(con):
            record_sources(
                con, f"(SELECT * FROM {_LISTED} WHERE report_id IN (SELECT report_id FROM reports))"
            )
            changed = resettle(con, _LISTED)
            if changed and refresh:
                recount_flags(con)
    finally:
        con.unregister(_LISTED)
    return changed
