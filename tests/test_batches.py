"""Workers stage their output as Parquet and hand back a small receipt; the writer's load of the staged
batches gives the same warehouse as loading the prepared reports directly."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from gongkai.extract.guard import Guard
from gongkai.fetch.acquire import body, hash_source
from gongkai.fetch.catalog import read_catalog
from gongkai.flows import batches, writer
from gongkai.load import export, loader
from gongkai.model import Source
from tests.expected import copy_samples

AT = datetime(2025, 2, 1, tzinfo=UTC)
TABLES = ("reports", "cells", "narratives", "report_sections", "narrative_figures", "wide_requests")


def sources(tmp: Path) -> list[Source]:
    catalog = read_catalog(copy_samples(tmp))
    return [hash_source(catalog, e) for e in catalog.entries]


def snapshot(db: Path) -> dict[str, pl.DataFrame]:
    return {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def test_staged_batches_load_as_the_prepared_reports_do(tmp_path: Path) -> None:
    found = sources(tmp_path)
    staged = [
        batches.stage_batch(found[i : i + 4], tmp_path / "raw", AT, tmp_path / "batches", f"a{i:05d}")
        for i in range(0, len(found), 4)
    ]
    assert sum(b.n_reports for b in staged) == len(found)
    staged_ids = writer.load(tmp_path / "staged.duckdb", staged, size=3)  # groups across batches

    with Guard() as guard:
        prepared = [
            batches.prepare(batches.extract_source(body(s, tmp_path / "raw"), guard), s.entry, AT)
            for s in found
        ]
    with writer.loading(tmp_path / "direct.duckdb", None) as night:  # each report loaded as it is
        items = [loader.ReportLoad(p.report, p.cells, p.narrative) for p in prepared]
        night.loaded.update(loader.load_reports(night.con, items, refresh=False))
    direct_ids = sorted(night.loaded)

    assert staged_ids == direct_ids and len(direct_ids) == len(found)
    staged, direct = snapshot(tmp_path / "staged.duckdb"), snapshot(tmp_path / "direct.duckdb")
    for table in TABLES:
        assert staged[table].height > 0, table
        assert staged[table].equals(direct[table], null_equal=True), table


def test_the_receipt_is_small_whatever_the_reports_say(tmp_path: Path) -> None:
    found = sources(tmp_path)
    batch = batches.stage_batch(found, tmp_path / "raw", AT, tmp_path / "batches", "a00000")
    # cells, narratives and report rows stay on disk; the flow keeps counts, paths and failures
    assert set(batch.paths) == set(batches.PARTS)
    assert len(pickle.dumps(batch)) < 2_000
    on_disk = sum(Path(p).stat().st_size for p in batch.paths.values())
    assert on_disk > 10 * len(pickle.dumps(batch))
