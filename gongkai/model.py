"""Plain records passed between extract, transform and load."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RawCell:
    """One table cell as the document prints it; ``raw`` is None when the document does not show it."""

    table: str
    row: str
    column: str
    raw: str | None
    page: int | None = None
    line: int | None = None


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
