"""The review store: append-only verdicts beside the warehouse, their views, and carrying them to a
re-published version of the same report where the reviewed figures are unchanged."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from gongkai.flows import writer
from gongkai.load import export, files, reviews
from tests.conftest import Loader, SeedBuilder

GRANTED = ("requests", "granted", "natural_person")  # seed 001 prints 8
NEW = ("requests", "new", "natural_person")
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
V1, V2, V3 = "a" * 64, "b" * 64, "c" * 64


def flag_key(rule: str) -> dict[str, str | None]:
    """R3 on （一）予以公开: the 总计 column (8) ≠ the sum of the applicant columns (7)."""
    return {"rule": rule, "table_code": "requests", "row_code": "granted", "column_code": "total"}


def live(db: Path, sql: str) -> list[tuple]:
    con = reviews.read_connection(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def versions(con: duckdb.DuckDBPyConnection, seed: SeedBuilder, load: Loader, tmp_path: Path) -> Path:
    """Version 1 of seed 001 with （一）予以公开 自然人 printed 7 (R2, R3 raised), loaded and closed."""
    load(con, seed({GRANTED: "7"}, sha256=V1))
    con.close()
    return tmp_path / "warehouse.duckdb"


def review(db: Path, sha: str, verdict: str, at: datetime, **target: str | None) -> reviews.Review:
    con = files.connect(db, read_only=True)
    try:
        return reviews.add(
            reviews.store_for(db), con, sha[:16], verdict, "王审核", "请更正", "8", at=at, **target
        )
    finally:
        con.close()


def test_a_review_is_appended_beside_the_warehouse_and_never_changed(versions: Path) -> None:
    first = review(versions, V1, "confirmed", AT, **flag_key("R3"))
    later = review(versions, V1, "fixed", AT + timedelta(days=3), **flag_key("R3"))
    store = reviews.store_for(versions)
    assert store == versions.parent / "reviews.sqlite3"
    assert (first.target, first.seen_expected, first.seen_printed) == ("flag", Decimal(7), Decimal(8))
    assert first.corrected_value == Decimal(8)
    assert reviews.history(store) == [first, later]
    db = sqlite3.connect(store)
    for change in ("UPDATE reviews SET verdict = 'false_positive'", "DELETE FROM reviews"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(change)
    db.close()
    rows = live(versions, "SELECT rule, review_state, verdict_zh, carried FROM flag_reviews ORDER BY rule")
    assert rows == [("R2", "open", None, None), ("R3", "fixed", "已整改", False)]
    # the warehouse file itself shows the reviews only from the next nightly copy
    plain = files.connect(versions, read_only=True)
    assert plain.execute("SELECT count(*) FROM review_log").fetchall() == [(0,)]
    plain.close()
    with files.writing(versions) as writer:
        assert reviews.snapshot(writer, store)
    with files.writing(versions) as writer:
        assert not reviews.snapshot(writer, store)  # nothing new: the file is not rewritten
    plain = files.connect(versions, read_only=True)
    assert plain.execute("SELECT verdict, n_reviews FROM review_current").fetchall() == [("fixed", 2)]
    plain.close()


def test_a_review_names_a_real_flag_or_cell(versions: Path) -> None:
    with pytest.raises(reviews.BadReview, match="no flag"):
        review(versions, V1, "confirmed", AT, **flag_key("R1"))
    with pytest.raises(reviews.BadReview, match="unknown verdict"):
        review(versions, V1, "maybe", AT)
    with pytest.raises(reviews.BadReview, match="table, row and column"):
        review(versions, V1, "confirmed", AT, table_code="requests")
    assert reviews.history(reviews.store_for(versions)) == []


def test_verdicts_carry_to_a_republished_version_only_where_unchanged(
    versions: Path, seed: SeedBuilder, load: Loader
) -> None:
    review(versions, V1, "confirmed", AT, **flag_key("R3"))
    review(versions, V1, "confirmed", AT, table_code=NEW[0], row_code=NEW[1], column_code=NEW[2])
    review(versions, V1, "false_positive", AT)  # the report as a whole
    con = files.connect(versions)
    # version 2 (same source, agency, year): the same 7, another cell changed: the flag and the
    # untouched cell carry, the report verdict does not (its cells differ)
    load(con, seed({GRANTED: "7", ("active_disclosure", "regulations", "issued"): "1"}, sha256=V2))
    con.close()
    query = "SELECT target, review_state, carried, carried_from_report_id FROM {} ORDER BY ALL"
    assert live(versions, query.replace("review_state", "verdict").format("review_current")) == [
        ("cell", "confirmed", True, V1[:16]),
        ("flag", "confirmed", True, V1[:16]),
    ]
    assert live(versions, "SELECT report_id, review_state, n_open, n_confirmed FROM report_reviews") == [
        (V2[:16], "open", 1, 1)  # R2 is still open
    ]
    # version 3 prints the figure the flag was about otherwise: nothing carries to that flag
    con = files.connect(versions)
    load(con, seed({GRANTED: "6", NEW: "99"}, sha256=V3))
    con.close()
    granted = "SELECT rule, review_state FROM flag_reviews WHERE rule = 'R3' AND row_code = 'granted'"
    assert live(versions, granted) == [("R3", "open")]
    assert live(versions, "SELECT * FROM review_current") == []
    to_review = "SELECT report_id, n_open_errors, n_open FROM reports_to_review"
    assert live(versions, to_review) == [(V3[:16], 1, 4)]  # R1, both R3 and R2


def test_gongkai_sql_sees_the_current_verdicts_in_its_sandbox(versions: Path) -> None:
    review(versions, V1, "confirmed", AT, **flag_key("R3"))
    judged = "SELECT rule, verdict_zh, reviewer FROM flag_reviews WHERE verdict IS NOT NULL"
    frame = export.query(versions, judged)
    assert frame.rows() == [("R3", "确认有误、需整改", "王审核")]
    with pytest.raises(duckdb.Error):  # still sandboxed
        export.query(versions, f"SELECT * FROM read_csv('{reviews.store_for(versions)}')")


def test_a_damaged_store_stops_neither_a_query_nor_a_night(versions: Path) -> None:
    review(versions, V1, "confirmed", AT, **flag_key("R3"))
    with files.writing(versions) as con:
        writer.copy_reviews(con, versions)  # last night's copy
    store = reviews.store_for(versions)
    for leftover in store.parent.glob(f"{store.name}-*"):
        leftover.unlink()
    store.write_bytes(b"this is not a SQLite database" * 100)
    judged = "SELECT rule, verdict FROM flag_reviews WHERE verdict IS NOT NULL"
    assert export.query(versions, judged).rows() == [("R3", "confirmed")]  # as of last night
    with files.writing(versions) as con:
        writer.copy_reviews(con, versions)  # a warning, and last night's copy stays
        assert con.execute("SELECT count(*) FROM review_log").fetchall() == [(1,)]
