"""Agencies: who published a report (agency, district, year) and the agency's kind.

The kind is the peer group of an agency told by its name (extract/labels/agency_kinds.csv):
the first pattern that matches, in priority order, gives the kind; an agency no pattern matches is
``other`` (其他). The warehouse keeps the list (dim_agency_kind) and each agency's kind (dim_agency).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from gongkai import districts
from gongkai.model import CatalogEntry, Extraction

OTHER = ("other", "其他")


@dataclass(frozen=True)
class AgencyKind:
    """One line of agency_kinds.csv: its kind, the kind's label, the name pattern and its priority."""

    agency_kind: str
    label_zh: str
    priority: int
    pattern: str

    @classmethod
    def of(cls, line: dict[str, str]) -> AgencyKind:
        return cls(line["agency_kind"], line["label_zh"], int(line["priority"]), line["pattern"])


@cache
def kinds() -> tuple[AgencyKind, ...]:
    """The kinds of labels/agency_kinds.csv, in file order."""
    text = resources.files("gongkai.extract").joinpath("labels/agency_kinds.csv").read_text(encoding="utf-8")
    return tuple(map(AgencyKind.of, csv.DictReader(text.splitlines())))


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    ordered = sorted(kinds(), key=lambda k: k.priority)
    return tuple((re.compile(k.pattern), k.agency_kind, k.label_zh) for k in ordered)


def agency_kind(agency: str) -> tuple[str, str]:
    """The peer group of an agency told by its name: (code, label_zh)."""
    for pattern, kind, label in _patterns():
        if pattern.search(agency):
            return kind, label
    return OTHER


@dataclass(frozen=True)
class Publisher:
    """Who published a report and for which year, as the warehouse records it (reports and cells)."""

    agency: str | None
    district: str | None
    district_source: str | None  # 'catalog' or 'name' (None: unknown)
    year: int | None


def publisher(extraction: Extraction, entry: CatalogEntry | None = None) -> Publisher:
    """The agency, district and data year of a report, resolved once for its row and its cells.

    Agency and year: the document first, then the catalog. District: the catalog first, then the
    agency's name, then the district the document names, else NULL (``districts.resolve``).
    """
    agency = districts.clean_name(extraction.agency or (entry.agency if entry else None))
    district, district_source = districts.resolve(entry.district if entry else None, agency)
    if district is None and extraction.district:
        district, district_source = districts.district_key(extraction.district), "name"
    return Publisher(agency, district, district_source, extraction.year or (entry.year if entry else None))
