"""The nightly Prefect flow: thin tasks around the plain functions of ``gongkai.pipeline`` and friends."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from gongkai import acquire, pipeline, report_run, staging
from gongkai.catalog import Catalog, read_catalog
from gongkai.fetch import Fetched, FetchSettings, Previous, RetryableFetchError
from gongkai.load import fetches
from gongkai.model import CatalogEntry


def _retry_when_worth_it(task, task_run, state) -> bool:  # type: ignore[no-untyped-def]
    """Prefect retries timeouts, connection errors, 5xx and 429; never a 404 or a bad body."""
    try:
        state.result()
    except RetryableFetchError:
        return True
    except Exception:
        return False
    return False


@task(name="read-catalog")
def read_catalog_task(path: Path) -> Catalog:
    return read_catalog(path)


@task(name="previous-fetches")
def previous_fetches_task(db_path: Path) -> dict[str, Previous]:
    return fetches.previous(db_path)


@task(name="discover", task_run_name="discover {entry.source}", retry_condition_fn=_retry_when_worth_it)
def discover_task(
    entry: CatalogEntry, previous: dict[str, Previous], settings: FetchSettings, raw_dir: Path
) -> tuple[list[CatalogEntry], list[Fetched]]:
    return acquire.expand_listing(entry, previous, settings, raw_dir)


@task(name="fetch-batch")
def fetch_batch_task(
    requests: list[acquire.FetchRequest], settings: FetchSettings, raw_dir: Path
) -> list[Fetched]:
    return acquire.fetch_batch(requests, settings, raw_dir)


@task(name="fetch", task_run_name="fetch {request.url}", retry_condition_fn=_retry_when_worth_it)
def fetch_task(request: acquire.FetchRequest, settings: FetchSettings, raw_dir: Path) -> Fetched:
    return acquire.attempt(request, settings, raw_dir)


@task(name="hash-local-sources")
def hash_sources_task(catalog: Catalog, entries: list[CatalogEntry]) -> list[pipeline.Source]:
    return [pipeline.hash_source(catalog, e) for e in entries]


@task(name="extract-transform", task_run_name="extract batch {name}")
def stage_task(
    sources: list[pipeline.Source], raw_dir: Path, at: datetime, staging_dir: Path, name: str
) -> staging.StagedBatch:
    """A batch of reports per task keeps Prefect's per-task overhead small next to the work."""
    return staging.stage_batch(sources, raw_dir, at, staging_dir, name)


@task(name="start-worker")
def warm_up_task() -> int:
    """Nothing: a worker process that runs it has imported the extractors, while the flow fetches."""
    return os.getpid()


def stage_all(
    sources: list[pipeline.Source],
    raw_dir: Path,
    at: datetime,
    staging_dir: Path,
    batch_size: int,
    prefix: str,
) -> list[tuple[list[pipeline.Source], staging.StagedBatch]]:
    """Every source extracted in batches on the flow's task runner (threads, processes or Dask)."""
    light = [staging.light(s) for s in sources]
    batches = [light[i : i + batch_size] for i in range(0, len(light), batch_size)]
    futures = [
        stage_task.submit(b, raw_dir, at, staging_dir, f"{prefix}{i:05d}") for i, b in enumerate(batches)
    ]
    return [(b, f.result()) for b, f in zip(batches, futures, strict=True)]


@task(name="load")
def load_task(
    db_path: Path, staged: list[staging.StagedBatch], fetched: list[Fetched], summary: pipeline.RunSummary
) -> pipeline.RunSummary:
    """Load, check and record the night in one writer session; the summary completed."""
    summary = replace(summary)
    staging.load(db_path, staged, fetched, summary)
    return summary


@task(name="export")
def export_task(db_path: Path, exports_dir: Path) -> list[str]:
    return pipeline.export_districts(db_path, exports_dir)


def fetch_with_retries(
    requests: list[acquire.FetchRequest], settings: FetchSettings, raw_dir: Path
) -> list[Fetched]:
    """One batched attempt at every URL; the retryable failures again, as Prefect tasks with retries."""
    first = fetch_batch_task(requests, settings, raw_dir)
    again = [r for r, f in zip(requests, first, strict=True) if f.retryable]
    if not again:
        return first
    retrying = fetch_task.with_options(
        retries=settings.retries, retry_delay_seconds=list(settings.retry_delay_seconds)
    )
    futures = {r.url: retrying.submit(r, settings, raw_dir) for r in again}
    done: dict[str, Fetched] = {}
    for url, future in futures.items():
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, RetryableFetchError):
            outcome = replace(outcome.fetched, attempts=settings.retries + 2, retryable=False)
        elif isinstance(outcome, BaseException):
            outcome = Fetched(url=url, outcome="failed", error=f"{type(outcome).__name__}: {outcome}")
        else:
            outcome = replace(outcome, attempts=outcome.attempts + 1)
        done[url] = outcome
    return [done.get(f.url, f) if f.retryable else f for f in first]


@flow(name="gongkai-nightly", log_prints=True)
def nightly(
    catalog_path: Path = Path("data/catalog.csv"),
    data_dir: Path = Path("data"),
    settings: FetchSettings | None = None,
    batch_size: int | None = None,
    workers: int = 1,
) -> pipeline.RunSummary:
    """Fetch what changed in the catalog, extract it, load it, check it, export the district summary.

    ``workers``: the task runner's extraction workers (``with_workers`` sets both); with more than one,
    they start while the flow reads the catalog and fetches. ``batch_size``: reports per extraction
    task (default: ``staging.batch_size``)."""
    settings = settings or FetchSettings()
    starting = [warm_up_task.submit() for _ in range(workers)] if workers > 1 else []
    logger = get_run_logger()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path, raw_dir = pipeline.warehouse_path(data_dir), data_dir / "raw"
    summary = pipeline.new_run()
    known_before = report_run.sources_with_reports(db_path)

    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + round(now - clock, 3)
        clock = now

    catalog = read_catalog_task(Path(catalog_path))
    summary.catalog_errors = list(catalog.errors)
    for error in catalog.errors:
        logger.warning("catalog: %s", error)
    local, urls, listings = acquire.split(catalog.entries)
    previous = previous_fetches_task(db_path)

    fetched: list[Fetched] = []
    for listing in listings:
        outcome = (
            discover_task.with_options(
                retries=settings.retries, retry_delay_seconds=list(settings.retry_delay_seconds)
            )
            .submit(listing, previous, settings, raw_dir)
            .result(raise_on_failure=False)
        )
        if isinstance(outcome, BaseException):
            error = outcome.fetched if isinstance(outcome, RetryableFetchError) else None
            fetched.append(error or Fetched(url=listing.source, outcome="failed", error=str(outcome)))
            summary.failed[listing.source] = f"listing: {outcome}"
            continue
        found, pages = outcome
        fetched += pages
        urls += [e for e in found if e.source not in {u.source for u in urls}]

    answers = fetch_with_retries(
        [acquire.FetchRequest(e.source, previous.get(e.source), e.parent_url) for e in urls],
        settings,
        raw_dir,
    )
    fetched += answers
    sources = hash_sources_task(catalog, local) if local else []
    sources += [acquire.url_source(e, f, previous.get(e.source)) for e, f in zip(urls, answers, strict=True)]

    lap("fetch")
    current = pipeline.unchanged(db_path, sources)
    todo = [s for s in sources if s.location not in current]
    summary.skipped = sorted(current)

    at = datetime.now(UTC)
    staging_dir = data_dir / "staging" / at.strftime("%Y%m%dT%H%M%S%f")
    for started in starting:
        started.wait()
    batch_size = batch_size or staging.batch_size(len(todo), workers)
    done = stage_all(todo, raw_dir, at, staging_dir, batch_size, "a")
    # a report page that only wraps its attachment: fetch the attachment and extract that too
    wrapped = acquire.attachments_to_fetch(
        [(batch[i], links) for batch, staged in done for i, links in staged.wrapped], previous
    )
    if wrapped:
        attachment_answers = fetch_with_retries([r for _, r in wrapped], settings, raw_dir)
        fetched += attachment_answers
        more = [
            acquire.url_source(entry, answer, previous.get(answer.url))
            for (entry, _), answer in zip(wrapped, attachment_answers, strict=True)
        ]
        more = [s for s in more if s.location not in pipeline.unchanged(db_path, more)]
        done += stage_all(more, raw_dir, at, staging_dir, batch_size, "b")

    staged = [s for _, s in done]
    for s in staged:
        for stage, seconds in s.cpu_seconds.items():
            summary.worker_cpu_seconds[stage] = round(summary.worker_cpu_seconds.get(stage, 0.0) + seconds, 3)
    lap("extract_transform")
    wrappers = {entry.parent_url for entry, _ in wrapped}  # pages that only link their report
    summary.failed.update(
        {src: why for s in staged for src, why in s.failures.items() if src not in wrappers}
    )
    # a source that failed again tonight is unchanged, but still failing: the run says so
    summary.failed.update(pipeline.fetch_failures(sources, summary.failed))
    exports_dir = data_dir / "exports"
    summary.exports = pipeline.export_paths(exports_dir)
    summary = load_task(db_path, staged, fetched, summary)  # and the flags, and the run recorded
    staging.clear(staging_dir)
    lap("load_views")
    if summary.loaded or not all(Path(p).exists() for p in summary.exports):
        export_task(db_path, exports_dir)
    lap("flags_export")
    create_markdown_artifact(
        key="gongkai-nightly",
        markdown=report_run.markdown(db_path, summary, fetched, known_before),
        description="New, changed and failed reports and their flags",
    )
    logger.info("%s", summary.text())
    return summary


def with_workers(
    workers: int = 1, dask_address: str | None = None, use_dask: bool = False
) -> Callable[..., pipeline.RunSummary]:
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
