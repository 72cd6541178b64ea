"""The catalog of report sources (``data/catalog.csv``: agency, district, year, source or url, [kind])."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from gongkai.errors import Refusal
from gongkai.extract.text import NotText, decode
from gongkai.limits import NotAReportFile, read_report
from gongkai.model import CatalogEntry

REQUIRED = ("agency", "district", "year")
KINDS = ("report", "listing")


class CatalogError(Refusal, ValueError):
    """A catalog the run cannot start from (unreadable, not text, a header without the required columns)."""


@dataclass
class Catalog:
    path: Path
    entries: list[CatalogEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def resolve(self, entry: CatalogEntry) -> Path:
        """A local source, relative to the catalog's own folder unless absolute."""
        source = Path(entry.source)
        return source if source.is_absolute() else (self.path.parent / source)


def read_catalog(path: Path | str) -> Catalog:
    """Every well-formed row; a malformed row becomes an error naming its line, the others still run.

    ``source`` (or ``url``) is a local path, relative to the catalog's folder, or an http(s) URL.
    ``kind`` is ``report`` (the default) or ``listing``: an agency's annual-report column, whose
    report links the nightly run discovers. ``year`` may be empty. A catalog that cannot be read, or
    whose header lacks a required column, raises :class:`CatalogError`: nothing is fetched.
    """
    path = Path(path)
    catalog = Catalog(path)
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    names = reader.fieldnames or []
    source_column = "source" if "source" in names else "url"
    if missing := [c for c in (*REQUIRED, source_column) if c not in names]:
        raise CatalogError(
            f"{path}:1: the header lacks {', '.join(missing)}: a catalog needs the columns "
            f"{', '.join(REQUIRED)} and source (or url), and kind if any; found: "
            f"{', '.join(repr(n) for n in names) or 'nothing'}"
        )
    for row in reader:
        line = reader.line_num
        if None in row or any(v is None for v in row.values()):
            catalog.errors.append(f"{path}:{line}: wrong number of fields")
            continue
        source = (row.get(source_column) or "").strip()
        year_text = (row.get("year") or "").strip()
        kind = (row.get("kind") or "").strip() or "report"
        if not source:
            catalog.errors.append(f"{path}:{line}: empty {source_column}")
            continue
        if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            catalog.errors.append(f"{path}:{line}: year {year_text!r} is not a year")
            continue
        if kind not in KINDS:
            catalog.errors.append(f"{path}:{line}: kind {kind!r} is not one of {', '.join(KINDS)}")
            continue
        catalog.entries.append(
            CatalogEntry(
                line=line,
                agency=(row.get("agency") or "").strip() or None,
                district=(row.get("district") or "").strip() or None,
                year=int(year_text) if year_text else None,
                source=source,
                kind=kind,
            )
        )
    return catalog


def _text(path: Path) -> str:
    """The catalog's text, decoded as text reports are: a byte-order mark, UTF-8, else GB18030 (Excel's
    "CSV" on a Chinese Windows)."""
    try:
        return decode(read_report(path))[0]
    except (NotAReportFile, NotText) as e:
        raise CatalogError(f"catalog {path}: {e}") from None
