"""Fetching against a real HTTP server on 127.0.0.1 (no mocks of httpx): one attempt at a time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai import acquire, discover
from gongkai.extract.report import sniff
from gongkai.fetch import (
    FetchSettings,
    Previous,
    RetryableFetchError,
    archive_get,
    archive_path,
    archive_put,
    client,
    fetch,
)
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
        return fetch(http, site.url(path), previous, settings)


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


@pytest.mark.parametrize("code", [500, 503, 429])
def test_5xx_and_429_are_worth_retrying(site: LocalSite, code: int) -> None:
    site.status("/down", code)
    with pytest.raises(RetryableFetchError) as caught:
        get(site, "/down")
    assert caught.value.fetched.status == code


def test_a_slow_answer_within_the_timeout_arrives(site: LocalSite) -> None:
    site.slow("/slow", SEED, 0.3)
    assert get(site, "/slow").outcome == "downloaded"


def test_a_timeout_is_worth_retrying(site: LocalSite) -> None:
    site.slow("/hang", SEED, 2.5)
    with pytest.raises(RetryableFetchError, match="timed out"):
        get(site, "/hang")


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
    answers = acquire.fetch_batch(
        [acquire.FetchRequest(site.url(f"/r{i}")) for i in range(6)], settings, tmp_path
    )
    assert [a.outcome for a in answers] == ["downloaded"] * 6
    assert site.max_in_flight == 2


def test_a_batch_marks_retryable_failures_and_archives_bodies(site: LocalSite, tmp_path: Path) -> None:
    site.static("/ok.txt", SEED)
    site.status("/down", 502)
    ok, down, gone = acquire.fetch_batch(
        [acquire.FetchRequest(site.url(p)) for p in ("/ok.txt", "/down", "/gone")], FAST, tmp_path
    )
    assert archive_get(tmp_path, ok.sha256) == SEED
    assert (down.outcome, down.retryable, gone.outcome, gone.retryable) == ("failed", True, "failed", False)


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
    from gongkai.model import CatalogEntry

    entry = CatalogEntry(
        2, "金林区人民政府办公室", "金林区", None, site.url("/nb/index.html"), kind="listing"
    )
    found, pages = acquire.expand_listing(entry, {}, FAST, tmp_path)
    assert [(e.source, e.year) for e in found] == [
        (site.url("/nb/2024/report.txt"), 2024),
        (site.url("/nb/2023/report.txt"), 2023),
        (site.url("/other/2022.txt"), 2022),
    ]
    assert all(e.parent_url == entry.source and e.agency == "金林区人民政府办公室" for e in found)
    assert [p.outcome for p in pages] == ["downloaded", "downloaded"]


def test_cms_pagination_script_gives_the_next_page() -> None:
    html = b'<script>createPageHTML(5, 2, "index", "shtml");</script>'
    assert discover.next_page(html, "http://x.gov.cn/nb/index_2.shtml") == "http://x.gov.cn/nb/index_3.shtml"
    last = b'<script>createPageHTML(5, 4, "index", "shtml");</script>'
    assert discover.next_page(last, "http://x.gov.cn/nb/index_4.shtml") is None
