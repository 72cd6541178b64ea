"""The same flow on worker processes and on a local Dask cluster: the same warehouse as one process."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from gongkai.flows import steps
from gongkai.flows.nightly import with_workers
from gongkai.load import export
from tests.expected import copy_samples


def run(tmp: Path, **runner: object) -> dict[str, pl.DataFrame]:
    copy_samples(tmp)
    summary = with_workers(**runner)(catalog_path=tmp / "catalog.csv", data_dir=tmp, batch_size=3)
    assert len(summary.loaded) == len(pl.read_csv(tmp / "catalog.csv")) and summary.failed == {}
    assert not any((tmp / "batches").glob("*/*.parquet")), "the batches folder is cleared after the load"
    db = steps.warehouse_path(tmp)
    return {
        "reports": export.query(db, "SELECT * EXCLUDE (extracted_at, source) FROM reports ORDER BY 1"),
        "cells": export.query(db, "SELECT * EXCLUDE (source_file) FROM cells ORDER BY ALL"),
    }


@pytest.fixture(scope="module")
def one_process(tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> dict[str, pl.DataFrame]:
    return run(tmp_path_factory.mktemp("one"), workers=1)


RUNNERS = [{"workers": 2}, {"workers": 2, "use_dask": True}]


@pytest.mark.parametrize("runner", RUNNERS, ids=["processes", "dask"])
def test_parallel_runners_give_the_same_warehouse(
    runner: dict, one_process: dict[str, pl.DataFrame], tmp_path: Path
) -> None:
    parallel = run(tmp_path, **runner)
    for table, frame in one_process.items():
        assert frame.equals(parallel[table], null_equal=True), table
