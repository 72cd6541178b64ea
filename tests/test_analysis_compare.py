"""Comparisons: district keys, peer groups, year-on-year change, ranks and agencies side by side."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gongkai import agencies, districts
from gongkai.cli import main
from gongkai.load import export, records
from gongkai.model import CatalogEntry


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("洪泽区", "洪泽区"),
        (" 洪泽 区 ", "洪泽区"),
        ("淮安市洪泽区", "洪泽区"),
        ("江苏省淮安市洪泽区", "洪泽区"),
        ("洪泽区人民政府", "洪泽区"),
        ("上海市", "上海市"),
        ("平潭综合实验区", "平潭综合实验区"),
        ("金水湖街道", "金水湖街道"),
        ("", None),
        (None, None),
    ],
)
def test_one_district_one_key(written: str | None, key: str | None) -> None:
    assert districts.district_key(written) == key


def test_the_district_comes_from_the_catalog_then_the_name(seed) -> None:  # type: ignore[no-untyped-def]
    def record(catalog_district: str | None, agency: str | None, document_district: str | None = None):  # type: ignore[no-untyped-def]
        extraction = seed(agency=agency, district=document_district)
        entry = CatalogEntry(2, None, catalog_district, 2024, "x.txt")
        row = records.report_record(extraction, "test", entry=entry)
        return row.district, row.district_source

    assert record("淮安市洪泽区", "石龙区人民政府办公室", "石龙区") == ("洪泽区", "catalog")
    assert record(None, "石龙区人民政府办公室") == ("石龙区", "name")
    assert record("", "区国防动员办公室") == (None, None)


@pytest.mark.parametrize(
    ("agency", "kind"),
    [
        ("石龙区人民政府办公室", "government"),
        ("洪泽区人民政府", "government"),
        ("平潭综合实验区", "government"),
        ("区国防动员办公室", "department"),
        ("上海市科委", "department"),
        ("石龙区财政局", "department"),
        ("西工区金水湖街道办事处", "subdistrict_township"),
        ("某某镇人民政府", "subdistrict_township"),
        ("某某", "other"),
    ],
)
def test_peer_groups_from_the_name(agency: str, kind: str) -> None:
    assert agencies.agency_kind(agency)[0] == kind


@pytest.fixture
def compared(con, seed, load):  # type: ignore[no-untyped-def]
    """石龙区: its government office (2023, 2024), a department, a subdistrict; 金林区: a department."""

    def received(n: int) -> dict:
        return {("requests", "new", "natural_person"): str(n), ("requests", "new", "total"): str(n)}

    load(con, seed(sha256="a1" * 32, source="a23", year=2023))
    load(con, seed(received(12), sha256="a2" * 32, source="a24"))
    load(con, seed(sha256="b2" * 32, source="b24", agency="石龙区财政局"))
    load(con, seed(received(3), sha256="c2" * 32, source="c24", agency="石龙区金山街道办事处"))
    load(con, seed(received(20), sha256="d2" * 32, source="d24", agency="金林区财政局", district="金林区"))
    return con


def test_agency_metrics_change_on_last_year_and_ranks(compared) -> None:  # type: ignore[no-untyped-def]
    rows = compared.sql(
        "SELECT agency, year, agency_kind, received, received_prev, received_yoy, n_agencies_in_district,"
        " received_rank_in_district, n_agencies_in_kind, received_rank_in_kind, grant_rate_rank_in_district"
        " FROM agency_metrics"
    ).fetchall()
    assert rows == [
        ("石龙区人民政府办公室", 2023, "government", Decimal(9), None, None, 1, 1, 1, 1, 1),
        (
            "石龙区人民政府办公室",
            2024,
            "government",
            Decimal(12),
            Decimal(9),
            pytest.approx(1 / 3),
            3,
            1,
            1,
            1,
            1,
        ),
        ("石龙区财政局", 2024, "department", Decimal(9), None, None, 3, 2, 2, 2, 1),
        ("石龙区金山街道办事处", 2024, "subdistrict_township", Decimal(3), None, None, 3, 3, 1, 1, 1),
        ("金林区财政局", 2024, "department", Decimal(20), None, None, 1, 1, 2, 1, 1),
    ]


def test_agency_compare_puts_agencies_side_by_side(compared, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    row = compared.sql(
        "SELECT received, received_prev, received_share_of_district, kind_received_median, n_flags, rules"
        " FROM agency_compare WHERE year = 2024 AND agency = '石龙区人民政府办公室'"
    ).fetchall()
    # 一、本年新收 12 but 9 handled and none carried: R1 breaks in the 自然人 and 总计 columns
    assert row == [(Decimal(12), Decimal(9), pytest.approx(12 / 24), Decimal(12), 2, "R1")]
    compared.close()
    db = tmp_path / "warehouse.duckdb"
    frame = export.compare(db, 2024, district="石龙区")
    # in agency_compare's order: by peer group (区县…, 街道…, 部门), then agency
    assert frame.columns == ["figure", "石龙区人民政府办公室", "石龙区金山街道办事处", "石龙区财政局"]
    received = frame.filter(frame["figure"] == "received").row(0)
    assert received == ("received", "12", "3", "9")
    assert export.compare(db, 2024, kind="部门").columns == ["figure", "石龙区财政局", "金林区财政局"]
    assert main(["compare", "--year", "2024", "--district", "金林区", "--csv", "--db", str(db)]) == 0
    assert "received,20" in capsys.readouterr().out
