"""Get the bytes of every catalog source: local files, report URLs, listing pages and attachments.

URL bodies go to the content-addressed archive (``data/raw``). A 304 costs no download: the body
comes from the archive, and only when the current extractor has not read it yet.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from gongkai import discover
from gongkai.fetch import (
    Fetched,
    FetchSettings,
    Previous,
    RetryableFetchError,
    archive_get,
    archive_put,
    client,
    fetch,
    is_url,
)
from gongkai.model import CatalogEntry
from gongkai.pipeline import Source


@dataclass(frozen=True)
class FetchRequest:
    url: str
    previous: Previous | None = None
    parent_url: str | None = None


def attempt(request: FetchRequest, settings: FetchSettings, raw_dir: Path) -> Fetched:
    """One attempt at one URL; a body is archived at once. Raises RetryableFetchError."""
    with client(settings) as http:
        return _archived(fetch(http, request.url, request.previous, settings, request.parent_url), raw_dir)


def _archived(fetched: Fetched, raw_dir: Path) -> Fetched:
    """Store the body and let go of it: from here on it is read from the archive when needed."""
    if fetched.outcome == "downloaded" and fetched.data is not None:
        archive_put(raw_dir, fetched.data)
        return replace(fetched, data=None)
    return fetched


def fetch_batch(requests: list[FetchRequest], settings: FetchSettings, raw_dir: Path) -> list[Fetched]:
    """One attempt at each URL, in parallel under the per-host limits; retryable failures are marked.

    Batches keep the orchestration overhead small: thousands of unchanged reports cost one task.
    """
    if not requests:
        return []
    with client(settings) as http, ThreadPoolExecutor(max_workers=settings.workers) as pool:

        def one(request: FetchRequest) -> Fetched:
            try:
                answer = fetch(http, request.url, request.previous, settings, request.parent_url)
                return _archived(answer, raw_dir)
            except RetryableFetchError as e:
                return replace(e.fetched, retryable=True)

        return list(pool.map(one, requests))


def url_source(entry: CatalogEntry, fetched: Fetched, previous: Previous | None) -> Source:
    """A fetched report as a Source; its bytes are read from the archive only when needed."""
    if fetched.outcome == "failed":
        if previous and previous.sha256:
            # the earlier version stays current; the failure is in the fetches log
            return Source(entry, entry.source, None, previous.sha256, None, fetched=fetched)
        return Source(entry, entry.source, None, None, f"fetch failed: {fetched.error}", fetched=fetched)
    return Source(entry, entry.source, fetched.data, fetched.sha256, None, fetched=fetched)


def body(source: Source, raw_dir: Path) -> Source:
    """The source with its bytes: a local file read again, a fetched body from the archive."""
    if source.data is not None or source.sha256 is None or source.error:
        return source
    if not is_url(source.location):
        try:
            return replace(source, data=Path(source.location).read_bytes())
        except OSError as e:
            return replace(source, error=f"cannot read {source.location}: {e.strerror or e}")
    data = archive_get(raw_dir, source.sha256)
    if data is None:
        return replace(source, error=f"archived body {source.sha256[:16]}… is missing from the raw archive")
    return replace(source, data=data)


def expand_listing(
    entry: CatalogEntry,
    previous: dict[str, Previous],
    settings: FetchSettings,
    raw_dir: Path,
    get: Callable[[FetchRequest], Fetched] | None = None,
) -> tuple[list[CatalogEntry], list[Fetched]]:
    """The reports a listing page (年报栏目) links to, following its pagination.

    Raises RetryableFetchError when a page fails in a way worth retrying (the task retries it).
    """
    get = get or (lambda request: attempt(request, settings, raw_dir))
    found: dict[str, CatalogEntry] = {}
    fetched_pages: list[Fetched] = []
    url: str | None = entry.source
    seen: set[str] = set()
    while url and url not in seen and len(seen) < settings.max_listing_pages:
        seen.add(url)
        page = get(FetchRequest(url, previous.get(url), entry.source if url != entry.source else None))
        fetched_pages.append(page)
        data = archive_get(raw_dir, page.sha256) if page.outcome != "failed" and page.sha256 else None
        if data is None:
            break
        for report in discover.reports_on(data, page.final_url or url):
            if report.url not in found and (entry.year is None or report.year == entry.year):
                found[report.url] = CatalogEntry(
                    line=entry.line,
                    agency=entry.agency,
                    district=entry.district,
                    year=report.year,
                    source=report.url,
                    kind="report",
                    parent_url=entry.source,
                )
        url = discover.next_page(data, page.final_url or url)
    return list(found.values()), fetched_pages


def split(entries: list[CatalogEntry]) -> tuple[list[CatalogEntry], list[CatalogEntry], list[CatalogEntry]]:
    """Local report files, report URLs, listing pages."""
    listings = [e for e in entries if e.kind == "listing"]
    reports = [e for e in entries if e.kind != "listing"]
    return (
        [e for e in reports if not is_url(e.source)],
        [e for e in reports if is_url(e.source)],
        listings,
    )


def attachments_to_fetch(
    pages: list[tuple[Source, list[str]]], previous: dict[str, Previous]
) -> list[tuple[CatalogEntry, FetchRequest]]:
    """Report pages that only wrap an attachment (附件：….pdf): the attachments to fetch and extract."""
    wanted: list[tuple[CatalogEntry, FetchRequest]] = []
    seen: set[str] = {s.location for s, _ in pages}
    for source, links in pages:
        for url in links:
            if url in seen or not is_url(url):
                continue
            seen.add(url)
            entry = replace(source.entry, source=url, kind="report", parent_url=source.location)
            wanted.append((entry, FetchRequest(url, previous.get(url), source.location)))
    return wanted
