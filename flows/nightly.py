"""The nightly Prefect flow: thin tasks around the plain functions of ``gongkai.pipeline`` and friends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from gongkai import acquire, pipeline, report_run
from gongkai.catalog import Catalog, read_catalog
from gongkai.fetch import Fetched, FetchSettings, Previous, RetryableFetchError
from gongkai.load import fetches
from gongkai.model import CatalogEntry, Extraction


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


@task(name="read-source")
def read_source_task(catalog: Catalog, entry: CatalogEntry) -> pipeline.Source:
    return pipeline.read_source(catalog, entry)


@task(name="extract-transform", task_run_name="extract {batch_name}")
def extract_batch_task(
    sources: list[pipeline.Source], raw_dir: Path, at: datetime, batch_name: str
) -> list[tuple[Extraction, pipeline.Prepared]]:
    """A batch of reports per task keeps Prefect's per-task overhead small next to the work."""
    return [pipeline.extract_and_prepare(acquire.body(s, raw_dir), at) for s in sources]


def extract_all(
    sources: list[pipeline.Source], raw_dir: Path, at: datetime, batch_size: int
) -> tuple[list[Extraction], list[pipeline.Prepared]]:
    batches = [sources[i : i + batch_size] for i in range(0, len(sources), batch_size)]
    futures = [
        extract_batch_task.submit(b, raw_dir, at, f"{i + 1}/{len(batches)}") for i, b in enumerate(batches)
    ]
    pairs = [pair for f in futures for pair in f.result()]
    return [e for e, _ in pairs], [p for _, p in pairs]


@task(name="load")
def load_task(db_path: Path, prepared: list[pipeline.Prepared], fetched: list[Fetched]) -> list[str]:
    return pipeline.load(db_path, prepared, fetched)


@task(name="flags")
def flags_task(db_path: Path) -> dict[str, int]:
    return pipeline.count_flags(db_path)


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
    batch_size: int = 50,
) -> pipeline.RunSummary:
    """Fetch what changed in the catalog, extract it, load it, check it, export the district summary."""
    settings = settings or FetchSettings()
    logger = get_run_logger()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path, raw_dir = pipeline.warehouse_path(data_dir), data_dir / "raw"
    summary = pipeline.new_run()
    known_before = report_run.sources_with_reports(db_path)

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
    sources = [read_source_task(catalog, e) for e in local]
    sources += [acquire.url_source(e, f, previous.get(e.source)) for e, f in zip(urls, answers, strict=True)]

    current = pipeline.unchanged(db_path, sources)
    todo = [s for s in sources if s.location not in current]
    summary.skipped = sorted(current)

    at = datetime.now(UTC)
    extractions, prepared = extract_all(todo, raw_dir, at, batch_size)
    # a report page that only wraps its attachment: fetch the attachment and extract that too
    wrapped = acquire.attachments_to_fetch(todo, extractions, previous)
    if wrapped:
        attachment_answers = fetch_with_retries([r for _, r in wrapped], settings, raw_dir)
        fetched += attachment_answers
        more = [
            acquire.url_source(entry, answer, previous.get(answer.url))
            for (entry, _), answer in zip(wrapped, attachment_answers, strict=True)
        ]
        more = [s for s in more if s.location not in pipeline.unchanged(db_path, more)]
        prepared += extract_all(more, raw_dir, at, batch_size)[1]

    summary.loaded = (
        load_task(db_path, prepared, fetched) if prepared or fetched or not db_path.exists() else []
    )
    summary.failed.update(pipeline.summarise_failures(prepared))

    exports_dir = data_dir / "exports"
    if summary.loaded or not (exports_dir / "district_summary.csv").exists():
        summary.flags_by_rule = flags_task(db_path)
        summary.exports = export_task(db_path, exports_dir)
    else:  # no report changed: the flags and the export are those of the last run
        summary.flags_by_rule = pipeline.last_flags_by_rule(db_path)
        summary.exports = [str(exports_dir / "district_summary.csv")]
    summary.finished_at = datetime.now(UTC).isoformat()
    pipeline.record_run(db_path, summary)
    create_markdown_artifact(
        key="gongkai-nightly",
        markdown=report_run.markdown(db_path, summary, prepared, fetched, known_before),
        description="New, changed and failed reports and their flags",
    )
    logger.info("%s", summary.text())
    return summary
