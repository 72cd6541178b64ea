"""The review store: analysts' verdicts on flags, cells and reports, kept apart from the warehouse.

The store is a SQLite file beside the warehouse (``reviews.sqlite3``) in WAL mode, append-only (its
triggers refuse UPDATE and DELETE): the desk alone writes it, one short transaction a review. The
nightly writer only reads it (a read-only connection, which WAL never makes wait for a writer) and
copies it into the warehouse's ``review_log`` when it changed, so the warehouse's views show the
reviews as of the last run. A read connection (``read_connection``: the desk, ``gongkai sql``, the
workbook) loads the store's current rows into ``TEMP TABLE review_log``, which the views read instead.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb
import polars as pl

from gongkai.errors import Refusal
from gongkai.load.files import connect

STORE_NAME = "reviews.sqlite3"
VERDICTS = {"confirmed": "确认有误、需整改", "false_positive": "误报", "fixed": "已整改"}
BUSY_TIMEOUT = 5.0  # seconds a desk write waits for another desk write (never for the nightly run)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    review_id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    report_id TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('report', 'flag', 'cell')),
    rule TEXT,
    table_code TEXT,
    row_code TEXT,
    column_code TEXT,
    verdict TEXT NOT NULL CHECK (verdict IN ('confirmed', 'false_positive', 'fixed')),
    note TEXT NOT NULL,
    corrected_value TEXT,
    reviewer TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    seen_value TEXT,
    seen_raw TEXT,
    seen_expected TEXT,
    seen_printed TEXT,
    seen_cells TEXT
);
CREATE INDEX IF NOT EXISTS reviews_by_sha256 ON reviews (sha256);
CREATE TRIGGER IF NOT EXISTS reviews_append_only_update BEFORE UPDATE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only: record a new review instead'); END;
CREATE TRIGGER IF NOT EXISTS reviews_append_only_delete BEFORE DELETE ON reviews
BEGIN SELECT RAISE(ABORT, 'reviews are append-only: record a new review instead'); END;
"""


class BadReview(Refusal, ValueError):
    """A review that names no known report, flag or cell, or no verdict or reviewer."""


@dataclass(frozen=True)
class Review:
    """One row of the store: a verdict on a report, a flag or a cell of one report version, and what
    the reviewer saw there (the figures a re-published version must repeat for the verdict to carry)."""

    review_id: int
    sha256: str
    report_id: str
    target: str
    rule: str | None
    table_code: str | None
    row_code: str | None
    column_code: str | None
    verdict: str
    note: str
    corrected_value: Decimal | None
    reviewer: str
    reviewed_at: datetime
    seen_value: Decimal | None
    seen_raw: str | None
    seen_expected: Decimal | None
    seen_printed: Decimal | None
    seen_cells: str | None


COLUMNS = tuple(f.name for f in fields(Review))
LISTED = [  # what `gongkai review list` shows
    "review_id", "report_id", "target", "rule", "table_code", "row_code", "column_code", "verdict",
    "note", "corrected_value", "reviewer", "reviewed_at",
]  # fmt: skip
_DECIMALS = ("corrected_value", "seen_value", "seen_expected", "seen_printed")
# review_log's DuckDB types (sql/schema.sql); every other column is VARCHAR
_TYPES = {"review_id": pl.Int64, "reviewed_at": pl.Datetime("us")} | dict.fromkeys(
    _DECIMALS, pl.Decimal(38, 6)
)


def store_for(db_path: Path) -> Path:
    """The review store beside a warehouse file."""
    return Path(db_path).with_name(STORE_NAME)


@contextmanager
def _writable(store: Path) -> Iterator[sqlite3.Connection]:
    store.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(store, timeout=BUSY_TIMEOUT, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # a recorded verdict survives a power cut
        db.executescript(_SCHEMA)
        yield db


def _rows(store: Path, where: str = "", parameters: tuple = ()) -> list[tuple]:
    """The store's rows in append order, read on a read-only connection (none: no store yet)."""
    if not Path(store).exists():
        return []
    uri = f"{Path(store).resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)) as db:
        try:
            return db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM reviews {where} ORDER BY review_id", parameters
            ).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _review(row: tuple) -> Review:
    values = dict(zip(COLUMNS, row, strict=True))
    for name in _DECIMALS:
        values[name] = _decimal(values[name])
    values["reviewed_at"] = datetime.fromisoformat(values["reviewed_at"])
    return Review(**values)


def history(store: Path, sha256: str | None = None) -> list[Review]:
    """Every review in the store (of one report version's sha256, or all), in the order recorded."""
    where, parameters = ("WHERE sha256 = ?", (sha256,)) if sha256 else ("", ())
    return [_review(row) for row in _rows(store, where, parameters)]


def frame(store: Path) -> pl.DataFrame:
    """The store's rows as review_log's typed frame (UTC timestamps without zone)."""
    reviews = history(store)
    data = {name: [getattr(r, name) for r in reviews] for name in COLUMNS}
    data["reviewed_at"] = [t.astimezone(UTC).replace(tzinfo=None) for t in data["reviewed_at"]]
    return pl.DataFrame(data, schema={name: _TYPES.get(name, pl.String) for name in COLUMNS})


def load_live(con: duckdb.DuckDBPyConnection, store: Path) -> int:
    """Load the store's current rows into ``TEMP TABLE review_log`` of ``con`` (a read connection,
    sandboxed or not), which the review views then read instead of the nightly snapshot; the count."""
    rows = frame(store)
    con.register("_gongkai_reviews", rows)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE review_log AS SELECT * FROM _gongkai_reviews")
    finally:
        con.unregister("_gongkai_reviews")
    return rows.height


def snapshot(con: duckdb.DuckDBPyConnection, store: Path) -> bool:
    """The nightly writer's copy of the store into the warehouse's ``review_log``, when the store
    holds other rows than the copy (append-only: the same count and last id are the same rows);
    True if it wrote. The store is only read: the desk may be writing it meanwhile."""
    rows = frame(store)
    last = con.execute("SELECT count(*), max(review_id) FROM main.review_log").fetchall()[0]
    if last == (rows.height, rows["review_id"].max()):
        return False
    con.register("_gongkai_reviews", rows)
    try:
        con.execute("DELETE FROM main.review_log")
        con.execute("INSERT INTO main.review_log BY NAME SELECT * FROM _gongkai_reviews")
    finally:
        con.unregister("_gongkai_reviews")
    return True


def read_connection(db_path: Path, sandboxed: bool = True) -> duckdb.DuckDBPyConnection:
    """The warehouse opened read-only (with ``load.export.ANALYST_SETTINGS`` when ``sandboxed``) and the
    current reviews loaded (``load_live``); a store that cannot be read leaves the nightly copy."""
    from gongkai.load.export import ANALYST_SETTINGS

    con = connect(Path(db_path), read_only=True, config=ANALYST_SETTINGS if sandboxed else None)
    try:
        load_live(con, store_for(db_path))
    except sqlite3.Error as error:  # a damaged store: the warehouse's copy of last night, and a warning
        logging.getLogger(__name__).warning("reviews as of the last nightly run only: %s", error)
    except BaseException:
        con.close()
        raise
    return con


_SEEN_FLAG = """
    SELECT expected, printed FROM current_flags
    WHERE report_id = $report_id AND rule = $rule AND table_code IS NOT DISTINCT FROM $table_code
        AND row_code IS NOT DISTINCT FROM $row_code AND column_code IS NOT DISTINCT FROM $column_code
"""
_SEEN_CELL = """
    SELECT value, raw FROM cells
    WHERE report_id = $report_id AND table_code = $table_code AND row_code = $row_code
        AND column_code = $column_code
"""


def _seen(
    con: duckdb.DuckDBPyConnection, target: str, report_id: str, key: dict[str, str | None]
) -> dict[str, object]:
    """What the reviewer sees on the target now: the figures that must stay for the verdict to carry."""
    if target == "report":
        rows = con.execute(
            "SELECT cells_md5 FROM report_digests WHERE report_id = $report_id", {"report_id": report_id}
        ).fetchall()
        return {"seen_cells": rows[0][0] if rows else None}
    if target == "flag":
        rows = con.execute(_SEEN_FLAG, {"report_id": report_id, **key}).fetchall()
        if not rows:
            raise BadReview(f"report {report_id} has no flag {_describe(key)}")
        return {"seen_expected": rows[0][0], "seen_printed": rows[0][1]}
    cell = {k: v for k, v in key.items() if k != "rule"}
    rows = con.execute(_SEEN_CELL, {"report_id": report_id, **cell}).fetchall()
    if not rows:
        raise BadReview(f"report {report_id} has no cell {_describe(key)}")
    return {"seen_value": rows[0][0], "seen_raw": rows[0][1]}


def _describe(key: dict[str, str | None]) -> str:
    return " ".join(f"{k}={v}" for k, v in key.items() if v is not None) or "(the report)"


def _target(rule: str | None, table_code: str | None, row_code: str | None, column_code: str | None) -> str:
    if rule:
        return "flag"
    if table_code and row_code and column_code:
        return "cell"
    if table_code or row_code or column_code:
        raise BadReview("a cell needs its table, row and column (and a flag its rule)")
    return "report"


def _as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise BadReview(f"the corrected value {value!r} is not a number") from None
    if not number.is_finite():
        raise BadReview(f"the corrected value {value!r} is not a number")
    return str(number)


def add(
    store: Path,
    con: duckdb.DuckDBPyConnection,
    report_id: str,
    verdict: str,
    reviewer: str,
    note: str = "",
    corrected_value: Decimal | str | None = None,
    *,
    rule: str | None = None,
    table_code: str | None = None,
    row_code: str | None = None,
    column_code: str | None = None,
    at: datetime | None = None,
) -> Review:
    """Append one review to the store; ``con`` is a read connection on the warehouse, to find the
    report's sha256 and what the reviewer sees on the target. The review is returned as stored."""
    if verdict not in VERDICTS:
        raise BadReview(f"unknown verdict {verdict!r}: one of {', '.join(VERDICTS)}")
    if not reviewer or not reviewer.strip():
        raise BadReview("a review needs the reviewer's name")
    target = _target(rule, table_code, row_code, column_code)
    found = con.execute("SELECT sha256 FROM reports WHERE report_id = ?", [report_id]).fetchall()
    if not found:
        raise BadReview(f"no report {report_id} in the warehouse")
    key = {"rule": rule, "table_code": table_code, "row_code": row_code, "column_code": column_code}
    seen = _seen(con, target, report_id, key)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    seen_text = {k: _as_text(v) if k in _DECIMALS else v for k, v in seen.items()}
    values = dict.fromkeys(COLUMNS[1:]) | key | seen_text
    values |= {
        "sha256": found[0][0],
        "report_id": report_id,
        "target": target,
        "verdict": verdict,
        "note": note or "",
        "corrected_value": _as_text(corrected_value),
        "reviewer": reviewer.strip(),
        "reviewed_at": when.isoformat(timespec="microseconds"),
    }
    names = list(values)
    with _writable(Path(store)) as db:
        cursor = db.execute(
            f"INSERT INTO reviews ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [values[n] for n in names],
        )
        row = db.execute(f"SELECT {', '.join(COLUMNS)} FROM reviews WHERE review_id = ?", [cursor.lastrowid])
        return _review(row.fetchone())
