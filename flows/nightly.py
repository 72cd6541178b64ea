"""The nightly Prefect flow: a thin task around each plain step of ``flows.steps``, called in order.

All fetching runs in the flow's own process (``fetch-sources``, ``fetch-pictures``,
``fetch-attachments``), so the per-host
limits hold for the whole run; only extraction goes to the task runner's workers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from gongkai.fetch import acquire
from gongkai.fetch.acquire import Acquired
from gongkai.fetch.catalog import Catalog, read_catalog
from gongkai.fetch.fetcher import FetchRequest
from gongkai.fetch.http import FetchSettings
from gongkai.flows import batches, progress, run_report, steps, stopping, writer
from gongkai.flows.batches import StagedBatch
from gongkai.flows.run_report import RunSummary
from gongkai.load import fetches
from gongkai.load.sources import Listed
from gongkai.model import CatalogEntry, Fetched, Previous, Source


@task(name="read-catalog")
def read_catalog_task(path: Path) -> Catalog:
    return read_catalog(path)


@task(name="previous-fetches")
def previous_fetches_task(db_path: Path) -> dict[str, Previous]:
    return fetches.previous(db_path)


@task(name="fetch-sources")
def fetch_sources_task(
    catalog: Catalog, previous: dict[str, Previous], settings: FetchSettings, raw_dir: Path
) -> Acquired:
    """Called, not submitted: it runs in the flow's process, with the night's per-host limits."""
    return acquire.acquire(catalog, previous, settings, raw_dir, get_run_logger().warning)


@task(name="fetch-attachments")
def fetch_attachments_task(
    wanted: list[tuple[CatalogEntry, FetchRequest]],
    previous: dict[str, Previous],
    settings: FetchSettings,
    raw_dir: Path,
) -> Acquired:
    return acquire.fetch_attachments(wanted, previous, settings, raw_dir, get_run_logger().warning)


@task(name="fetch-pictures")
def fetch_pictures_task(
    pages: list[tuple[Source, list[str]]],
    previous: dict[str, Previous],
    settings: FetchSettings,
    raw_dir: Path,
) -> Acquired:
    return acquire.fetch_pictures(pages, previous, settings, raw_dir, get_run_logger().warning)


@task(name="extract-transform", task_run_name="extract batch {name}")
def stage_task(
    sources: list[Source], raw_dir: Path, at: datetime, batches_dir: Path, name: str, ocr: bool = True
) -> StagedBatch:
    """A batch of reports per task keeps Prefect's per-task overhead small next to the work."""
    stopping.leave_stopping_to_the_flow()
    return batches.stage_batch(sources, raw_dir, at, batches_dir, name, ocr)


@task(name="start-worker")
def warm_up_task() -> int:
    """Nothing: a worker process that runs it has imported the extractors, while the flow fetches."""
    stopping.leave_stopping_to_the_flow()
    return os.getpid()


def stage_all(
    sources: list[Source],
    raw_dir: Path,
    at: datetime,
    batches_dir: Path,
    size: int,
    prefix: str,
    ocr: bool = True,
) -> list[tuple[list[Source], StagedBatch]]:
    """Every source extracted in batches on the flow's task runner (threads, processes or Dask)."""
    split = batches.split(sources, size)
    futures = [
        stage_task.submit(b, raw_dir, at, batches_dir, f"{prefix}{i:05d}", ocr) for i, b in enumerate(split)
    ]
    done = []
    for b, f in zip(split, futures, strict=True):
        done.append((b, f.result()))
        progress.report("extract", sum(len(d) for d, _ in done), len(sources))
    return done


@task(name="load")
def load_task(
    db_path: Path,
    staged: list[StagedBatch],
    fetched: list[Fetched],
    summary: RunSummary,
    listed: list[Listed],
) -> RunSummary:
    """Load, apply tonight's catalog, check and record the night in one writer session; the summary
    completed."""
    summary = replace(summary)
    writer.load(db_path, staged, fetched, summary, listed=listed)
    return summary


@task(name="export")
def export_task(db_path: Path, exports_dir: Path) -> list[str]:
    return steps.export_districts(db_path, exports_dir)


@flow(name="gongkai-nightly", log_prints=True)
def nightly(
    catalog_path: Path = Path("data/catalog.csv"),
    data_dir: Path = Path("data"),
    settings: FetchSettings | None = None,
    batch_size: int | None = None,
    workers: int = 1,
    ocr: bool = True,
) -> RunSummary:
    """Fetch what changed in the catalog, extract it, load it, check it, export the district summary.

    ``workers``: the task runner's extraction workers (``with_workers`` sets both); with more than one,
    they start while the flow reads the catalog and fetches. ``batch_size``: reports per extraction
    task (default: ``batches.batch_size``). ``ocr``: recognise scanned pages (False: ``needs_ocr``)."""
    stopping.keep_stopping_on_signals()
    settings = settings or FetchSettings()
    starting = [warm_up_task.submit() for _ in range(workers)] if workers > 1 else []
    logger = get_run_logger()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path, raw_dir, exports_dir = steps.warehouse_path(data_dir), data_dir / "raw", data_dir / "exports"
    summary = run_report.new_run()
    known_before = run_report.sources_with_reports(db_path)
    laps = steps.Laps(summary.stage_seconds)
    with writer.running(data_dir) as leftovers:
        for path in leftovers:
            logger.warning("removed %s, left by a run that was killed", path)
        catalog = read_catalog_task(Path(catalog_path))
        summary.catalog_errors = list(catalog.errors)
        for error in catalog.errors:
            logger.warning("catalog: %s", error)
        previous = previous_fetches_task(db_path)
        progress.report("fetch", 0, len(catalog.entries))
        acquired = fetch_sources_task(catalog, previous, settings, raw_dir)
        progress.report("fetch", len(acquired.sources), len(acquired.sources))
        laps.lap("fetch")

        known = steps.extracted(db_path)
        todo, summary.skipped = steps.to_extract(known, acquired.sources)
        at = datetime.now(UTC)
        night_batches = steps.batches_dir(data_dir, at)
        with stopping.on_stop(lambda: writer.clear(night_batches)):
            try:
                for started in starting:
                    started.wait()
                batch_size = batch_size or batches.batch_size(len(todo), workers)
                done = stage_all(todo, raw_dir, at, night_batches, batch_size, "a", ocr)
                fetched = acquired.fetched
                pictured = steps.pictured(done)  # pages whose tables are pictures: fetched, read again
                if pictured:
                    shown = fetch_pictures_task(pictured, previous, settings, raw_dir)
                    fetched = fetched + shown.fetched
                    done += stage_all(shown.sources, raw_dir, at, night_batches, batch_size, "p", ocr)
                wrapped = steps.attachments(done, previous)  # report pages that only link their report
                night_sources = acquired.sources
                if wrapped:
                    attached = fetch_attachments_task(wrapped, previous, settings, raw_dir)
                    fetched, night_sources = fetched + attached.fetched, night_sources + attached.sources
                    more, _ = steps.to_extract(known, attached.sources)
                    done += stage_all(more, raw_dir, at, night_batches, batch_size, "b", ocr)
                staged = [s for _, s in done]
                summary.worker_cpu_seconds = steps.worker_cpu_seconds(staged)
                laps.lap("extract_transform")

                summary.failed = steps.failures(acquired, staged, wrapped)
                summary.exports = steps.export_paths(exports_dir)
                listed = steps.listed(night_sources)
                summary = load_task(
                    db_path, staged, fetched, summary, listed
                )  # and the flags, the run recorded
            finally:
                writer.clear(night_batches)
        laps.lap("load_views")
        export_task(db_path, exports_dir)
        laps.lap("flags_export")
    create_markdown_artifact(
        key="gongkai-nightly",
        markdown=run_report.markdown(db_path, summary, fetched, known_before),
        description="New, changed and failed reports and their flags",
    )
    logger.info("%s", summary.text())
    return summary


def with_workers(
    workers: int = 1, dask_address: str | None = None, use_dask: bool = False
) -> Callable[..., RunSummary]:
    """The nightly flow on a task runner for ``workers`` extraction processes (call it with the flow's
    other parameters).

    ``dask_address`` (or ``GONGKAI_DASK_ADDRESS``) points it at a running Dask cluster
    (``tcp://scheduler:8786``); ``use_dask`` alone starts a local Dask cluster of ``workers`` processes.
    """
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    dask_address = dask_address or os.environ.get("GONGKAI_DASK_ADDRESS") or None
    if dask_address or use_dask:
        from prefect_dask import DaskTaskRunner

        runner = (
            DaskTaskRunner(address=dask_address)
            if dask_address
            else DaskTaskRunner(
                cluster_kwargs={
                    "n_workers": workers,
                    "threads_per_worker": 1,
                    "processes": True,
                    "dashboard_address": None,
                }
            )
        )
    elif workers > 1:
        runner = ProcessPoolTaskRunner(max_workers=workers)
    else:
        runner = ThreadPoolTaskRunner(max_workers=1)
    return functools.partial(nightly.with_options(task_runner=runner), workers=workers)
