"""The marts the desk reads: peer-group quartiles and ranks, and the sources that keep failing."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import duckdb
import pytest

from tests.conftest import Loader, SeedBuilder

TOTAL_NEW = ("requests", "new", "total")


def test_peer_quartiles_and_ranks(con: duckdb.DuckDBPyConnection, seed: SeedBuilder, load: Loader) -> None:
    # four departments received 9, 19, 29 and NULL (unreadable): the peer group is the three figures
    for i, (agency, district, received) in enumerate(
        [
            ("教育局", "甲区", "9"),
            ("民政局", "乙区", "19"),
            ("司法局", "甲区", "29"),
            ("财政局", "乙区", None),
        ]
    ):
        load(
            con,
            seed({TOTAL_NEW: received}, sha256=f"{i}" * 64, source=f"s{i}", agency=agency, district=district),
        )
    rows = con.execute(
        "SELECT agency, value, n_peers, p25, p50, p75, rank_in_kind, n_in_district, rank_in_district"
        " FROM agency_peer_metrics WHERE metric = 'received' ORDER BY agency"
    ).fetchall()
    assert rows == [  # in code point order
        ("司法局", 29.0, 3, 14.0, 19.0, 24.0, 1, 2, 1),
        ("教育局", 9.0, 3, 14.0, 19.0, 24.0, 3, 2, 2),
        ("民政局", 19.0, 3, 14.0, 19.0, 24.0, 2, 1, 1),
        ("财政局", None, 3, 14.0, 19.0, 24.0, None, 1, None),
    ]
    metrics = con.execute(
        "SELECT DISTINCT metric, metric_order FROM agency_peer_metrics ORDER BY 2"
    ).fetchall()
    assert [m for m, _ in metrics][:4] == ["received", "handled", "granted", "grant_rate"]


def fetch(con: duckdb.DuckDBPyConnection, url: str, outcome: str, day: int, error: str | None = None) -> None:
    con.execute(
        "INSERT INTO fetches (url, outcome, status, bytes, error, fetched_at, attempts)"
        " VALUES (?, ?, ?, 0, ?, ?, 1)",
        [url, outcome, 200 if outcome != "failed" else 404, error, datetime(2026, 12, day, 2)],
    )


@pytest.mark.parametrize("recovered", [False, True])
def test_sources_that_keep_failing(
    con: duckdb.DuckDBPyConnection, seed: SeedBuilder, load: Loader, recovered: bool
) -> None:
    fetch(con, "http://a/1.pdf", "downloaded", 1)
    for day in (2, 3, 4):
        fetch(con, "http://a/1.pdf", "failed", day, error=f"HTTP 404 on day {day}")
    if recovered:
        fetch(con, "http://a/1.pdf", "not_modified", 5)
    fetch(con, "http://b/2.html", "failed", 4, error="timed out")
    scan = dataclasses.replace(seed(sha256="9" * 64, source="scan.pdf"), status="needs_ocr", cells=[])
    load(con, dataclasses.replace(scan, error="the pages are images: OCR needed"))
    rows = con.execute(
        "SELECT source, stage, n_failures, first_failed_at, last_ok_at, last_error FROM failing_sources"
    ).fetchall()
    a = (
        "http://a/1.pdf",
        "fetch",
        3,
        datetime(2026, 12, 2, 2),
        datetime(2026, 12, 1, 2),
        "HTTP 404 on day 4",
    )
    assert rows == [
        *([] if recovered else [a]),
        ("http://b/2.html", "fetch", 1, datetime(2026, 12, 4, 2), None, "timed out"),
        ("scan.pdf", "read", 1, rows[-1][3], None, "needs_ocr: the pages are images: OCR needed"),
    ]
