"""The 主管部门对标与风险清单 workbook and `gongkai review`: Chinese intact, verdicts and links in it,
the same bytes from the same data, and a name that looks like a formula kept as text."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import duckdb
import pytest

from gongkai.cli import main
from gongkai.load import workbook
from tests.conftest import Loader, SeedBuilder

GRANTED = ("requests", "granted", "natural_person")


@pytest.fixture
def db(con: duckdb.DuckDBPyConnection, seed: SeedBuilder, load: Loader, tmp_path: Path) -> Path:
    load(con, seed({GRANTED: "7"}, sha256="a" * 64))  # R2 and R3
    load(con, seed(sha256="b" * 64, source="s2", agency="=HYPERLINK(1)", district="石龙区"))
    con.close()
    return tmp_path / "warehouse.duckdb"


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as book:
        return book.read(name).decode("utf-8")


def test_the_workbook_lists_flags_with_verdicts_and_compares_agencies(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flag = ["--rule", "R3", "--table", "requests", "--row", "granted", "--column", "total"]
    review = ["review", "add", "a" * 16, "--verdict", "confirmed", "--reviewer", "张三", "--note", "请更正"]
    assert main([*review, *flag, "--corrected", "7", "--db", str(db)]) == 0
    assert "review 1: 确认有误、需整改 on flag of aaaaaaaaaaaaaaaa" in capsys.readouterr().out
    assert main(["review", "add", "a" * 16, "--verdict", "maybe", "--reviewer", "x", "--db", str(db)]) == 2
    assert "unknown verdict 'maybe'" in capsys.readouterr().err
    assert main(["review", "list", "--csv", "--db", str(db)]) == 0
    assert "confirmed,请更正,7,张三" in capsys.readouterr().out
    out = tmp_path / "清单.xlsx"
    assert main(["export", "workbook", "-o", str(out), "--year", "2024", "--db", str(db)]) == 0
    first = out.read_bytes()
    workbook.write_workbook(db, out, year=2024)
    assert out.read_bytes() == first  # the same data, the same bytes
    assert re.findall(r'<sheet name="([^"]+)"', part(out, "xl/workbook.xml")) == ["风险清单", "区县对比"]
    strings = part(out, "xl/sharedStrings.xml")
    for text in (
        "石龙区人民政府办公室",
        "确认有误、需整改",
        "请更正",
        "待审核",
        "张三",
        "同类中位数",
        "=HYPERLINK(1)",
    ):
        assert text in strings
    assert "<f>" not in part(out, "xl/worksheets/sheet2.xml")  # the formula-like name is text
    links = part(out, "xl/worksheets/_rels/sheet1.xml.rels")
    assert 'Target="http://127.0.0.1:8000/report/aaaaaaaaaaaaaaaa"' in links
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2021-01-01T00:00:00Z' in part(out, "docProps/core.xml")
