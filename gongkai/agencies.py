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
class Reading:
    """What one witness (the catalog, or the document) says of a report: agency, district and year."""

    agency: str | None = None
    district: str | None = None
    year: int | None = None

    @classmethod
    def of(cls, said: CatalogEntry | Extraction | None) -> Reading:
        return cls(said.agency, said.district, said.year) if said is not None else cls()


@dataclass(frozen=True)
class Publisher:
    """Who published a report and for which year, as the warehouse records it (reports and cells)."""

    agency: str | None
    district: str | None
    district_source: str | None  # 'catalog' or 'name' (None: unknown)
    year: int | None


def publisher(extraction: Extraction, entry: CatalogEntry | None = None) -> Publisher:
    """The agency, district and data year of a report, resolved once for its row and its cells
    (``resolve`` of what the catalog and the document say)."""
    return resolve(Reading.of(entry), Reading.of(extraction))


def resolve(catalog: Reading, printed: Reading) -> Publisher:
    """Who published a report: the catalog is the authority, the document fills what it leaves empty.

    Agency and year: the catalog's, else the document's. District: the catalog's, then the one the
    agency's name begins with, then the district the document names, else NULL (``districts.resolve``).
    """
    agency = districts.clean_name(catalog.agency) or districts.clean_name(printed.agency)
    district, district_source = districts.resolve(catalog.district, agency)
    if district is None and printed.district:
        district, district_source = districts.district_key(printed.district), "name"
    return Publisher(agency, district, district_source, catalog.year or printed.year)
