"""Fetching against a real HTTP server on 127.0.0.1 (no mocks of httpx): one attempt, then many at
once with retries."""

from __future__ import annotations

import email.utils
import gzip
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from gongkai.extract.report import sniff
from gongkai.fetch import acquire, discover
from gongkai.fetch.archive import archive_get, archive_path, archive_put
from gongkai.fetch.catalog import read_catalog
from gongkai.fetch.fetcher import Fetcher, FetchRequest
from gongkai.fetch.http import FetchSettings, HostLimiter, client, fetch, is_url, retry_after
from gongkai.model import CatalogEntry, Previous
from tests.expected import SEEDS
from tests.local_site import LocalSite

FAST = FetchSettings(timeout_seconds=1.0, per_host_delay_seconds=0.0, max_bytes=200_000, max_redirects=3)
SEED = (SEEDS / "001_20ac404ea9b9f41f.txt").read_bytes()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    s = LocalSite().start()
    yield s
    s.stop()


def get(site: LocalSite, path: str, previous: Previous | None = None, settings: FetchSettings = FAST):
    with client(settings) as http:
        return fetch(http, site.url(path), previous, settings, HostLimiter(2, 0.0))


def test_etag_and_last_modified_make_the_second_fetch_a_304(site: LocalSite) -> None:
    site.static("/r.txt", SEED)
    first = get(site, "/r.txt")
    assert (first.outcome, first.status, first.data) == ("downloaded", 200, SEED)
    assert first.etag and first.last_modified
    second = get(site, "/r.txt", Previous(first.etag, first.last_modified, first.sha256))
    assert (second.outcome, second.status, second.data, second.sha256) == (
        "not_modified",
        304,
        None,
        first.sha256,
    )
    asked = site.requests_to("/r.txt")[1].headers
    assert asked["if-none-match"] == first.etag and asked["if-modified-since"] == first.last_modified
    # Last-Modified alone works too
    third = get(site, "/r.txt", Previous(None, first.last_modified, first.sha256))
    assert third.outcome == "not_modified"


def test_404_is_final_and_not_retried(site: LocalSite) -> None:
    answer = get(site, "/nothing-here")
    assert (answer.outcome, answer.status, answer.error) == ("failed", 404, "HTTP 404 Not Found")
    assert not answer.retryable


@pytest.mark.parametrize("code", [500, 503, 429])
def test_5xx_and_429_are_worth_retrying(site: LocalSite, code: int) -> None:
    site.status("/down", code)
    answer = get(site, "/down")
    assert (answer.outcome, answer.status, answer.retryable) == ("failed", code, True)


def test_a_slow_answer_within_the_timeout_arrives(site: LocalSite) -> None:
    site.slow("/slow", SEED, 0.3)
    assert get(site, "/slow").outcome == "downloaded"


def test_a_timeout_is_worth_retrying(site: LocalSite) -> None:
    site.slow("/hang", SEED, 2.5)
    answer = get(site, "/hang")
    assert answer.outcome == "failed" and answer.retryable and "timed out" in answer.error


def test_a_redirect_loop_ends_with_a_reason(site: LocalSite) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")
    answer = get(site, "/a")
    assert answer.outcome == "failed" and "more than 3 redirects" in answer.error
    assert len(site.log) == 4


def test_redirects_are_followed_only_to_http(site: LocalSite) -> None:
    site.static("/final.txt", SEED)
    site.redirect("/moved", "/final.txt")
    moved = get(site, "/moved")
    assert (moved.outcome, moved.final_url) == ("downloaded", site.url("/final.txt"))
    site.redirect("/elsewhere", "ftp://127.0.0.1/report.txt")
    answer = get(site, "/elsewhere")
    assert answer.outcome == "failed" and "only http and https" in answer.error


def test_an_oversized_body_is_refused(site: LocalSite) -> None:
    site.static("/big.pdf", b"%PDF-1.7\n" + b"0" * 300_000, "application/pdf")
    answer = get(site, "/big.pdf")
    assert answer.outcome == "failed" and "cap" in answer.error and answer.data is None


def test_the_type_comes_from_the_bytes_not_the_content_type(site: LocalSite) -> None:
    pdf = (SEEDS / "hongze-2023.pdf").read_bytes()
    site.static("/report.html", pdf, "text/html; charset=utf-8")
    answer = get(site, "/report.html", settings=FetchSettings(timeout_seconds=5, per_host_delay_seconds=0))
    assert answer.content_type.startswith("text/html")
    assert sniff(answer.data) == "pdf"


def test_the_archive_is_content_addressed_and_never_overwritten(tmp_path: Path) -> None:
    sha = archive_put(tmp_path, SEED)
    path = archive_path(tmp_path, sha)
    assert path == tmp_path / sha[:2] / sha and archive_get(tmp_path, sha) == SEED
    before = path.stat().st_mtime_ns
    assert archive_put(tmp_path, SEED) == sha
    assert path.stat().st_mtime_ns == before


def test_at_most_two_requests_at_once_per_host(site: LocalSite, tmp_path: Path) -> None:
    for i in range(6):
        site.slow(f"/r{i}", SEED, 0.2)
    settings = FetchSettings(timeout_seconds=5, per_host_delay_seconds=0.0, workers=6)
    with Fetcher(settings, tmp_path) as fetcher:
        answers = fetcher.get_all([FetchRequest(site.url(f"/r{i}")) for i in range(6)])
    assert [a.outcome for a in answers] == ["downloaded"] * 6
    assert site.max_in_flight == 2


def test_a_batch_marks_retryable_failures_and_archives_bodies(site: LocalSite, tmp_path: Path) -> None:
    site.static("/ok.txt", SEED)
    site.status("/down", 502)
    with Fetcher(replace(FAST, retries=0), tmp_path) as fetcher:
        ok, down, gone = fetcher.get_all([FetchRequest(site.url(p)) for p in ("/ok.txt", "/down", "/gone")])
    assert archive_get(tmp_path, ok.sha256) == SEED and ok.data is None
    assert (down.outcome, down.retryable, gone.outcome, gone.retryable) == ("failed", True, "failed", False)
    assert len(site.requests_to("/down")) == 1


LISTING_1 = """<html><head><meta charset="utf-8"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>
<ul>
  <li><a href="./2024/report.txt"
         title="金林区人民政府办公室2024年政府信息公开工作年度报告">金林区…2024年…</a></li>
  <li><a href="./2023/report.txt">2023年度政府信息公开工作年度报告</a></li>
  <li><a href="./notice.html">关于开展政务公开培训的通知</a></li>
</ul>
<div class="page"><a href="index_1.html">下一页</a></div></body></html>"""
LISTING_2 = """<html><body><ul>
<li><a href="/other/2022.txt">2022年政府信息公开工作年度报告</a></li>
</ul><script>createPageHTML(2, 1, "index", "html");</script></body></html>"""


def test_listing_pages_are_discovered_with_their_years(site: LocalSite, tmp_path: Path) -> None:
    site.static("/nb/index.html", LISTING_1.encode(), "text/html")
    site.static("/nb/index_1.html", LISTING_2.encode("gbk"), "text/html; charset=gbk")
    entry = CatalogEntry(
        2, "金林区人民政府办公室", "金林区", None, site.url("/nb/index.html"), kind="listing"
    )
    with Fetcher(FAST, tmp_path) as fetcher:
        found, pages, failed = acquire.expand_listings([entry], {}, fetcher)
    assert [(e.source, e.year) for e in found] == [
        (site.url("/nb/2024/report.txt"), 2024),
        (site.url("/nb/2023/report.txt"), 2023),
        (site.url("/other/2022.txt"), 2022),
    ]
    assert all(e.parent_url == entry.source and e.agency == "金林区人民政府办公室" for e in found)
    assert [p.outcome for p in pages] == ["downloaded", "downloaded"] and failed == {}


def test_a_link_titled_with_a_chinese_numeral_year_is_a_report_of_that_year() -> None:
    html = (
        '<a href="/nb/a.html">二〇二三年度政府信息公开工作年度报告</a>'
        '<a href="/nb/b.html">关于二〇二三年度工作要点的通知</a>'
    ).encode()
    found = discover.reports_on(html, "http://x.gov.cn/nb/index.html")
    assert [(f.url, f.year) for f in found] == [("http://x.gov.cn/nb/a.html", 2023)]


def test_cms_pagination_script_gives_the_next_page() -> None:
    html = b'<script>createPageHTML(5, 2, "index", "shtml");</script>'
    assert discover.next_page(html, "http://x.gov.cn/nb/index_2.shtml") == "http://x.gov.cn/nb/index_3.shtml"
    last = b'<script>createPageHTML(5, 4, "index", "shtml");</script>'
    assert discover.next_page(last, "http://x.gov.cn/nb/index_4.shtml") is None


# ------------------------------------------------------------------ many URLs: retries, hardening

RETRYING = replace(FAST, timeout_seconds=5.0, retries=2, retry_delay_seconds=(0.05, 0.05))


def fetch_all(requests: list[FetchRequest], settings: FetchSettings, raw_dir: Path, log: list[str]):
    with Fetcher(settings, raw_dir, log.append) as fetcher:
        return fetcher.get_all(requests)


def test_retries_wait_for_retry_after_all_at_once_and_log_one_line_each(
    site: LocalSite, tmp_path: Path
) -> None:
    for i in range(4):
        site.flaky(f"/busy{i}", SEED, failures=1, code=503, retry_after="1")
    log: list[str] = []
    t0 = time.monotonic()
    answers = fetch_all([FetchRequest(site.url(f"/busy{i}")) for i in range(4)], RETRYING, tmp_path, log)
    elapsed = time.monotonic() - t0
    assert [(a.outcome, a.attempts) for a in answers] == [("downloaded", 2)] * 4
    for i in range(4):
        first, second = site.requests_to(f"/busy{i}")
        assert second.at - first.at >= 0.95  # the server's Retry-After, not the 0.05 s backoff
    assert elapsed < 2.5  # four waits of 1 s side by side, not one after another
    assert sorted(log) == [
        f"retry 1/2 of {site.url(f'/busy{i}')} in 1 s: HTTP 503 Service Unavailable" for i in range(4)
    ]


def test_a_long_retry_after_is_capped_and_retries_end(site: LocalSite, tmp_path: Path) -> None:
    site.flaky("/later", SEED, failures=1, code=429, retry_after="3600")
    site.status("/down", 503)
    log: list[str] = []
    settings = replace(RETRYING, max_retry_after_seconds=0.3)
    later, down = fetch_all([FetchRequest(site.url(p)) for p in ("/later", "/down")], settings, tmp_path, log)
    first, second = site.requests_to("/later")
    assert later.outcome == "downloaded" and 0.25 <= second.at - first.at < 2
    assert (down.outcome, down.status, down.attempts, down.error) == (
        "failed",
        503,
        3,
        "HTTP 503 Service Unavailable",
    )
    assert len(site.requests_to("/down")) == 3  # one attempt and two retries
    assert len(log) == 3 and all("\n" not in line for line in log)


def test_retry_after_may_be_an_http_date() -> None:
    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= retry_after(soon) <= 31
    assert retry_after("120") == 120.0
    assert retry_after("whenever") is None and retry_after(None) is None


def test_a_body_that_is_not_the_gzip_it_claims_is_that_urls_failure(site: LocalSite, tmp_path: Path) -> None:
    site.answer("/lying.txt", 200, {"Content-Encoding": "gzip"}, b"plain text, not gzip")
    site.answer("/good.txt", 200, {"Content-Encoding": "gzip"}, gzip.compress(SEED))
    lying, good = fetch_all(
        [FetchRequest(site.url(p)) for p in ("/lying.txt", "/good.txt")], FAST, tmp_path, []
    )
    assert (lying.outcome, lying.status, lying.retryable) == ("failed", 200, False)
    assert lying.error.startswith("the body is not valid gzip as its Content-Encoding says")
    assert good.outcome == "downloaded" and archive_get(tmp_path, good.sha256) == SEED


def test_a_304_to_a_first_unconditional_request_fails_that_report_with_its_reason(
    site: LocalSite, tmp_path: Path
) -> None:
    site.answer("/always-304.txt", 304, {"ETag": '"x"'})
    (tmp_path / "catalog.csv").write_text(
        f"agency,district,year,url\n某局,某区,2024,{site.url('/always-304.txt')}\n", encoding="utf-8"
    )
    got = acquire.acquire(read_catalog(tmp_path / "catalog.csv"), {}, FAST, tmp_path / "raw", print)
    (answer,), (source,) = got.fetched, got.sources
    assert (answer.outcome, answer.status) == ("failed", 304)
    assert source.data is None and source.sha256 is None
    assert source.error == "fetch failed: HTTP 304 Not Modified to a request that was not conditional"


def test_a_trickling_body_ends_at_the_deadline(site: LocalSite, tmp_path: Path) -> None:
    site.trickle("/trickle.txt", b"x" * 100, 0.05)  # 5 s in all, a byte every 0.05 s
    t0 = time.monotonic()
    (answer,) = fetch_all(
        [FetchRequest(site.url("/trickle.txt"))], replace(RETRYING, deadline_seconds=0.5), tmp_path, []
    )
    assert time.monotonic() - t0 < 2
    assert (answer.outcome, answer.retryable, answer.attempts) == ("failed", False, 1)
    assert answer.error.startswith("the answer took more than the 0.5 s deadline")


def test_any_error_is_that_urls_failed_fetch(site: LocalSite, tmp_path: Path) -> None:
    site.static("/ok.txt", SEED)
    archive_as_file = tmp_path / "raw"
    archive_as_file.write_text("not a folder")
    odd, unarchived = fetch_all(
        [FetchRequest("http://[::1/r.txt"), FetchRequest(site.url("/ok.txt"))], FAST, archive_as_file, []
    )
    assert (odd.outcome, odd.retryable, odd.error) == (
        "failed",
        False,
        "the fetch failed unexpectedly: Invalid IPv6 URL",
    )
    assert not is_url(odd.url)  # in the catalog, such a source is a path that cannot be read
    assert unarchived.outcome == "failed" and unarchived.error.startswith("cannot archive the body")


def test_a_listing_page_still_failing_after_its_retries_fails_its_listing(
    site: LocalSite, tmp_path: Path
) -> None:
    site.static("/nb/index.html", LISTING_1.encode(), "text/html")
    site.status("/nb/index_1.html", 503)
    site.static("/ok/index.html", LISTING_2.encode("gbk"), "text/html; charset=gbk")
    listings = [
        CatalogEntry(2, "甲", "金林区", None, site.url("/nb/index.html"), kind="listing"),
        CatalogEntry(3, "乙", "金林区", 2022, site.url("/ok/index.html"), kind="listing"),
    ]
    with Fetcher(RETRYING, tmp_path, [].append) as fetcher:
        found, pages, failed = acquire.expand_listings(listings, {}, fetcher)
    assert failed == {site.url("/nb/index.html"): "listing: HTTP 503 Service Unavailable"}
    assert [(e.source, e.agency) for e in found] == [(site.url("/other/2022.txt"), "乙")]
    assert [(p.url, p.outcome, p.attempts) for p in pages] == [
        (site.url("/nb/index.html"), "downloaded", 1),
        (site.url("/ok/index.html"), "downloaded", 1),
        (site.url("/nb/index_1.html"), "failed", 3),
    ]
