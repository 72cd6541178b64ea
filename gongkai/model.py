"""Plain records passed between fetch, extract, transform and load."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class RawCell:
    """One table cell as the document prints it; ``raw`` is None when the document does not show it."""

    table: str
    row: str
    column: str
    raw: str | None
    page: int | None = None
    line: int | None = None
    box: tuple[float, float, float, float] | None = None  # OCR: x0, top, x1, bottom in PDF points
    confidence: float | None = None  # OCR: the engine's confidence in the reading (0–1)


@dataclass
class Extraction:
    """What an extractor found in one report file."""

    source: str
    sha256: str
    file_type: str
    status: str  # ok | partial | failed | needs_ocr
    error: str | None = None
    agency: str | None = None
    district: str | None = None
    year: int | None = None
    format: str | None = None  # "2019" | "2021"
    cells: list[RawCell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    narrative: str = ""
    attachments: list[str] = field(default_factory=list)  # documents a web page links to (附件), to fetch
    read_by: str = "text"  # text | ocr | text+ocr: whether (some of) the tables were read by OCR
    # pictures the report shows (tables printed as images) that the reader was not given: URLs to fetch,
    # after which the page is read again with them (``Source.pictures``)
    pictures: list[str] = field(default_factory=list)

    @property
    def report_id(self) -> str:
        return self.sha256[:16]


@dataclass(frozen=True)
class CatalogEntry:
    """One line of the catalog: where a report is and what we know about it beforehand."""

    line: int
    agency: str | None
    district: str | None
    year: int | None
    source: str
    kind: str = "report"  # report | listing (an agency's annual-report column, 年报栏目)
    parent_url: str | None = None  # the listing page a discovered report came from


@dataclass(frozen=True)
class Previous:
    """What the last successful fetch of a URL left: validators for a conditional GET, the body's hash."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass
class Fetched:
    """The outcome of fetching one URL (also what the ``fetches`` table records)."""

    url: str
    outcome: str  # downloaded | not_modified | failed
    status: int | None = None
    final_url: str | None = None
    sha256: str | None = None
    n_bytes: int = 0
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None
    parent_url: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attempts: int = 1
    retryable: bool = False  # a failure worth another attempt: timeout, connection error, 5xx, 429
    retry_after: float | None = None  # seconds the server asked us to wait (Retry-After)
    data: bytes | None = field(default=None, repr=False)

    def record(self) -> dict:
        """The ``fetches`` row (without the body)."""
        return {
            "url": self.url,
            "outcome": self.outcome,
            "status": self.status,
            "final_url": self.final_url,
            "sha256": self.sha256,
            "bytes": self.n_bytes,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "content_type": self.content_type,
            "error": self.error,
            "parent_url": self.parent_url,
            "fetched_at": self.fetched_at,
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class Picture:
    """A picture a report page shows (a table printed as an image): a part of the page's report, fetched
    into the raw archive like any body. ``data`` is read from the archive by the worker."""

    url: str
    sha256: str | None = None
    error: str | None = None  # why there are no bytes (the fetch failed)
    data: bytes | None = field(default=None, repr=False)


@dataclass
class Source:
    """A catalog entry with its bytes read (or the reason they could not be)."""

    entry: CatalogEntry
    location: str
    data: bytes | None
    sha256: str | None
    error: str | None = None
    fetched: Fetched | None = None
    pictures: tuple[Picture, ...] = ()  # the page's pictures, fetched for its second reading

    @property
    def unreadable_sha256(self) -> str:
        """The stand-in hash of a source whose bytes could not be had (a missing file, a 404)."""
        return hashlib.sha256(f"unreadable\0{self.location}".encode()).hexdigest()
