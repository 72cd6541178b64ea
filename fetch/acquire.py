"""Get the bytes of every catalog source: local files, report URLs, listing pages and attachments.

All fetching of a step runs here, in the calling process, through one :class:`Fetcher`. URL bodies go
to the content-addressed archive (``data/raw``). A 304 costs no download: the body comes from the
archive, and only when the current extractor has not read it yet.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from gongkai.fetch import discover
from gongkai.fetch.archive import archive_get
from gongkai.fetch.catalog import Catalog
from gongkai.fetch.fetcher import Fetcher, FetchRequest, Log
from gongkai.fetch.http import FetchSettings, is_url
from gongkai.limits import MAX_REPORT_BYTES, NotAReportFile, open_report, read_report
from gongkai.model import CatalogEntry, Fetched, Picture, Previous, Source


@dataclass
class Acquired:
    """What a fetch step got: the sources in catalog order, every fetch made, and failed listings."""

    sources: list[Source] = field(default_factory=list)
    fetched: list[Fetched] = field(default_factory=list)
    failed_listings: dict[str, str] = field(default_factory=dict)  # listing URL -> reason


def acquire(
    catalog: Catalog, previous: dict[str, Previous], settings: FetchSettings, raw_dir: Path, log: Log
) -> Acquired:
    """The catalog's sources: local files hashed, listings expanded into their reports, URLs fetched."""
    local, urls, listings = split(catalog.entries)
    with Fetcher(settings, raw_dir, log) as fetcher:
        found, pages, failed = expand_listings(listings, previous, fetcher)
        known = {u.source for u in urls}
        for entry in found:
            if entry.source not in known:
                known.add(entry.source)
                urls.append(entry)
        answers = fetcher.get_all(
            [FetchRequest(e.source, previous.get(e.source), e.parent_url) for e in urls]
        )
    sources = [hash_source(catalog, e) if e.kind == "report" else local_listing(e) for e in local]
    sources += [url_source(e, a, previous.get(e.source)) for e, a in zip(urls, answers, strict=True)]
    return Acquired(sources, pages + answers, failed)


def fetch_attachments(
    wanted: list[tuple[CatalogEntry, FetchRequest]],
    previous: dict[str, Previous],
    settings: FetchSettings,
    raw_dir: Path,
    log: Log,
) -> Acquired:
    """The attachments that report pages only link to (``attachments_to_fetch``), fetched as sources."""
    with Fetcher(settings, raw_dir, log) as fetcher:
        answers = fetcher.get_all([request for _, request in wanted])
    sources = [
        url_source(entry, answer, previous.get(answer.url))
        for (entry, _), answer in zip(wanted, answers, strict=True)
    ]
    return Acquired(sources, answers)


def fetch_pictures(
    pages: list[tuple[Source, list[str]]],
    previous: dict[str, Previous],
    settings: FetchSettings,
    raw_dir: Path,
    log: Log,
) -> Acquired:
    """The pictures report pages show (tables printed as images), fetched like any body (politeness,
    archive, conditional GET), each URL once: the pages come back with their ``pictures`` attached,
    to be read again."""
    parents: dict[str, str] = {}  # each picture URL, with the first page that shows it
    for page, wanted in pages:
        for url in wanted:
            parents.setdefault(url, page.location)
    with Fetcher(settings, raw_dir, log) as fetcher:
        answers = fetcher.get_all([FetchRequest(u, previous.get(u), p) for u, p in parents.items()])
    got = {answer.url: answer for answer in answers}

    def picture(url: str) -> Picture:
        answer = got[url]
        if answer.outcome == "failed":
            return Picture(url, error=f"fetch failed: {answer.error}")
        return Picture(url, answer.sha256)

    sources = [replace(page, pictures=tuple(picture(u) for u in wanted)) for page, wanted in pages]
    return Acquired(sources, answers)


def split(entries: list[CatalogEntry]) -> tuple[list[CatalogEntry], list[CatalogEntry], list[CatalogEntry]]:
    """Local sources (report files, and listings given as a path), report URLs, listing pages."""
    return (
        [e for e in entries if not is_url(e.source)],
        [e for e in entries if e.kind != "listing" and is_url(e.source)],
        [e for e in entries if e.kind == "listing" and is_url(e.source)],
    )


def local_listing(entry: CatalogEntry) -> Source:
    """A listing given as a local path: a failed source with the reason, so the night records it."""
    return Source(entry, entry.source, None, None, f"a listing must be an http(s) URL, not {entry.source!r}")


def hash_source(catalog: Catalog, entry: CatalogEntry, max_bytes: int = MAX_REPORT_BYTES) -> Source:
    """A local source's sha256, read in chunks once it is known to be a regular file within the size
    cap (a FIFO or a device never hangs the run); its bytes are left on disk for the worker to read."""
    path = catalog.resolve(entry)
    digest = hashlib.sha256()
    try:
        with os.fdopen(open_report(path, max_bytes), "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except NotAReportFile as e:
        return Source(entry, str(path), None, None, str(e))
    except OSError as e:
        return Source(entry, str(path), None, None, f"cannot read {path}: {e.strerror or e}")
    return Source(entry, str(path), None, digest.hexdigest())


def url_source(entry: CatalogEntry, fetched: Fetched, previous: Previous | None) -> Source:
    """A fetched report as a Source; its bytes are read from the archive only when needed."""
    if fetched.outcome == "failed":
        if previous and previous.sha256:
            # the earlier version stays current; the failure is in the fetches log
            return Source(entry, entry.source, None, previous.sha256, None, fetched=fetched)
        return Source(entry, entry.source, None, None, f"fetch failed: {fetched.error}", fetched=fetched)
    return Source(entry, entry.source, fetched.data, fetched.sha256, None, fetched=fetched)


def body(source: Source, raw_dir: Path) -> Source:
    """The source with its bytes: a local file read again, a fetched body from the archive (and its
    pictures' bodies)."""
    if source.data is not None or source.sha256 is None or source.error:
        return source
    if source.pictures:
        source = replace(source, pictures=tuple(_picture_body(p, raw_dir) for p in source.pictures))
    if not is_url(source.location):
        try:
            return replace(source, data=read_report(source.location))
        except NotAReportFile as e:
            return replace(source, error=str(e))
        except OSError as e:
            return replace(source, error=f"cannot read {source.location}: {e.strerror or e}")
    data = archive_get(raw_dir, source.sha256)
    if data is None:
        return replace(source, error=f"archived body {source.sha256[:16]}… is missing from the raw archive")
    return replace(source, data=data)


def _picture_body(picture: Picture, raw_dir: Path) -> Picture:
    if picture.sha256 is None:
        return picture
    data = archive_get(raw_dir, picture.sha256)
    if data is None:
        return replace(picture, error=f"archived body {picture.sha256[:16]}… is missing from the raw archive")
    return replace(picture, data=data)


def expand_listings(
    listings: list[CatalogEntry], previous: dict[str, Previous], fetcher: Fetcher
) -> tuple[list[CatalogEntry], list[Fetched], dict[str, str]]:
    """The reports that listing pages (年报栏目) link to, following their pagination; every listing's
    next page is fetched together with the others'.

    Returns the reports found (listing by listing, in page order), the pages fetched, and the listings
    that failed with the reason: a page that still fails after its retries fails its whole listing.
    A page with a final answer (a 404) ends its listing's pagination, keeping what was found.
    """
    found: dict[str, dict[str, CatalogEntry]] = {e.source: {} for e in listings}
    seen: dict[str, set[str]] = {e.source: set() for e in listings}
    failed: dict[str, str] = {}
    pages: list[Fetched] = []
    todo = [(e, e.source) for e in listings]
    while todo:
        answers = fetcher.get_all(
            [FetchRequest(url, previous.get(url), e.source if url != e.source else None) for e, url in todo]
        )
        pages += answers
        following = []
        for (entry, url), page in zip(todo, answers, strict=True):
            seen[entry.source].add(url)
            if page.outcome == "failed" and page.retryable:
                failed[entry.source] = f"listing: {page.error}"
                continue
            reports, after = _read_listing_page(entry, page, fetcher.raw_dir)
            for report in reports:
                found[entry.source].setdefault(report.source, report)
            pages_read = len(seen[entry.source])
            if after and after not in seen[entry.source] and pages_read < fetcher.settings.max_listing_pages:
                following.append((entry, after))
        todo = following
    reports = [r for e in listings if e.source not in failed for r in found[e.source].values()]
    return reports, pages, failed


def _read_listing_page(
    listing: CatalogEntry, page: Fetched, raw_dir: Path
) -> tuple[list[CatalogEntry], str | None]:
    """The reports one listing page links to (of the listing's year, if it has one), and its next page."""
    data = archive_get(raw_dir, page.sha256) if page.outcome != "failed" and page.sha256 else None
    if data is None:
        return [], None
    base = page.final_url or page.url
    reports = [
        replace(listing, year=report.year, source=report.url, kind="report", parent_url=listing.source)
        for report in discover.reports_on(data, base)
        if listing.year in (None, report.year)
    ]
    return reports, discover.next_page(data, base)


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
