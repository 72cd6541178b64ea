"""Worker output as Parquet in a staging folder: workers extract batches, one writer loads them.

A worker gets a batch of sources that name their bytes (a local path or an archived sha256), reads
them itself, and writes one Parquet file of tidy cells plus small report records. Nothing large
travels between processes, and the writer streams the batches one at a time.
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
from gongkai.extract.narrative import NarrativeFacts


@dataclass
class StagedBatch:
    name: str
    reports: list[dict]
    cells_path: str | None
    # report pages that only wrap attachments: (index of the source in the batch, attachment URLs)
    wrapped: list[tuple[int, list[str]]] = field(default_factory=list)
    # report_id -> the facts of its narrative (figures, sections, sketch: a few kB each)
    narratives: dict[str, NarrativeFacts] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # extract, transform (CPU, this worker)


def light(source: pipeline.Source) -> pipeline.Source:
    """The source without its bytes: the worker reads them again from the file or the archive."""
    return replace(source, data=None)


def stage_batch(
    sources: list[pipeline.Source], raw_dir: Path, at: datetime, staging_dir: Path, name: str
) -> StagedBatch:
    """Extract and transform a batch; the cells go to ``staging_dir/<name>.parquet``."""
    reports, frames, wrapped, narratives = [], [], [], {}
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
            narratives[prepared.report["report_id"]] = prepared.narrative
        if prepared.cells is not None and prepared.cells.height:
            frames.append(prepared.cells)
        links = getattr(extraction, "attachments", None) or []
        if links and not extraction.cells:
            wrapped.append((index, list(links)))
    cells_path = None
    if frames:
        Path(staging_dir).mkdir(parents=True, exist_ok=True)
        cells_path = str(Path(staging_dir) / f"{name}.parquet")
        pl.concat(frames).write_parquet(cells_path, compression="zstd")
    return StagedBatch(name, reports, cells_path, wrapped, narratives, cpu)


def prepared(batches: list[StagedBatch]) -> Iterator[pipeline.Prepared]:
    """The staged reports, batch by batch (one batch's cells in memory at a time)."""
    for batch in sorted(batches, key=lambda b: b.name):
        cells = pl.read_parquet(batch.cells_path) if batch.cells_path else None
        by_report = cells.partition_by("report_id", as_dict=True) if cells is not None else {}
        for report in sorted(batch.reports, key=lambda r: r["report_id"]):
            narrative = batch.narratives.get(report["report_id"])
            yield pipeline.Prepared(report, by_report.get((report["report_id"],)), narrative)


def clear(staging_dir: Path) -> None:
    shutil.rmtree(staging_dir, ignore_errors=True)
