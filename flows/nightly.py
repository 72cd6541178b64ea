"""The nightly Prefect flow: thin tasks around ``gongkai.pipeline``'s plain functions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task

from gongkai import pipeline
from gongkai.catalog import Catalog, read_catalog
from gongkai.model import Extraction


@task(name="read-catalog")
def read_catalog_task(path: Path) -> Catalog:
    return read_catalog(path)


@task(name="read-source")
def read_source_task(catalog: Catalog, index: int) -> pipeline.Source:
    return pipeline.read_source(catalog, catalog.entries[index])


@task(name="extract", task_run_name="extract {source.location}")
def extract_task(source: pipeline.Source) -> Extraction:
    return pipeline.extract_source(source)


@task(name="transform")
def transform_task(extraction: Extraction, source: pipeline.Source, at: datetime) -> pipeline.Prepared:
    return pipeline.prepare(extraction, source.entry, at)


@task(name="load")
def load_task(db_path: Path, prepared: list[pipeline.Prepared]) -> list[str]:
    return pipeline.load(db_path, prepared)


@task(name="flags")
def flags_task(db_path: Path) -> dict[str, int]:
    return pipeline.count_flags(db_path)


@task(name="export")
def export_task(db_path: Path, exports_dir: Path) -> list[str]:
    return pipeline.export_districts(db_path, exports_dir)


@flow(name="gongkai-nightly", log_prints=True)
def nightly(
    catalog_path: Path = Path("data/catalog.csv"), data_dir: Path = Path("data")
) -> pipeline.RunSummary:
    """Fetch what changed in the catalog, extract it, load it, check it, export the district summary."""
    logger = get_run_logger()
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = pipeline.warehouse_path(data_dir)
    summary = pipeline.new_run()

    catalog = read_catalog_task(Path(catalog_path))
    summary.catalog_errors = list(catalog.errors)
    for error in catalog.errors:
        logger.warning("catalog: %s", error)

    sources = [read_source_task(catalog, i) for i in range(len(catalog.entries))]
    current = pipeline.unchanged(db_path, sources)
    todo = [s for s in sources if s.location not in current]
    summary.skipped = sorted(current)

    at = datetime.now(UTC)
    extractions = extract_task.map(todo).result() if todo else []
    prepared = [transform_task(e, s, at) for e, s in zip(extractions, todo, strict=True)]
    summary.loaded = load_task(db_path, prepared) if prepared or not db_path.exists() else []
    summary.failed = pipeline.summarise_failures(prepared)

    summary.flags_by_rule = flags_task(db_path)
    summary.exports = export_task(db_path, data_dir / "exports")
    summary.finished_at = datetime.now(UTC).isoformat()
    pipeline.record_run(db_path, summary)
    logger.info("%s", summary.text())
    return summary
