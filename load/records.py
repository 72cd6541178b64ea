"""A report on its way to the warehouse: one typed record, its Parquet schema and its load contract.

``report_record`` builds it once from an extraction; workers stage records as Parquet with
``REPORT_SCHEMA`` (``records_frame`` / ``records_of``); the loader checks it once (``check_identity``,
``contract_breach``) and writes it as a row of ``reports`` (``report_row``, with its cell counts).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import polars as pl

from gongkai import districts
from gongkai.agencies import Reading, publisher
from gongkai.extract import narrative as narrative_facts
from gongkai.model import CatalogEntry, Extraction

STATUSES = ("ok", "partial", "failed", "needs_ocr")
FORMATS = ("2019", "2021")
YEAR_FIELDS = ("year", "year_printed", "catalog_year")
NO_DATA_STATUSES = ("failed", "needs_ocr")


class ReportLoadError(ValueError):
    """A report record or its cells break the load contract (nothing was written)."""


@dataclass(frozen=True)
class ReportRecord:
    """The ``reports`` row of one report version, but for its cell counts (counted at load)."""

    report_id: str
    sha256: str
    source: str | None
    file_type: str | None
    agency: str | None
    district: str | None
    year: int | None
    format: str | None
    status: str
    error: str | None
    problems: tuple[str, ...]
    extractor_version: str
    extracted_at: datetime
    published_on: date | None
    district_source: str | None
    # what the document itself prints (kept beside the catalog's authority, so a mismatch shows)
    agency_printed: str | None = None
    district_printed: str | None = None
    year_printed: int | None = None
    read_by: str | None = None  # text | ocr | text+ocr
    # what the catalog says of the source (report_sources); not columns of reports
    catalog_agency: str | None = None
    catalog_district: str | None = None
    catalog_year: int | None = None

    @property
    def catalog(self) -> Reading:
        return Reading(self.catalog_agency, self.catalog_district, self.catalog_year)

    @property
    def printed(self) -> Reading:
        return Reading(self.agency_printed, self.district_printed, self.year_printed)

    def failed(self, reason: str) -> ReportRecord:
        """This record as a failed report (no cells) that states why."""
        years = {name: getattr(self, name) if _is_year(getattr(self, name)) else None for name in YEAR_FIELDS}
        fmt = self.format if self.format in FORMATS else None
        return replace(self, status="failed", error=reason, format=fmt, **years)

    @classmethod
    def from_mapping(cls, row: Mapping[str, Any]) -> ReportRecord:
        """A record from a mapping of its fields (a staged Parquet row, a ``reports`` row): timestamps
        as UTC without zone, ``problems`` as a list or its JSON text; ``n_cells``/``n_null_cells`` ignored.
        """
        unknown = set(row) - set(REPORT_SCHEMA) - {"n_cells", "n_null_cells"}
        if unknown:
            raise ReportLoadError(f"unknown report keys: {', '.join(sorted(unknown))}")
        values = {name: row.get(name) for name in REPORT_SCHEMA}
        problems = values["problems"] if values["problems"] is not None else []
        if isinstance(problems, str):
            try:
                problems = json.loads(problems)
            except json.JSONDecodeError as error:
                raise ReportLoadError(f"problems is not JSON: {error}") from error
        if not isinstance(problems, list | tuple) or not all(isinstance(p, str) for p in problems):
            raise ReportLoadError("problems is a list of strings")
        values["problems"] = tuple(problems)
        values["report_id"] = values["report_id"] or str(values["sha256"] or "")[:16]
        values["extracted_at"] = utc_naive(values["extracted_at"])
        if isinstance(values["published_on"], str):
            values["published_on"] = date.fromisoformat(values["published_on"])
        return cls(**values)


# the record's columns as staged in Parquet (the reports table adds n_cells and n_null_cells)
REPORT_SCHEMA: dict[str, Any] = {
    "report_id": pl.String,
    "sha256": pl.String,
    "source": pl.String,
    "file_type": pl.String,
    "agency": pl.String,
    "district": pl.String,
    "year": pl.Int32,
    "format": pl.String,
    "status": pl.String,
    "error": pl.String,
    "problems": pl.List(pl.String),
    "extractor_version": pl.String,
    "extracted_at": pl.Datetime("us"),
    "published_on": pl.Date,
    "district_source": pl.String,
    "agency_printed": pl.String,
    "district_printed": pl.String,
    "year_printed": pl.Int32,
    "read_by": pl.String,
    "catalog_agency": pl.String,
    "catalog_district": pl.String,
    "catalog_year": pl.Int32,
}
CATALOG_FIELDS = ("catalog_agency", "catalog_district", "catalog_year")
# a ``reports`` row as the loader inserts it: problems as JSON text, and the cell counts
REPORT_ROW_SCHEMA: dict[str, Any] = {
    **{name: kind for name, kind in REPORT_SCHEMA.items() if name not in CATALOG_FIELDS},
    "problems": pl.String,
    "n_cells": pl.Int32,
    "n_null_cells": pl.Int32,
}


def utc_naive(moment: datetime | str | None) -> datetime:
    """A moment as UTC without a zone (now when None), as the warehouse stores timestamps."""
    if moment is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def report_record(
    extraction: Extraction,
    extractor_version: str,
    extracted_at: datetime | None = None,
    entry: CatalogEntry | None = None,
) -> ReportRecord:
    """The record of an extraction: agency, district and year as ``agencies.publisher`` resolves them
    (the same as its cells), the publication date the page states."""
    who = publisher(extraction, entry)
    catalog = Reading.of(entry)
    narrative = unicodedata.normalize("NFKC", extraction.narrative or "")
    return ReportRecord(
        report_id=extraction.report_id,
        sha256=extraction.sha256,
        source=extraction.source,
        file_type=extraction.file_type,
        agency=who.agency,
        district=who.district,
        year=who.year,
        format=extraction.format,
        status=extraction.status,
        error=extraction.error,
        problems=tuple(extraction.problems),
        extractor_version=extractor_version,
        extracted_at=utc_naive(extracted_at),
        published_on=narrative_facts.published_on(narrative),
        district_source=who.district_source,
        agency_printed=districts.clean_name(extraction.agency),
        district_printed=extraction.district,
        year_printed=extraction.year,
        read_by=extraction.read_by,
        catalog_agency=catalog.agency,
        catalog_district=catalog.district,
        catalog_year=catalog.year,
    )


def records_frame(records: Iterable[ReportRecord]) -> pl.DataFrame:
    """Records as a frame of ``REPORT_SCHEMA`` (what a worker stages as Parquet)."""
    rows = [tuple(getattr(r, name) for name in REPORT_SCHEMA) for r in records]
    return pl.DataFrame(rows, schema=REPORT_SCHEMA, orient="row")


def records_of(frame: pl.DataFrame) -> list[ReportRecord]:
    """The records of a staged frame (``records_frame``, read back)."""
    return [ReportRecord.from_mapping(row) for row in frame.to_dicts()]


def check_identity(record: ReportRecord) -> None:
    """Raise ``ReportLoadError`` when a record cannot even be stored as a failed report."""
    for name in ("sha256", "extractor_version"):
        if not getattr(record, name):
            raise ReportLoadError(f"report lacks {name}")
    if record.report_id != record.sha256[:16]:
        raise ReportLoadError(f"report_id {record.report_id} is not sha256[:16] of {record.sha256}")


def contract_breach(record: ReportRecord, n_cells: int) -> str | None:
    """Why a record (with ``n_cells`` cells) breaks the load contract; None when it keeps it."""
    if record.status not in STATUSES:
        return f"status {record.status!r} is not one of {', '.join(STATUSES)}"
    if record.status in NO_DATA_STATUSES and (n_cells or not record.error):
        return f"a {record.status} report has no cells and states its error"
    if record.status == "ok" and record.error:
        return "an ok report has no error"
    if record.format is not None and record.format not in FORMATS:
        return f"format {record.format!r} is not one of {', '.join(FORMATS)}"
    for name in YEAR_FIELDS:
        if not _is_year(getattr(record, name)):
            return f"{name} {getattr(record, name)!r} is not a year"
    return None


def _is_year(value: int | None) -> bool:
    return value is None or (isinstance(value, int) and 1 <= value <= 9999)


def report_row(record: ReportRecord, n_cells: int, n_null_cells: int) -> tuple[Any, ...]:
    """The ``reports`` row of a record (``REPORT_ROW_SCHEMA``)."""
    problems = json.dumps(list(record.problems), ensure_ascii=False)
    names = (n for n in REPORT_SCHEMA if n not in CATALOG_FIELDS)
    values = (problems if name == "problems" else getattr(record, name) for name in names)
    return (*values, n_cells, n_null_cells)
