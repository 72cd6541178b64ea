"""The SQL views on seed 001 and variations of it: marts, R1–R4 and cell flags."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import duckdb
import pytest

from gongkai.load import export, sqlfiles, views

FLAG_COLUMNS = [
    "report_id",
    "agency",
    "district",
    "year",
    "rule",
    "table_code",
    "row_code",
    "column_code",
    "cells",
    "expected",
    "printed",
    "severity",
    "description_zh",
]
VIEWS = {
    "stg_reports",
    "stg_cells",
    "stg_requests_by_applicant",
    "stg_appeals_by_row",
    "stg_agency_reports",
    "requests_tidy",
    "agency_metrics",
    "district_summary",
    "flag_r1_balance",
    "flag_r2_results_sum",
    "flag_r3_row_total",
    "flag_r4_appeals_total",
    "flag_missing_cells",
    "flag_blank_cells",
    "consistency_flags",
    # issue 6: cross-year, narrative and structure checks, comparisons
    "stg_report_pairs",
    "agency_compare",
    "flag_r5_carried_over",
    "flag_r6_narrative_figures",
    "flag_r7_in_force",
    "flag_missing_tables",
    "flag_missing_sections",
    "flag_format_year",
    "flag_late_publication",
    "flag_copied_narrative",
    "flag_unknown_district",
    "flag_duplicate_reports",
    "flag_agency_mismatch",
    "flag_absurd_values",
    "flag_conflicting_tables",
    "flag_ocr_unproven",
}


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    return con.sql(sql).pl().to_dicts()


def flag_rows(con: duckdb.DuckDBPyConnection, view: str = "consistency_flags") -> list[tuple]:
    return con.execute(
        "SELECT rule, table_code, row_code, column_code, expected, printed, severity, description_zh"
        f" FROM {view}"
    ).fetchall()


def test_every_view_file_is_documented_and_created(con):
    files = sqlfiles.view_files()
    assert {f.name for f in files} == VIEWS
    for f in files:
        select = f.sql.split("\nselect", 1)[-1].split("\nfrom", 1)[0]
        undocumented = [
            line for line in select.splitlines()[1:] if line.rstrip().endswith(",") and "--" not in line
        ]
        assert not undocumented, f"{f.name}: columns without a comment: {undocumented}"
    assert sorted(views.create_views(con)) == sorted(VIEWS)
    names = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert names == VIEWS
    for view in VIEWS - {"consistency_flags"}:
        if view.startswith("flag_"):
            assert [c[0] for c in con.execute(f"DESCRIBE {view}").fetchall()] == FLAG_COLUMNS


def test_create_views_twice_gives_the_same_order(con):
    assert views.create_views(con) == views.create_views(con)


def test_a_view_is_created_after_the_views_it_reads(con):
    order = views.create_views(con)
    for f in sqlfiles.view_files():
        for relation in views.relations(f.sql) & VIEWS:
            assert order.index(relation) < order.index(f.name), f"{f.name} reads {relation}"


def view_file(name: str, sql: str) -> sqlfiles.ViewFile:
    return sqlfiles.ViewFile("marts", name, "a test view", f"create or replace view {name} as {sql}")


def test_a_view_that_reads_an_unknown_relation_is_named():
    with pytest.raises(ValueError, match=r"sql/marts/a\.sql reads unknown relations: nowhere"):
        views.creation_order([view_file("a", "select * from nowhere")], tables={"reports"})


def test_views_in_a_cycle_are_named():
    cycle = [view_file("a", "select * from b"), view_file("b", "select * from a"), view_file("c", "select 1")]
    with pytest.raises(ValueError, match="in a cycle: a, b"):
        views.creation_order(cycle, tables=())


def test_relations_leave_out_ctes_comments_strings_and_functions():
    sql = """
    with recent as (select * from reports)  -- from nowhere
    select extract(year from published_on), 'from elsewhere', r.* from recent as r
    join stg_cells as c on true, range(3)
    """
    assert views.relations(sql) == {"reports", "stg_cells"}


def test_the_seed_balances(con, seed, load):
    load(con, seed())
    assert flag_rows(con) == []
    assert con.execute("SELECT count(*) FROM stg_cells WHERE row_label_zh IS NULL").fetchone() == (0,)


def test_requests_tidy_has_labels_beside_the_codes(con, seed, load):
    load(con, seed())
    frame = con.sql("SELECT * FROM requests_tidy").pl()
    assert frame.columns == [
        "report_id",
        "agency",
        "district",
        "year",
        "table",
        "row",
        "row_label_zh",
        "applicant_type",
        "applicant_type_label_zh",
        "value",
    ]
    assert frame.height == 175
    assert set(frame["table"]) == {"requests"}
    first = frame.row(0, named=True)
    assert (first["row"], first["applicant_type"], first["value"]) == ("new", "natural_person", Decimal(9))
    assert first["row_label_zh"] == "一、本年新收政府信息公开申请数量"
    assert first["applicant_type_label_zh"] == "自然人"


def test_agency_metrics_of_the_seed(con, seed, load):
    load(con, seed())
    (metrics,) = rows(con, "SELECT * FROM agency_metrics")
    grant_rate = metrics.pop("grant_rate")
    assert grant_rate == pytest.approx(8 / 9)
    zero = Decimal(0)
    assert metrics == {
        "agency": "石龙区人民政府办公室",
        "district": "石龙区",
        "year": 2024,
        "report_id": seed().report_id,
        "format": "2021",
        "n_reports": 1,
        "received": Decimal(9),
        "carried_in": zero,
        "granted": Decimal(8),
        "partially_granted": zero,
        "denied": zero,
        "denied_state_secret": zero,
        "denied_prohibited_by_law": zero,
        "denied_three_securities_one_stability": zero,
        "denied_third_party_rights": zero,
        "denied_internal_affairs": zero,
        "denied_process_information": zero,
        "denied_enforcement_files": zero,
        "denied_administrative_query": zero,
        "unable": Decimal(1),
        "not_processed": zero,
        "other": zero,
        "handled": Decimal(9),
        "carried_out": zero,
        "admin_review_total": zero,
        "admin_review_corrected": zero,
        "litigation_total": zero,
        "litigation_corrected": zero,
        "agency_kind": "government",
        "agency_kind_label_zh": "区县（市）人民政府及其办公室",
        "received_prev": None,
        "received_yoy": None,
        "handled_prev": None,
        "handled_yoy": None,
        "grant_rate_prev": None,
        "grant_rate_change": None,
        "n_agencies_in_district": 1,
        "received_rank_in_district": 1,
        "grant_rate_rank_in_district": 1,
        "n_agencies_in_kind": 1,
        "received_rank_in_kind": 1,
        "grant_rate_rank_in_kind": 1,
    }


def test_district_summary_sums_agencies_and_keeps_unknown_districts_apart(con, seed, load):
    load(con, seed())
    load(
        con,
        seed({("requests", "granted", "total"): "7"}, sha256="cd" * 32, source="b", agency="石龙区财政局"),
    )
    load(con, seed(sha256="ef" * 32, source="c", agency="某局", district=None))
    summary = rows(
        con,
        "SELECT district, year, n_agencies, n_reports_with_flags, received, granted, handled"
        " FROM district_summary",
    )
    assert summary == [
        {
            "district": "石龙区",
            "year": 2024,
            "n_agencies": 2,
            "n_reports_with_flags": 1,
            "received": Decimal(18),
            "granted": Decimal(15),
            "handled": Decimal(18),
        },
        {
            "district": None,
            "year": 2024,
            "n_agencies": 1,
            "n_reports_with_flags": 0,
            "received": Decimal(9),
            "granted": Decimal(8),
            "handled": Decimal(9),
        },
    ]
    grant_rate = con.execute("SELECT grant_rate FROM district_summary WHERE district = '石龙区'").fetchone()[
        0
    ]
    assert grant_rate == pytest.approx(15 / 18)


def test_one_changed_number_fires_exactly_r2_and_r3(con, seed, load):
    # granted.natural_person 8 -> 7: R1 has no granted; R2 breaks in the 自然人 column (7 + 1 ≠ 9);
    # R3 breaks in the granted row (7 ≠ 8); the 总计 column still balances.
    load(con, seed({("requests", "granted", "natural_person"): "7"}))
    assert flag_rows(con) == [
        (
            "R3",
            "requests",
            "granted",
            "total",
            Decimal(7),
            Decimal(8),
            "warning",
            "三、（一）予以公开行：总计（8）≠ 六类申请人之和（7）",
        ),
        (
            "R2",
            "requests",
            "handled_total",
            "natural_person",
            Decimal(8),
            Decimal(9),
            "warning",
            "自然人列：三（七）总计（9）≠ （一）至（六）之和（8）",
        ),
    ]
    (cells,) = con.execute("SELECT cells FROM flag_r2_results_sum").fetchone()
    assert cells.startswith("requests.handled_total.natural_person = requests.granted.natural_person + ")
    assert cells.endswith(" + requests.other_fee_unpaid.natural_person + requests.other_other.natural_person")
    assert cells.count(" + ") == 20


def test_r1_fires_per_applicant_column(con, seed, load):
    load(con, seed({("requests", "new", "natural_person"): "10"}))
    assert flag_rows(con) == [
        (
            "R1",
            "requests",
            None,
            "natural_person",
            Decimal(10),
            Decimal(9),
            "error",
            "自然人列：一+二（10）≠ 三（七）总计+四（9）",
        ),
        (
            "R3",
            "requests",
            "new",
            "total",
            Decimal(10),
            Decimal(9),
            "warning",
            "一、本年新收政府信息公开申请数量行：总计（9）≠ 六类申请人之和（10）",
        ),
    ]
    assert con.execute("SELECT cells FROM flag_r1_balance").fetchone() == (
        "requests.new.natural_person + requests.carried_in.natural_person"
        " = requests.handled_total.natural_person + requests.carried_out.natural_person",
    )


def test_r4_fires_on_an_appeals_total(con, seed, load):
    load(con, seed({("appeals", "admin_review", "total"): "1"}))
    assert flag_rows(con) == [
        (
            "R4",
            "appeals",
            "admin_review",
            "total",
            Decimal(0),
            Decimal(1),
            "warning",
            "行政复议：总计（1）≠ 结果维持+结果纠正+其他结果+尚未审结（0）",
        ),
    ]
    assert con.execute("SELECT admin_review_total FROM agency_metrics").fetchone() == (Decimal(1),)


def test_r2_uses_other_handling_where_the_report_prints_one_row(con, seed, load):
    moved = {
        ("requests", "granted", "natural_person"): "7",
        ("requests", "granted", "total"): "7",
        ("requests", "other_handling", "natural_person"): "1",
        ("requests", "other_handling", "total"): "1",
    }
    load(con, seed(moved, other_as_one_row=True))
    assert flag_rows(con) == []
    assert con.execute("SELECT granted, other, handled FROM agency_metrics").fetchone() == (
        Decimal(7),
        Decimal(1),
        Decimal(9),
    )


def test_a_null_cell_is_flagged_missing_and_makes_no_identity_flag(con, seed, load):
    # handled_total.natural_person takes part in R1, R2 and R3: none of them is evaluated.
    load(con, seed({("requests", "handled_total", "natural_person"): None}))
    assert flag_rows(con) == [
        (
            "missing_cell",
            "requests",
            "handled_total",
            "natural_person",
            None,
            None,
            "error",
            "未能读取该单元格（数据缺失）",
        ),
    ]
    assert con.execute("SELECT cells, report_id FROM flag_missing_cells").fetchone() == (
        "requests.handled_total.natural_person",
        seed().report_id,
    )
    assert con.execute("SELECT n_null_cells FROM reports").fetchone() == (1,)


def test_null_inputs_stay_null_in_the_marts(con, seed, load):
    load(con, seed({("requests", "denied_state_secret", "total"): None}))
    load(con, seed(sha256="cd" * 32, source="b", agency="石龙区财政局"))
    assert con.execute(
        "SELECT agency, denied, denied_state_secret, denied_third_party_rights, handled FROM agency_metrics"
    ).fetchall() == [
        ("石龙区人民政府办公室", None, None, Decimal(0), Decimal(9)),
        ("石龙区财政局", Decimal(0), Decimal(0), Decimal(0), Decimal(9)),
    ]
    assert con.execute("SELECT denied, denied_state_secret, handled FROM district_summary").fetchone() == (
        None,
        None,
        Decimal(18),
    )


def test_grant_rate_is_null_when_nothing_was_handled(con, seed, load):
    load(con, seed({("requests", "handled_total", "total"): "0"}))
    assert con.execute("SELECT handled, grant_rate FROM agency_metrics").fetchone() == (Decimal(0), None)


def test_blank_cells_are_info_flags(con, seed, load):
    load(con, seed({("appeals", "admin_review", "upheld"): "/", ("requests", "carried_in", "other_org"): ""}))
    assert flag_rows(con) == [
        (
            "blank_cell",
            "requests",
            "carried_in",
            "other_org",
            None,
            Decimal(0),
            "info",
            "该单元格印为空白，按 0 计",
        ),
        (
            "blank_cell",
            "appeals",
            "admin_review",
            "upheld",
            None,
            Decimal(0),
            "info",
            "该单元格印为“/”，按 0 计",
        ),
    ]
    assert sorted(flag_rows(con, "flag_blank_cells")) == sorted(flag_rows(con))


def test_only_the_latest_version_of_a_source_is_current(con, seed, load):
    load(con, seed(), extracted_at=datetime(2026, 1, 1))
    newer = seed({("requests", "granted", "natural_person"): "7"}, sha256="cd" * 32)
    load(con, newer, extracted_at=datetime(2026, 2, 1))
    assert con.execute("SELECT report_id FROM stg_reports").fetchall() == [(newer.report_id,)]
    assert {r[0] for r in con.execute("SELECT DISTINCT report_id FROM consistency_flags").fetchall()} == {
        newer.report_id
    }
    failed = replace(seed(sha256="ef" * 32), status="failed", error="文件已损坏", cells=[])
    load(con, failed, extracted_at=datetime(2026, 3, 1))
    assert con.execute("SELECT count(*) FROM stg_reports").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (3,)


def test_flags_function_filters_by_year(con, seed, load, tmp_path):
    load(con, seed({("requests", "granted", "natural_person"): "7"}))
    load(con, seed({("requests", "new", "natural_person"): "10"}, sha256="cd" * 32, source="b", year=2023))
    con.close()
    db = tmp_path / "warehouse.duckdb"
    everything = export.flags(db)
    assert everything.columns == FLAG_COLUMNS
    assert everything.select("year", "rule").rows() == [
        (2023, "R1"),
        (2023, "R3"),
        (2024, "R3"),
        (2024, "R2"),
    ]
    assert export.flags(db, 2024)["rule"].to_list() == ["R3", "R2"]
    assert export.flags(db, 2022).height == 0
    assert all(re.search("≠", d) for d in everything["description_zh"])
