"""The nightly flow under Prefect's test harness, on the bundled sample catalog, into a real DuckDB file."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import polars as pl
import pytest

from gongkai.flows import steps
from gongkai.flows.nightly import nightly
from gongkai.load import export
from tests.expected import copy_samples

DATA = Path(__file__).resolve().parents[1] / "data"
TABLES = ("reports", "cells", "dim_table", "dim_row", "dim_column", "dim_cell")


@pytest.fixture
def harness(prefect_harness: None) -> None:
    return None


@pytest.fixture
def sample_data(tmp_path: Path) -> Path:
    copy_samples(tmp_path, scans=True)  # the scanned sample loads through the whole flow
    return tmp_path


def latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async def read() -> str:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.CREATED_DESC,
            )
            return found[0].data

    return asyncio.run(read())


def snapshot(db: Path) -> dict[str, pl.DataFrame]:
    return {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def test_nightly_flow_loads_the_samples_and_reruns_identically(harness: None, sample_data: Path) -> None:
    first = nightly(catalog_path=sample_data / "catalog.csv", data_dir=sample_data)
    n_sources = len(pl.read_csv(sample_data / "catalog.csv"))
    assert len(first.loaded) == n_sources
    assert first.failed == {}
    db = steps.warehouse_path(sample_data)
    # the scan of hongze-2023.pdf, read by OCR: its cells exact, or NULL where the red seal covers them
    (read_by, scan_nulls), *_ = export.query(
        db,
        "SELECT read_by, count(*) FILTER (WHERE value IS NULL) FROM cells JOIN reports USING (report_id) "
        "WHERE reports.source LIKE '%hongze-2023-scan.pdf' GROUP BY read_by",
    ).rows()
    assert read_by == "ocr" and scan_nulls <= 18
    # hongze-2023.pdf and its scan print 行政复议 总计 0 under 10 and 1
    assert first.flags_by_rule["R4"] == 2 * 2
    assert (
        first.flags_by_rule["late_publication"] == 1
    )  # read from pingtan-2021's narrative, staged by a worker
    # seed 004, pingtan 2021, pingtan 2019, shanghai-kewei (labels detached from their numbers: read by
    # position; only 四、结转下年度's 总计, not printed, stays NULL)
    assert first.flags_by_rule["missing_cell"] == 14 + 3 + 19 + 1 + scan_nulls

    artifact = latest_artifact("gongkai-nightly")
    assert "## New reports" in artifact and "洪泽区人民政府" in artifact
    assert "## New flags" in artifact and "| R4 |" in artifact

    export_file = sample_data / "exports" / "district_summary.csv"
    before, export_bytes = snapshot(db), export_file.read_bytes()

    second = nightly(catalog_path=sample_data / "catalog.csv", data_dir=sample_data)
    assert second.loaded == [] and len(second.skipped) == n_sources
    after = snapshot(db)
    for table in TABLES:
        assert before[table].equals(after[table], null_equal=True), table
    assert export_file.read_bytes() == export_bytes

    assert export_bytes.startswith(b"\xef\xbb\xbf")
    districts = pl.read_csv(export_file)
    assert "洪泽区" in districts["district"].to_list()
    figures = export.query(
        db,
        "SELECT metric, value FROM narrative_figures JOIN reports USING (report_id) "
        "WHERE source LIKE '%pingtan-2021%' ORDER BY ordinal",
    ).rows()
    assert [(m, int(v)) for m, v in figures] == [
        ("active_items", 2645),  # 全年主动公开…政府信息2645条
        ("received", 70),  # 本年度全区共收到70件申请
        ("handled", 69),  # 办结69件
        ("carried_out", 1),  # 1件结转下年度继续办理
    ]
    runs = export.query(db, "SELECT n_loaded, n_skipped FROM runs ORDER BY started_at").rows()
    assert runs == [(n_sources, 0), (0, n_sources)]


def test_one_bad_report_does_not_fail_the_flow(harness: None, tmp_path: Path) -> None:
    shutil.copy(DATA / "samples" / "001_20ac404ea9b9f41f.txt", tmp_path / "good.txt")
    (tmp_path / "broken.pdf").write_bytes((DATA / "samples" / "hongze-2023.pdf").read_bytes()[:3000])
    (tmp_path / "catalog.csv").write_text(
        "agency,district,year,source\n,石龙区,2024,good.txt\n,洪泽区,2023,broken.pdf\n,,2024,gone.txt\n",
        encoding="utf-8",
    )
    summary = nightly(catalog_path=tmp_path / "catalog.csv", data_dir=tmp_path)
    assert len(summary.loaded) == 3
    assert set(summary.failed) == {str(tmp_path / "broken.pdf"), str(tmp_path / "gone.txt")}
    reports = export.query(
        steps.warehouse_path(tmp_path), "SELECT status, count(*) FROM reports GROUP BY ALL"
    )
    assert dict(reports.rows()) == {"ok": 1, "failed": 2}
