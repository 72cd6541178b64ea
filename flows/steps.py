"""The nightly job's logic as plain functions, in the order the flow (``flows/nightly.py``) calls them.

catalog → fetch (``fetch.acquire``) → what is unchanged → extract and transform in batches
(``flows.batches``) → the pictures of pages whose tables are images, fetched and those pages read
again → the attachments' second pass → the night's failures → load, views and flags (``flows.writer``)
→ export. None of them needs Prefect. One report's failure is recorded as that
report's status and error; it never stops the others.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from gongkai import EXTRACTOR_VERSION
from gongkai.agencies import Reading
from gongkai.fetch.acquire import Acquired, attachments_to_fetch
from gongkai.fetch.fetcher import FetchRequest
from gongkai.flows.batches import StagedBatch
from gongkai.load import export, files
from gongkai.load.sources import Listed
from gongkai.model import CatalogEntry, Previous, Source

WAREHOUSE_NAME = "warehouse.duckdb"


def warehouse_path(data_dir: Path) -> Path:
    return Path(data_dir) / WAREHOUSE_NAME


def batches_dir(data_dir: Path, at: datetime) -> Path:
    """Where this night's workers write their Parquet batches (removed once loaded)."""
    return Path(data_dir) / "batches" / at.strftime("%Y%m%dT%H%M%S%f")


class Laps:
    """Wall seconds per stage of the night, added up into ``stage_seconds``."""

    def __init__(self, stage_seconds: dict[str, float]):
        self.stage_seconds = stage_seconds
        self.clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.stage_seconds[stage] = self.stage_seconds.get(stage, 0.0) + round(now - self.clock, 3)
        self.clock = now


@dataclass(frozen=True)
class Extracted:
    """What the warehouse holds as read by this extractor version: the bodies' hashes, and the
    failures to get any bytes (stand-in hash, reason)."""

    sha256s: frozenset[str] = frozenset()
    unreadable: frozenset[tuple[str, str | None]] = frozenset()


def extracted(db_path: Path) -> Extracted:
    """The warehouse's reports by this extractor version, read once a night."""
    if not Path(db_path).exists():
        return Extracted()
    con = files.connect(db_path, read_only=True)
    try:
        rows = con.execute(
            "SELECT sha256, error FROM reports WHERE extractor_version = ?", [EXTRACTOR_VERSION]
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse file without tables yet
        rows = []
    finally:
        con.close()
    return Extracted(frozenset(sha for sha, _ in rows), frozenset(rows))


def unchanged(known: Extracted, sources: list[Source]) -> set[str]:
    """Sources already in the warehouse as they are now: the same bytes read by this extractor
    version, or the same failure to get any bytes (a file still missing, a URL still 404)."""

    def same(s: Source) -> bool:
        if s.data is None and s.error:
            return (s.unreadable_sha256, s.error) in known.unreadable
        return s.sha256 in known.sha256s

    return {s.location for s in sources if same(s)}


def to_extract(known: Extracted, sources: list[Source]) -> tuple[list[Source], list[str]]:
    """The sources to extract tonight, and the unchanged ones skipped (sorted)."""
    current = unchanged(known, sources)
    return [s for s in sources if s.location not in current], sorted(current)


def attachments(
    done: list[tuple[list[Source], StagedBatch]], previous: dict[str, Previous]
) -> list[tuple[CatalogEntry, FetchRequest]]:
    """The second pass: the attachments that extracted report pages only link to, to fetch."""
    pages = [(batch[i], links) for batch, staged in done for i, links in staged.wrapped]
    return attachments_to_fetch(pages, previous)


def pictured(done: list[tuple[list[Source], StagedBatch]]) -> list[tuple[Source, list[str]]]:
    """The report pages whose tables are pictures to fetch, with their URLs: read again once fetched
    (the page is the report; its pictures are parts of it)."""
    return [(batch[i], urls) for batch, staged in done for i, urls in staged.pictured]


def listed(sources: Iterable[Source]) -> list[Listed]:
    """Every source whose bytes are known tonight (unchanged ones too), with what the catalog says of
    it: the writer applies it to the reports already loaded (``load.sources.apply_catalog``)."""
    return sorted(
        (Listed(s.location, s.sha256, Reading.of(s.entry)) for s in sources if s.sha256),
        key=lambda item: (item.source, item.sha256),
    )


def worker_cpu_seconds(staged: list[StagedBatch]) -> dict[str, float]:
    """The workers' CPU seconds per stage (extract, transform), summed over the batches."""
    total: dict[str, float] = {}
    for batch in staged:
        for stage, seconds in batch.cpu_seconds.items():
            total[stage] = round(total.get(stage, 0.0) + seconds, 3)
    return total


def failures(
    acquired: Acquired, staged: list[StagedBatch], wrapped: list[tuple[CatalogEntry, FetchRequest]]
) -> dict[str, str]:
    """The night's failures, source → reason: listings that could not be read, reports that gave no
    data (not the pages that only wrap their attachment), and sources still failing to be fetched."""
    failed = dict(acquired.failed_listings)
    wrappers = {entry.parent_url for entry, _ in wrapped}
    failed.update({src: why for s in staged for src, why in s.failures.items() if src not in wrappers})
    # a source that failed again tonight is unchanged, but still failing: the run says so
    failed.update(fetch_failures(acquired.sources, failed))
    return failed


def fetch_failures(sources: list[Source], known: dict[str, str]) -> dict[str, str]:
    """Sources whose bytes could not be had tonight and are not in ``known`` yet, with the reason.

    A fetch that fails where an earlier version was archived keeps that version current; it is
    reported all the same, so that a report gone from its site does not go unnoticed.
    """
    out = {}
    for s in sources:
        if s.location in known:
            continue
        if s.error:
            out[s.location] = f"{s.error} (as on the last run)"
        elif s.fetched is not None and s.fetched.outcome == "failed":
            out[s.location] = f"fetch failed: {s.fetched.error} (the version archived before stays current)"
    return out


def export_paths(exports_dir: Path) -> list[str]:
    """What ``export_districts`` writes: the CSV for Excel and the Parquet folder (year=…/)."""
    return [str(Path(exports_dir) / "district_summary.csv"), str(Path(exports_dir) / "district_summary")]


def export_districts(db_path: Path, exports_dir: Path) -> list[str]:
    """district_summary as CSV for Excel and as Parquet, one folder per data year. Written every night
    (the same warehouse gives the same bytes, in well under a second at 200,000 reports): a catalog edit
    may have moved a report to another district, and a night stopped after its swap left them behind."""
    csv_path, folder = export_paths(exports_dir)
    export.export_district_summary(db_path, Path(csv_path))
    export.write_parquet(db_path, export.EXPORTS["districts"], Path(folder))
    return [csv_path, folder]
