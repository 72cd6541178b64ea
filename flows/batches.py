"""The workers' side of a night: extract and transform a batch of sources into Parquet files.

A worker gets a batch of sources that name their bytes (a local path or an archived sha256), reads
them itself, and writes its reports' rows, tidy cells and narrative facts as Parquet files in
``data/batches/<run>/``. Only a small receipt travels back to the flow (counts, failures, attachment
links), so the flow's memory does not grow with the corpus; the writer (``flows.writer``) loads them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from gongkai import EXTRACTOR_VERSION
from gongkai.extract.guard import Guard, worker_guard
from gongkai.extract.narrative import NarrativeFacts, analyse
from gongkai.fetch.acquire import body
from gongkai.load import loader, records
from gongkai.model import CatalogEntry, Extraction, Source
from gongkai.transform.cells import CellValidationError, tidy_frame

PARTS = ("reports", "cells", *loader.NARRATIVE_FACT_TABLES)  # reports: records.REPORT_SCHEMA


TASKS_PER_WORKER = 4  # enough batches to even out the workers' tails
BATCH_LIMITS = (10, 500)  # reports per batch: Prefect's ~0.2 s per task in a worker process, a bounded batch


def batch_size(n_reports: int, workers: int) -> int:
    """Reports per extraction task: about ``TASKS_PER_WORKER`` tasks per worker, within ``BATCH_LIMITS``."""
    low, high = BATCH_LIMITS
    return max(low, min(high, -(-n_reports // (max(1, workers) * TASKS_PER_WORKER))))


def split(sources: list[Source], size: int) -> list[list[Source]]:
    """The sources in batches of ``size``, without their bytes: the worker reads them again."""
    light = [replace(s, data=None) for s in sources]
    return [light[i : i + size] for i in range(0, len(light), size)]


@dataclass
class StagedBatch:
    """A worker's receipt for one batch: where its Parquet files are, and what the flow must know."""

    name: str
    n_reports: int
    paths: dict[str, str]  # part (PARTS) -> Parquet file; a part with no rows has no file
    failures: dict[str, str] = field(default_factory=dict)  # source -> status and reason (no data)
    # report pages that only wrap attachments: (index of the source in the batch, attachment URLs)
    wrapped: list[tuple[int, list[str]]] = field(default_factory=list)
    # report pages whose tables are pictures to fetch first (index, picture URLs): not staged yet
    pictured: list[tuple[int, list[str]]] = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # extract, transform (CPU, this worker)


@dataclass
class Prepared:
    """One report ready to load: its record, its tidy cells and the facts of its narrative."""

    report: records.ReportRecord
    cells: pl.DataFrame | None
    narrative: NarrativeFacts | None = None


def extract_source(source: Source, guard: Guard | None = None) -> Extraction:
    """Extract one source in the guard's child (this worker's, by default), within its limits."""
    if source.data is None:
        return Extraction(source.location, source.unreadable_sha256, "missing", "failed", source.error)
    content_type = source.fetched.content_type if source.fetched else None
    pictures = {p.url: p for p in source.pictures}
    return (guard or worker_guard()).extract(
        source.data, source.location, source.entry.year, content_type, pictures
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
    report = records.report_record(extraction, EXTRACTOR_VERSION, extracted_at, entry)
    has_text = extraction.narrative and report.status not in records.NO_DATA_STATUSES
    return Prepared(report, cells, analyse(extraction.narrative, report.year) if has_text else None)


def failures(reports: list[records.ReportRecord]) -> dict[str, str]:
    """Source → status and reason, for the reports that gave no data."""
    return {r.source: f"{r.status}: {r.error}" for r in reports if r.status in records.NO_DATA_STATUSES}


def stage_batch(
    sources: list[Source], raw_dir: Path, at: datetime, batches_dir: Path, name: str, ocr: bool = True
) -> StagedBatch:
    """Extract and transform a batch; its rows go to ``batches_dir/<name>.<part>.parquet``. ``ocr``:
    recognise pictured pages (else they are ``needs_ocr``)."""
    reports, frames, wrapped, pictured, facts = [], [], [], [], []
    cpu = {"extract": 0.0, "transform": 0.0}
    guard = worker_guard(ocr)
    for index, source in enumerate(sources):
        t0 = time.process_time()
        extraction = extract_source(body(source, raw_dir), guard)
        t1 = time.process_time()
        cpu["extract"] += t1 - t0 + guard.last_cpu_seconds
        if extraction.pictures and not source.pictures:  # read again once its pictures are fetched
            pictured.append((index, list(extraction.pictures)))
            continue
        prepared = prepare(extraction, source.entry, at)
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
        "reports": records.records_frame(reports),
        "cells": pl.concat(frames) if frames else None,
        **loader.narrative_frames(facts),
    }
    Path(batches_dir).mkdir(parents=True, exist_ok=True)
    paths = {}
    for part, frame in parts.items():
        if frame is not None and frame.height:
            paths[part] = str(Path(batches_dir) / f"{name}.{part}.parquet")
            frame.write_parquet(paths[part], compression="zstd")
    return StagedBatch(name, len(reports), paths, failures(reports), wrapped, pictured, cpu)
