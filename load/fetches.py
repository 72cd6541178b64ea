"""The ``fetches`` log: what every HTTP fetch returned, and the validators for the next conditional GET."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import duckdb
import polars as pl

from gongkai.model import Fetched, Previous

COLUMNS = (
    "url",
    "outcome",
    "status",
    "final_url",
    "sha256",
    "bytes",
    "etag",
    "last_modified",
    "content_type",
    "error",
    "parent_url",
    "fetched_at",
    "attempts",
)
SCHEMA = {
    "url": pl.String,
    "outcome": pl.String,
    "status": pl.Int32,
    "final_url": pl.String,
    "sha256": pl.String,
    "bytes": pl.Int64,
    "etag": pl.String,
    "last_modified": pl.String,
    "content_type": pl.String,
    "error": pl.String,
    "parent_url": pl.String,
    "fetched_at": pl.Datetime("us"),
    "attempts": pl.Int32,
}


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(resources.files("gongkai.sql").joinpath("fetches.sql").read_text(encoding="utf-8"))


def record(con: duckdb.DuckDBPyConnection, fetched: Iterable[Fetched]) -> int:
    """Append the fetch records (sorted by URL, so the log is deterministic for the same answers)."""
    rows = sorted((f.record() for f in fetched), key=lambda r: (r["url"], r["fetched_at"]))
    if not rows:
        return 0
    for row in rows:
        row["fetched_at"] = row["fetched_at"].replace(tzinfo=None)
    frame = pl.DataFrame(rows, schema=SCHEMA)
    ensure_table(con)
    con.register("_gongkai_fetches", frame)
    try:
        names = ", ".join(COLUMNS)
        con.execute(f"INSERT INTO fetches ({names}) SELECT {names} FROM _gongkai_fetches")
    finally:
        con.unregister("_gongkai_fetches")
    return len(rows)


def previous(db_path: Path) -> dict[str, Previous]:
    """Per URL, the last fetch that produced a body: its validators and the body's hash."""
    if not Path(db_path).exists():
        return {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'fetches'"
        ).fetchall()[0][0]
        if not found:
            return {}
        rows = con.execute(
            """
            SELECT url, etag, last_modified, sha256 FROM fetches
            WHERE outcome IN ('downloaded', 'not_modified') AND sha256 IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) = 1
            """
        ).fetchall()
    finally:
        con.close()
    return {url: Previous(etag, last_modified, sha) for url, etag, last_modified, sha in rows}
