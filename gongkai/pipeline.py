"""The nightly job as plain functions: catalog → extract → transform → load → views → flags → export.

Each step is what a Prefect task in ``flows/nightly.py`` wraps; none of them needs Prefect.
One report's failure is recorded as that report's status and error; it never stops the others.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from gongkai import EXTRACTOR_VERSION
from gongkai.catalog import Catalog
from gongkai.extract.report import extract_bytes
from gongkai.load import export, warehouse
from gongkai.model import CatalogEntry, Extraction
from gongkai.transform.cells import CellValidationError, tidy_frame

WAREHOUSE_NAME = "warehouse.duckdb"


@dataclass
class Source:
    """A catalog entry with its bytes read (or the reason they could not be)."""

    entry: CatalogEntry
    location: str
    data: bytes | None
    sha256: str | None
    error: str | None = None


@dataclass
class Prepared:
    """One report ready to load: its ``reports`` row and its tidy cells."""

    report: dict
    cells: pl.DataFrame | None


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    finished_at: str = ""
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    catalog_errors: list[str] = field(default_factory=list)
    flags_by_rule: dict[str, int] = field(default_factory=dict)
    exports: list[str] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    def text(self) -> str:
        lines = [
            f"run {self.run_id}: {len(self.loaded)} loaded, {len(self.skipped)} unchanged, "
            f"{len(self.failed)} failed, {len(self.catalog_errors)} catalog errors"
        ]
        lines += [f"  failed  {src}: {why}" for src, why in sorted(self.failed.items())]
        lines += [f"  catalog {err}" for err in self.catalog_errors]
        if self.flags_by_rule:
            lines.append("  flags: " + ", ".join(f"{k} {v}" for k, v in sorted(self.flags_by_rule.items())))
        lines += [f"  export  {p}" for p in self.exports]
        return "\n".join(lines)


def warehouse_path(data_dir: Path) -> Path:
    return Path(data_dir) / WAREHOUSE_NAME


def read_source(catalog: Catalog, entry: CatalogEntry) -> Source:
    """The bytes of a local source; a missing or unreadable file is that entry's error."""
    path = catalog.resolve(entry)
    try:
        data = path.read_bytes()
    except OSError as e:
        return Source(entry, str(path), None, None, f"cannot read {path}: {e.strerror or e}")
    return Source(entry, str(path), data, hashlib.sha256(data).hexdigest())


def extract_source(source: Source) -> Extraction:
    """Extract one source; any error becomes a failed Extraction with the reason."""
    if source.data is None:
        pseudo = hashlib.sha256(f"unreadable\0{source.location}".encode()).hexdigest()
        return Extraction(source.location, pseudo, "missing", "failed", source.error)
    try:
        return extract_bytes(source.data, source=source.location, year_hint=source.entry.year)
    except Exception as e:  # one report's bug must not stop the run; the reason is kept
        where = traceback.extract_tb(e.__traceback__)[-1]
        return Extraction(
            source.location,
            source.sha256 or "",
            "unknown",
            "failed",
            f"extractor error: {type(e).__name__}: {e} ({Path(where.filename).name}:{where.lineno})",
        )


def prepare(extraction: Extraction, entry: CatalogEntry | None, extracted_at: datetime) -> Prepared:
    """The tidy frame and the reports row; cells that fail validation fail the report, loudly."""
    cells = None
    if extraction.cells:
        try:
            cells = tidy_frame(extraction, entry)
        except CellValidationError as e:
            extraction = replace(
                extraction, status="failed", error=f"invalid cells from the extractor: {e}", cells=[]
            )
    report = warehouse.report_record(extraction, EXTRACTOR_VERSION, extracted_at, entry)
    return Prepared(report, cells)


def load(db_path: Path, prepared: list[Prepared]) -> list[str]:
    """Load each report in its own transaction, then (re)create the views; the reports loaded."""
    done = []
    con = warehouse.connect(db_path)
    try:
        warehouse.ensure_schema(con)
        for item in sorted(prepared, key=lambda p: p.report["report_id"]):
            warehouse.load_report(con, item.report, item.cells)
            done.append(item.report["report_id"])
        warehouse.create_views(con)
    finally:
        con.close()
    return done


def unchanged(db_path: Path, sources: list[Source]) -> set[str]:
    """Sources whose bytes were already extracted by this extractor version."""
    if not db_path.exists():
        return set()
    con = warehouse.connect(db_path)
    try:
        warehouse.ensure_schema(con)
        return {
            s.location for s in sources if s.sha256 and warehouse.is_current(con, s.sha256, EXTRACTOR_VERSION)
        }
    finally:
        con.close()


def count_flags(db_path: Path) -> dict[str, int]:
    frame = export.query(db_path, "SELECT rule, count(*) AS n FROM consistency_flags GROUP BY rule")
    return {r["rule"]: int(r["n"]) for r in frame.iter_rows(named=True)}


def export_districts(db_path: Path, exports_dir: Path) -> list[str]:
    out = export.export_district_summary(db_path, Path(exports_dir) / "district_summary.csv")
    return [str(out)]


def record_run(db_path: Path, summary: RunSummary) -> None:
    con = warehouse.connect(db_path)
    try:
        warehouse.ensure_schema(con)
        run_id = warehouse.start_run(con, datetime.fromisoformat(summary.started_at))
        summary.run_id = run_id
        warehouse.finish_run(
            con,
            run_id,
            n_loaded=len(summary.loaded),
            n_skipped=len(summary.skipped),
            n_failed=len(summary.failed),
            summary=asdict(summary),
            finished_at=datetime.fromisoformat(summary.finished_at),
        )
    finally:
        con.close()


def new_run(now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    return RunSummary(run_id="", started_at=now.isoformat())


def summarise_failures(prepared: list[Prepared]) -> dict[str, str]:
    return {
        p.report["source"]: f"{p.report['status']}: {p.report['error']}"
        for p in prepared
        if p.report["status"] in {"failed", "needs_ocr"}
    }
