"""Worker output as Parquet in a staging folder: workers extract batches, one writer loads them.

A worker gets a batch of sources that name their bytes (a local path or an archived sha256), reads
them itself, and writes one Parquet file of tidy cells plus small report records. Nothing large
travels between processes, and the writer streams the batches one at a time.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import polars as pl

from gongkai import acquire, pipeline


@dataclass
class StagedBatch:
    name: str
    reports: list[dict]
    cells_path: str | None
    # report pages that only wrap attachments: (index of the source in the batch, attachment URLs)
    wrapped: list[tuple[int, list[str]]] = field(default_factory=list)


def light(source: pipeline.Source) -> pipeline.Source:
    """The source without its bytes: the worker reads them again from the file or the archive."""
    return replace(source, data=None)


def stage_batch(
    sources: list[pipeline.Source], raw_dir: Path, at: datetime, staging_dir: Path, name: str
) -> StagedBatch:
    """Extract and transform a batch; the cells go to ``staging_dir/<name>.parquet``."""
    reports, frames, wrapped = [], [], []
    for index, source in enumerate(sources):
        extraction, prepared = pipeline.extract_and_prepare(acquire.body(source, raw_dir), at)
        reports.append(prepared.report)
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
    return StagedBatch(name, reports, cells_path, wrapped)


def prepared(batches: list[StagedBatch]) -> Iterator[pipeline.Prepared]:
    """The staged reports, batch by batch (one batch's cells in memory at a time)."""
    for batch in sorted(batches, key=lambda b: b.name):
        cells = pl.read_parquet(batch.cells_path) if batch.cells_path else None
        by_report = cells.partition_by("report_id", as_dict=True) if cells is not None else {}
        for report in sorted(batch.reports, key=lambda r: r["report_id"]):
            yield pipeline.Prepared(report, by_report.get((report["report_id"],)))


def clear(staging_dir: Path) -> None:
    shutil.rmtree(staging_dir, ignore_errors=True)
