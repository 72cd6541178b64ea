"""The nightly flow fetching from a real local web server, under Prefect's test harness.

First run: reports, a listing with pagination, a GBK report, a 404, a 500-then-200 and a malformed
catalog row. Second run: only conditional requests, nothing extracted, the warehouse unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from gongkai.fetch.http import FetchSettings
from gongkai.flows import batches, steps
from gongkai.flows.nightly import nightly
from gongkai.load import export
from tests.expected import SEEDS
from tests.local_site import LocalSite
from tests.test_fetch import LISTING_1, LISTING_2

SETTINGS = FetchSettings(
    timeout_seconds=2, per_host_delay_seconds=0.0, retries=2, retry_delay_seconds=(0.1, 0.1)
)
SEED_000 = (SEEDS / "000_67ee20e95a2da50e.txt").read_bytes()
SEED_001 = (SEEDS / "001_20ac404ea9b9f41f.txt").read_bytes()
SEED_003 = (SEEDS / "003_da09ef5f53b79caf.txt").read_bytes()
SEED_004 = (SEEDS / "004_eff542c003e52132.txt").read_bytes()
HONGZE = (SEEDS / "hongze-2023.pdf").read_bytes()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    s = LocalSite().start()
    s.static("/r/001.txt", SEED_001)
    s.static("/r/hongze.pdf", HONGZE, "application/octet-stream")
    s.static("/r/gbk.txt", SEED_000.decode("utf-8").encode("gbk"), "text/plain; charset=gbk")
    s.flaky("/r/flaky.txt", SEED_003, failures=1)
    s.static("/nb/index.html", LISTING_1.encode(), "text/html; charset=utf-8")
    s.static("/nb/index_1.html", LISTING_2.encode("gbk"), "text/html; charset=gbk")
    s.static("/nb/2024/report.txt", SEED_000)
    s.static("/nb/2023/report.txt", SEED_004)
    # /other/2022.txt, linked from the second listing page, is gone: a 404
    yield s
    s.stop()


def catalog(site: LocalSite, path: Path) -> Path:
    rows = [
        "agency,district,year,url,kind",
        f"石龙区人民政府办公室,石龙区,2024,{site.url('/r/001.txt')},report",
        f"洪泽区人民政府,洪泽区,2023,{site.url('/r/hongze.pdf')},",
        f"金林区人民政府办公室,金林区,,{site.url('/r/gbk.txt')},report",
        f"西工区金水湖街道办事处,西工区,2024,{site.url('/r/flaky.txt')},report",
        f"某局,某区,2024,{site.url('/r/missing.txt')},report",
        f"金林区人民政府办公室,金林区,,{site.url('/nb/index.html')},listing",
        f"某局,某区,2024,{site.url('/r/x.txt')},feed",
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def snapshot(db: Path) -> dict[str, pl.DataFrame]:
    return {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("reports", "cells")}


def test_fetching_nightly_then_a_second_night_of_conditional_requests(
    prefect_harness: None, site: LocalSite, tmp_path: Path
) -> None:
    cat = catalog(site, tmp_path / "catalog.csv")
    first = nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    db = steps.warehouse_path(tmp_path)

    assert first.catalog_errors == [f"{cat}:8: kind 'feed' is not one of report, listing"]
    reports = dict(export.query(db, "SELECT source, status FROM reports").rows())
    assert reports[site.url("/r/001.txt")] == "ok"
    assert reports[site.url("/r/hongze.pdf")] == "ok"
    assert reports[site.url("/r/gbk.txt")] == "ok"
    assert reports[site.url("/r/flaky.txt")] == "ok"
    assert reports[site.url("/nb/2024/report.txt")] == "ok"
    assert reports[site.url("/nb/2023/report.txt")] == "partial"
    assert reports[site.url("/r/missing.txt")] == "failed"
    assert first.failed[site.url("/r/missing.txt")].endswith("fetch failed: HTTP 404 Not Found")
    assert first.failed[site.url("/other/2022.txt")].endswith("fetch failed: HTTP 404 Not Found")

    fetches = export.query(db, "SELECT url, outcome, status, attempts, parent_url FROM fetches")
    by_url = {r["url"]: r for r in fetches.iter_rows(named=True)}
    assert by_url[site.url("/r/flaky.txt")]["attempts"] == 2  # one 500, then the retry got the 200
    assert len(site.requests_to("/r/missing.txt")) == 1  # a 404 is not retried
    assert by_url[site.url("/nb/2023/report.txt")]["parent_url"] == site.url("/nb/index.html")
    raw = [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]
    assert len(raw) == 8  # six reports and two listing pages, each once; no 404 bodies
    before = snapshot(db)
    n_requests = len(site.log)

    second = nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    assert second.loaded == []
    # still failing: unchanged, and said again
    assert second.failed[site.url("/r/missing.txt")].startswith("fetch failed: HTTP 404 Not Found")
    asked = site.log[n_requests:]
    ok_paths = {"/r/001.txt", "/r/hongze.pdf", "/r/gbk.txt", "/nb/index.html", "/nb/index_1.html"}
    assert all("if-none-match" in r.headers for r in asked if r.path in ok_paths)
    outcomes = export.query(
        db,
        "SELECT outcome, count(*) FROM fetches WHERE fetched_at > (SELECT max(started_at) FROM runs "
        "WHERE n_loaded > 0) GROUP BY ALL",
    )
    assert dict(outcomes.rows())["not_modified"] >= 7
    after = snapshot(db)
    for table in before:
        assert before[table].equals(after[table], null_equal=True), table


def test_a_changed_report_is_a_new_version_and_the_old_one_is_kept(
    prefect_harness: None, site: LocalSite, tmp_path: Path
) -> None:
    cat = tmp_path / "catalog.csv"
    cat.write_text(f"agency,district,year,url\n,石龙区,2024,{site.url('/r/001.txt')}\n", encoding="utf-8")
    nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    corrected = SEED_001.replace("(一) 予以公开\t8".encode(), "(一) 予以公开\t7".encode())
    site.static("/r/001.txt", corrected)
    nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    db = steps.warehouse_path(tmp_path)
    versions = export.query(db, "SELECT report_id FROM reports")
    assert versions.height == 2
    current = export.query(
        db, "SELECT value FROM requests_tidy WHERE row = 'granted' AND applicant_type = 'natural_person'"
    ).rows()
    assert [float(v) for (v,) in current] == [7.0]


def test_a_report_gone_from_its_site_stays_current_and_the_run_says_so(
    prefect_harness: None, site: LocalSite, tmp_path: Path
) -> None:
    cat = tmp_path / "catalog.csv"
    cat.write_text(f"agency,district,year,url\n,石龙区,2024,{site.url('/r/001.txt')}\n", encoding="utf-8")
    nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    site.status("/r/001.txt", 404)
    summary = nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    assert summary.failed[site.url("/r/001.txt")] == (
        "fetch failed: HTTP 404 Not Found (the version archived before stays current)"
    )
    db = steps.warehouse_path(tmp_path)
    assert export.query(db, "SELECT status FROM stg_reports").rows() == [("ok",)]


def test_a_new_extractor_version_re_extracts_from_the_archive_without_downloading(
    prefect_harness: None, site: LocalSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cat = tmp_path / "catalog.csv"
    cat.write_text(f"agency,district,year,url\n,石龙区,2024,{site.url('/r/001.txt')}\n", encoding="utf-8")
    nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    monkeypatch.setattr(steps, "EXTRACTOR_VERSION", "next")  # what the warehouse has read
    monkeypatch.setattr(batches, "EXTRACTOR_VERSION", "next")  # what the workers write
    n_requests = len(site.log)
    summary = nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    assert len(summary.loaded) == 1
    assert [r.headers.get("if-none-match") is not None for r in site.log[n_requests:]] == [True]
    db = steps.warehouse_path(tmp_path)
    assert export.query(db, "SELECT extractor_version FROM reports").rows() == [("next",)]


ATTACHMENT_PAGE = """<html><head><meta charset="utf-8">
<title>洪泽区人民政府2023年政府信息公开工作年度报告</title></head><body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<div class="article"><h1>洪泽区人民政府2023年政府信息公开工作年度报告</h1>
<p>发布时间：2024-01-20</p>
<p>附件：<a href="/att/report.pdf">洪泽区人民政府2023年政府信息公开工作年度报告.pdf</a></p></div>
<div class="footer">版权所有 洪泽区人民政府</div></body></html>"""


def test_a_page_wrapping_its_attachment_and_a_gbk_page(
    prefect_harness: None, site: LocalSite, tmp_path: Path
) -> None:
    from tests.fixtures_office import make_cells
    from tests.fixtures_office.render_html import render_html
    from tests.fixtures_office.report import build_report

    site.static("/p/hongze.html", ATTACHMENT_PAGE.encode(), "text/html; charset=utf-8")
    site.static("/att/report.pdf", HONGZE, "application/pdf")
    cells = make_cells("2021", False, True, seed=7)
    page, content_type = render_html(build_report(cells, "2021", seed=7), "fragment", "gbk")
    site.static("/p/gbk.html", page, content_type)
    cat = tmp_path / "catalog.csv"
    cat.write_text(
        f"agency,district,year,url\n,洪泽区,2023,{site.url('/p/hongze.html')}\n,金林区,2024,{site.url('/p/gbk.html')}\n",
        encoding="utf-8",
    )
    summary = nightly(catalog_path=cat, data_dir=tmp_path, settings=SETTINGS)
    assert summary.failed == {}
    db = steps.warehouse_path(tmp_path)
    reports = dict(export.query(db, "SELECT source, status FROM reports").rows())
    assert reports[site.url("/att/report.pdf")] == "ok"
    assert reports[site.url("/p/gbk.html")] == "ok"
    parent = export.query(db, f"SELECT parent_url FROM fetches WHERE url = '{site.url('/att/report.pdf')}'")
    assert parent.rows() == [(site.url("/p/hongze.html"),)]
    got = export.query(
        db,
        "SELECT table_code, row_code, column_code, value FROM cells JOIN reports USING (report_id) "
        f"WHERE reports.source = '{site.url('/p/gbk.html')}'",
    )
    values = {(t, r, c): float(v) for t, r, c, v in got.rows()}
    assert values == {key: float(value) for key, value in cells.items()}
