"""The load layer on real DuckDB files: idempotent loads, rollback, failed reports, runs, exports."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from decimal import Decimal

import duckdb
import polars as pl
import pytest

from gongkai import taxonomy
from gongkai.load import export, files, loader, records, runs, schema, views
from gongkai.transform.cells import tidy_frame

TABLES = ("reports", "cells", "dim_table", "dim_row", "dim_column", "dim_cell", "runs")


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def test_schema_and_dimensions_are_idempotent(con, tmp_path):
    before = snapshot(con)
    schema.ensure_schema(con)
    schema.ensure_schema(con)
    assert snapshot(con) == before
    assert len(before["dim_cell"]) == len(taxonomy.cells())
    assert [r[0] for r in before["dim_table"]] == sorted(taxonomy.TABLES)
    assert con.execute(
        "SELECT label_zh, formats FROM dim_row WHERE table_code = 'requests' AND row_code = 'other_handling'"
    ).fetchone() == ("三、（六）其他处理（不分项，作为一行）", "2019 2021")


def test_loading_the_same_report_twice_changes_nothing(con, seed, load):
    load(con, seed())
    first = snapshot(con)
    load(con, seed())
    assert snapshot(con) == first
    assert con.execute("SELECT count(*), count(DISTINCT report_id) FROM cells").fetchone() == (200, 1)
    assert con.execute("SELECT status, error, problems, n_cells, n_null_cells FROM reports").fetchone() == (
        "ok",
        None,
        "[]",
        200,
        0,
    )


def test_reloading_a_report_replaces_its_rows(con, seed, load):
    load(con, seed())
    load(con, seed({("requests", "granted", "natural_person"): "7"}), extractor_version="test-2")
    assert con.execute("SELECT count(*), any_value(extractor_version) FROM reports").fetchone() == (
        1,
        "test-2",
    )
    assert con.execute(
        "SELECT count(*), sum(value) FILTER (WHERE row_code = 'granted' AND column_code = 'natural_person')"
        " FROM cells"
    ).fetchone() == (200, Decimal("7"))


def test_values_are_stored_as_exact_decimals(con, seed, load):
    load(con, seed({("active_disclosure", "fees", "amount_wan_yuan"): "7730.28"}))
    value = con.execute("SELECT value FROM cells WHERE row_code = 'fees'").fetchone()[0]
    assert value == Decimal("7730.280000")


def test_a_failed_report_is_stored_without_cells(con, seed, load):
    failed = replace(
        seed(), status="failed", error="找不到表三：文件只有封面", cells=[], problems=["表三", "表四"]
    )
    load(con, failed)
    row = con.execute(
        "SELECT report_id, status, error, problems, n_cells, n_null_cells FROM reports"
    ).fetchone()
    assert row == (failed.report_id, "failed", "找不到表三：文件只有封面", '["表三", "表四"]', 0, 0)
    assert json.loads(row[3]) == ["表三", "表四"]
    assert con.execute("SELECT count(*) FROM cells").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM stg_reports").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM consistency_flags").fetchone() == (0,)


def test_a_load_that_fails_midway_leaves_the_warehouse_as_before(con, seed, load):
    load(con, seed())
    con.execute("ALTER TABLE wide_appeals RENAME TO wide_appeals_gone")  # the warehouse fails, not a report
    before = snapshot(con)
    changed = seed({("requests", "granted", "natural_person"): "7"})
    record = records.report_record(changed, "test-2")
    with pytest.raises(duckdb.CatalogException):
        loader.load_report(con, record, tidy_frame(changed))  # cells deleted, then the failure
    assert snapshot(con) == before
    con.execute("ALTER TABLE wide_appeals_gone RENAME TO wide_appeals")
    loader.load_report(con, record, tidy_frame(changed))  # the connection is still usable
    assert con.execute("SELECT extractor_version FROM reports").fetchone() == ("test-2",)


def test_the_same_cell_twice_fails_its_report_not_the_load(con, seed, load):
    load(con, seed())
    changed = seed({("requests", "granted", "natural_person"): "7"})
    frame = tidy_frame(changed)
    duplicated = pl.concat([frame, frame.head(1)])  # the same cell twice: the primary key would refuse it
    loader.load_report(con, records.report_record(changed, "test-2"), duplicated)
    status, error, n_cells = con.execute("SELECT status, error, n_cells FROM reports").fetchone()
    assert (status, n_cells) == ("failed", 0)
    assert "is given twice" in error
    assert con.execute("SELECT count(*) FROM cells").fetchone() == (0,)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"report_id": "0000000000000000"}, "sha256"),
        ({"extractor_version": ""}, "lacks extractor_version"),
        ({"narrative": "…"}, "unknown report keys"),
    ],
)
def test_records_without_an_identity_write_nothing(con, seed, changes, message):
    extraction = seed()
    fields = asdict(records.report_record(extraction, "test-1")) | changes
    with pytest.raises(records.ReportLoadError, match=message):
        loader.load_report(con, records.ReportRecord.from_mapping(fields), tidy_frame(extraction))
    assert snapshot(con)["reports"] == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": "done"}, "status"),
        ({"status": "failed", "error": "x"}, "failed report has no cells"),
        ({"status": "ok", "error": "x"}, "ok report has no error"),
        ({"format": "2020"}, "format '2020'"),
        ({"year": 20240000000}, "year 20240000000 is not a year"),
    ],
)
def test_contract_violations_store_a_failed_report_without_cells(con, seed, changes, message):
    extraction = seed()
    fields = asdict(records.report_record(extraction, "test-1")) | changes
    loader.load_report(con, records.ReportRecord.from_mapping(fields), tidy_frame(extraction))
    status, error = con.execute("SELECT status, error FROM reports").fetchone()
    assert status == "failed" and message in error
    assert snapshot(con)["cells"] == []


def test_cells_of_another_report_are_refused(con, seed):
    other = tidy_frame(seed(sha256="ab" * 32))
    with pytest.raises(records.ReportLoadError, match="other reports"):
        loader.load_report(con, records.report_record(seed(), "test-1"), other)


def test_runs_are_recorded(con):
    run_id = runs.start_run(con)
    assert con.execute("SELECT finished_at FROM runs WHERE run_id = ?", [run_id]).fetchone() == (None,)
    runs.finish_run(con, run_id, n_loaded=3, n_skipped=1, n_failed=1, summary={"failed": ["x.pdf"]})
    row = con.execute(
        "SELECT n_loaded, n_skipped, n_failed, summary, finished_at IS NOT NULL FROM runs"
    ).fetchone()
    assert row == (3, 1, 1, '{"failed": ["x.pdf"]}', True)


def test_query_opens_the_warehouse_read_only(con, seed, load, tmp_path):
    load(con, seed())
    con.close()
    db = tmp_path / "warehouse.duckdb"
    frame = export.query(db, "SELECT agency, received FROM agency_metrics")
    assert frame.to_dicts() == [{"agency": "石龙区人民政府办公室", "received": Decimal("9")}]
    with pytest.raises(duckdb.Error, match=r"(?i)read.only"):
        export.query(db, "DELETE FROM reports")
    with pytest.raises(FileNotFoundError):
        export.query(tmp_path / "absent.duckdb", "SELECT 1")


def test_export_district_summary_is_utf8_with_bom_and_reproducible(con, seed, load, tmp_path):
    load(con, seed())
    load(con, seed(sha256="cd" * 32, source="seeds/elsewhere.txt", agency="石龙区财政局"))
    load(con, seed(sha256="ef" * 32, source="seeds/nowhere.txt", agency="某局", district=None, year=2023))
    con.close()
    db = tmp_path / "warehouse.duckdb"
    out = export.export_district_summary(db, tmp_path / "exports" / "districts.csv")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    again = export.export_district_summary(db, tmp_path / "again.csv")
    assert again.read_bytes() == data
    frame = pl.read_csv(out)
    assert frame.select("district", "year", "n_agencies", "received", "handled").rows() == [
        (None, 2023, 1, 9, 9),
        ("石龙区", 2024, 2, 18, 18),
    ]
    only_2024 = pl.read_csv(export.export_district_summary(db, tmp_path / "y.csv", year=2024))
    assert only_2024["district"].to_list() == ["石龙区"]
    assert "9.000000" not in data.decode("utf-8-sig")


def test_views_are_outdated_until_created_by_this_package_s_sql(con, tmp_path):
    fresh = files.connect(tmp_path / "fresh.duckdb")
    assert views.views_outdated(fresh)
    fresh.close()
    assert not views.views_outdated(con)  # the fixture's warehouse has its views
    con.execute("UPDATE warehouse_meta SET value = 'older SQL' WHERE key = 'views_sha256'")
    assert views.views_outdated(con)  # the next night recreates them, even if no report changed
    views.create_views(con)
    assert not views.views_outdated(con)
