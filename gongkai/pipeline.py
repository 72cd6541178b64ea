"""The nightly job as plain functions: catalog → extract → transform → load → views → flags → export.

Each step is what a Prefect task in ``flows/nightly.py`` wraps; none of them needs Prefect.
One report's failure is recorded as that report's status and error; it never stops the others.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from gongkai import EXTRACTOR_VERSION
from gongkai.catalog import Catalog
from gongkai.extract.narrative import NarrativeFacts, analyse
from gongkai.extract.report import extract_bytes
from gongkai.fetch import Fetched
from gongkai.load import export, fetches, files, loader, records, runs, schema, views
from gongkai.model import CatalogEntry, Extraction
from gongkai.transform.cells import CellValidationError, tidy_frame

WAREHOUSE_NAME = "warehouse.duckdb"
LOAD_CHUNK = 500  # reports per load transaction: one INSERT of their cells, one derivation of their wide rows


@dataclass
class Source:
    """A catalog entry with its bytes read (or the reason they could not be)."""

    entry: CatalogEntry
    location: str
    data: bytes | None
    sha256: str | None
    error: str | None = None
    fetched: Fetched | None = None


@dataclass
class Prepared:
    """One report ready to load: its record, its tidy cells and the facts of its narrative."""

    report: records.ReportRecord
    cells: pl.DataFrame | None
    narrative: NarrativeFacts | None = None


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
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage
    worker_cpu_seconds: dict[str, float] = field(default_factory=dict)  # extract and transform, all workers

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


def unreadable_sha256(location: str) -> str:
    """The stand-in hash of a source whose bytes could not be had (a missing file, a 404)."""
    return hashlib.sha256(f"unreadable\0{location}".encode()).hexdigest()


def hash_source(catalog: Catalog, entry: CatalogEntry) -> Source:
    """A local source's sha256, read in chunks; its bytes are left on disk for the worker to read."""
    path = catalog.resolve(entry)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as e:
        return Source(entry, str(path), None, None, f"cannot read {path}: {e.strerror or e}")
    return Source(entry, str(path), None, digest.hexdigest())


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


def extract_source(source: Source) -> Extraction:
    """Extract one source; any error becomes a failed Extraction with the reason."""
    if source.data is None:
        return Extraction(
            source.location, unreadable_sha256(source.location), "missing", "failed", source.error
        )
    try:
        content_type = source.fetched.content_type if source.fetched else None
        return extract_bytes(
            source.data, source=source.location, year_hint=source.entry.year, content_type=content_type
        )
    except Exception as e:  # one report's bug must not stop the run; the reason is kept
        where = traceback.extract_tb(e.__traceback__)[-1]
        return Extraction(
            source.location,
            source.sha256 or "",
            "unknown",
            "failed",
            f"extractor error: {type(e).__name__}: {e} ({Path(where.filename).name}:{where.lineno})",
        )


def extract_and_prepare(source: Source, at: datetime) -> tuple[Extraction, Prepared]:
    """Extract one source and prepare its load: what each flow batch does per report."""
    extraction = extract_source(source)
    return extraction, prepare(extraction, source.entry, at)


def _last_flags_by_rule(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The flag counts the last finished run recorded (for a night when no report changed)."""
    rows = con.execute(
        "SELECT summary FROM runs WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
    ).fetchall()
    return json.loads(rows[0][0]).get("flags_by_rule", {}) if rows else _flags_by_rule(con)


def _flags_by_rule(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    if views.views_outdated(con):
        return {}  # no views yet: nothing was ever loaded
    rows = con.execute("SELECT rule, count(*) FROM consistency_flags GROUP BY rule ORDER BY rule").fetchall()
    return {rule: int(n) for rule, n in rows}


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
    report = records.report_record(extraction, EXTRACTOR_VERSION, extracted_at, entry)
    has_text = extraction.narrative and report.status not in records.NO_DATA_STATUSES
    return Prepared(report, cells, analyse(extraction.narrative, report.year) if has_text else None)


def load(
    db_path: Path,
    prepared: Iterable[Prepared],
    fetched: list[Fetched] | None = None,
    summary: RunSummary | None = None,
    chunk: int = LOAD_CHUNK,
) -> list[str]:
    """Load prepared reports ``chunk`` at a time (one transaction each), as ``loading`` describes;
    returns the report_ids loaded, sorted. ``prepared`` is consumed as it comes."""
    iterator = iter(prepared)
    with loading(db_path, fetched, summary) as night:
        while group := list(itertools.islice(iterator, chunk)):
            items = [loader.ReportLoad(p.report, p.cells, p.narrative) for p in group]
            night.loaded.update(loader.load_reports(night.con, items, refresh=False))
    return sorted(night.loaded)


@dataclass
class Night:
    """The writer's session of a nightly run: the connection to the copy, and the reports loaded."""

    con: duckdb.DuckDBPyConnection
    loaded: set[str] = field(default_factory=set)


@contextmanager
def loading(
    db_path: Path, fetched: list[Fetched] | None, summary: RunSummary | None = None
) -> Iterator[Night]:
    """The one writer session of a night, on a copy of the warehouse swapped in when the block ends
    (``files.writing``): analysts who have the warehouse open keep reading the previous state,
    and a failure leaves it untouched.

    It logs the night's fetches; the block loads reports (``Night.loaded``). Then the views are
    (re)created and the flags recounted if a report was loaded or the SQL changed, and ``summary``,
    if given, is completed (loaded, flags by rule, run_id, finished_at) and recorded in ``runs``.
    """
    with files.writing(db_path) as con:
        schema.ensure_schema(con)
        fetches.ensure_table(con)
        fetches.record(con, fetched or [])
        night = Night(con)
        yield night
        if night.loaded or views.views_outdated(con):
            views.create_views(con)  # and recounts the flags
        if summary is not None:
            summary.loaded = sorted(night.loaded)
            summary.flags_by_rule = _flags_by_rule(con) if night.loaded else _last_flags_by_rule(con)
            summary.finished_at = datetime.now(UTC).isoformat()
            _record_run(con, summary)


def unchanged(db_path: Path, sources: list[Source]) -> set[str]:
    """Sources already in the warehouse as they are now: the same bytes read by this extractor
    version, or the same failure to get any bytes (a file still missing, a URL still 404)."""
    if not db_path.exists():
        return set()
    con = files.connect(db_path, read_only=True)
    try:
        rows = con.execute(
            "SELECT sha256, error FROM reports WHERE extractor_version = ?", [EXTRACTOR_VERSION]
        ).fetchall()
    except duckdb.CatalogException:  # a warehouse file without tables yet
        rows = []
    finally:
        con.close()
    current = {sha for sha, _ in rows}
    failures = {(sha, error) for sha, error in rows}

    def same(s: Source) -> bool:
        if s.data is None and s.error:
            return (unreadable_sha256(s.location), s.error) in failures
        return s.sha256 in current

    return {s.location for s in sources if same(s)}


def export_paths(exports_dir: Path) -> list[str]:
    """What ``export_districts`` writes: the CSV for Excel and the Parquet folder (year=…/)."""
    return [str(Path(exports_dir) / "district_summary.csv"), str(Path(exports_dir) / "district_summary")]


def export_districts(db_path: Path, exports_dir: Path) -> list[str]:
    """district_summary as CSV for Excel and as Parquet, one folder per data year."""
    csv_path, folder = export_paths(exports_dir)
    export.export_district_summary(db_path, Path(csv_path))
    export.write_parquet(db_path, export.EXPORTS["districts"], Path(folder))
    return [csv_path, folder]


def _record_run(con: duckdb.DuckDBPyConnection, summary: RunSummary) -> None:
    run_id = runs.start_run(con, datetime.fromisoformat(summary.started_at))
    summary.run_id = run_id
    runs.finish_run(
        con,
        run_id,
        n_loaded=len(summary.loaded),
        n_skipped=len(summary.skipped),
        n_failed=len(summary.failed),
        summary=asdict(summary),
        finished_at=datetime.fromisoformat(summary.finished_at),
    )


def new_run(now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    return RunSummary(run_id="", started_at=now.isoformat())


def failures(reports: list[records.ReportRecord]) -> dict[str, str]:
    """Source → status and reason, for the reports that gave no data."""
    return {r.source: f"{r.status}: {r.error}" for r in reports if r.status in records.NO_DATA_STATUSES}
