"""Worker output as Parquet in a staging folder: workers extract batches, one writer loads them.

A worker gets a batch of sources that name their bytes (a local path or an archived sha256), reads
them itself, and writes its reports' rows, tidy cells and narrative facts as Parquet files. Only a
small receipt travels back to the flow (counts, failures, attachment links), so the flow's memory does
not grow with the corpus, and the writer reads a few batches at a time.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from gongkai import acquire, pipeline
from gongkai.fetch import Fetched
from gongkai.load import loader
from gongkai.load.records import ReportRecord, records_frame, records_of

PARTS = ("reports", "cells", *loader.NARRATIVE_FACT_TABLES)  # reports: records.REPORT_SCHEMA


TASKS_PER_WORKER = 4  # enough batches to even out the workers' tails
BATCH_LIMITS = (10, 500)  # reports per batch: Prefect's ~0.2 s per task in a worker process, a bounded batch


def batch_size(n_reports: int, workers: int) -> int:
    """Reports per extraction task: about ``TASKS_PER_WORKER`` tasks per worker, within ``BATCH_LIMITS``."""
    low, high = BATCH_LIMITS
    return max(low, min(high, -(-n_reports // (max(1, workers) * TASKS_PER_WORKER))))


@dataclass
class StagedBatch:
    """A worker's receipt for one batch: where its Parquet files are, and what the flow must know."""

    name: str
    n_reports: int
    paths: dict[str, str]  # part (PARTS) -> Parquet file; a part with no rows has no file
    failures: dict[str, str] = field(default_factory=dict)  # source -> status and reason (no data)
    # report pages that only wrap attachments: (index of the source in the batch, attachment URLs)
    wrapped: list[tuple[int, list[str]]] = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # extract, transform (CPU, this worker)


@dataclass
class LoadGroup:
    """Some staged batches read back, ready for ``loader.load_group``."""

    reports: list[ReportRecord]
    cells: list[pl.DataFrame]
    narratives: dict[str, pl.DataFrame]


def light(source: pipeline.Source) -> pipeline.Source:
    """The source without its bytes: the worker reads them again from the file or the archive."""
    return replace(source, data=None)


def stage_batch(
    sources: list[pipeline.Source], raw_dir: Path, at: datetime, staging_dir: Path, name: str
) -> StagedBatch:
    """Extract and transform a batch; its rows go to ``staging_dir/<name>.<part>.parquet``."""
    reports, frames, wrapped, facts = [], [], [], []
    cpu = {"extract": 0.0, "transform": 0.0}
    for index, source in enumerate(sources):
        t0 = time.process_time()
        extraction = pipeline.extract_source(acquire.body(source, raw_dir))
        t1 = time.process_time()
        prepared = pipeline.prepare(extraction, source.entry, at)
        cpu["extract"] += t1 - t0
        cpu["transform"] += time.process_time() - t1
        reports.append(prepared.report)
        if prepared.narrative is not None:
            facts.append((prepared.report.report_id, prepared.narrative))
        if prepared.cells is not None and prepared.cells.height:
            frames.append(prepared.cells)
        links = getattr(extraction, "attachments", None) or []
        if links and not extraction.cells:
            wrapped.append((index, list(links)))
    parts = {
        "reports": records_frame(reports),
        "cells": pl.concat(frames) if frames else None,
        **loader.narrative_frames(facts),
    }
    Path(staging_dir).mkdir(parents=True, exist_ok=True)
    paths = {}
    for part, frame in parts.items():
        if frame is not None and frame.height:
            paths[part] = str(Path(staging_dir) / f"{name}.{part}.parquet")
            frame.write_parquet(paths[part], compression="zstd")
    return StagedBatch(name, len(reports), paths, pipeline.failures(reports), wrapped, cpu)


def groups(batches: list[StagedBatch], size: int) -> Iterator[LoadGroup]:
    """The staged batches read back in name order, about ``size`` reports at a time."""
    pending: list[StagedBatch] = []
    for batch in sorted(batches, key=lambda b: b.name):
        pending.append(batch)
        if sum(b.n_reports for b in pending) >= size:
            yield _read(pending)
            pending = []
    if pending:
        yield _read(pending)


def _read(batches: list[StagedBatch]) -> LoadGroup:
    def frames(part: str) -> list[pl.DataFrame]:
        return [pl.read_parquet(b.paths[part]) for b in batches if part in b.paths]

    narratives = {}
    for table in loader.NARRATIVE_FACT_TABLES:
        parts = frames(table)
        narratives[table] = pl.concat(parts) if parts else loader.narrative_frames([])[table]
    reports = [r for f in frames("reports") for r in records_of(f)]
    return LoadGroup(reports, frames("cells"), narratives)


def load(
    db_path: Path,
    batches: list[StagedBatch],
    fetched: list[Fetched] | None = None,
    summary: pipeline.RunSummary | None = None,
    size: int = pipeline.LOAD_CHUNK,
) -> list[str]:
    """The one writer: load the staged batches, about ``size`` reports per transaction, in the night's
    writer session (``pipeline.loading``); returns the report_ids loaded, sorted."""
    with pipeline.loading(db_path, fetched, summary) as night:
        for group in groups(batches, size):
            night.loaded.update(
                loader.load_group(night.con, group.reports, group.cells, group.narratives, refresh=False)
            )
    return sorted(night.loaded)


def clear(staging_dir: Path) -> None:
    shutil.rmtree(staging_dir, ignore_errors=True)
