"""Hostile input never gives a wrong number: absurd figures, tables printed twice, damaged files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai import numbers
from gongkai.extract.report import extract_bytes
from gongkai.load import export
from tests.test_warehouse_flags import change, run, seed_text

NEW_ROW = "一、本年新收政府信息公开申请数量\t\t9\t0\t0\t0\t0\t0\t9\t"


def cell(extraction, key: str) -> str | None:
    return {f"{c.table}.{c.row}.{c.column}": c.raw for c in extraction.cells}[key]


@pytest.mark.parametrize("absurd", ["1000000000000", "100000000000000000000"])
def test_an_absurd_count_is_null_with_its_reason_and_a_flag_never_a_load_failure(
    tmp_path: Path, absurd: str
) -> None:
    text = change(seed_text(), NEW_ROW, NEW_ROW.replace("\t9\t", f"\t{absurd}\t", 1))
    extraction = extract_bytes(text.encode(), "absurd.txt")
    assert cell(extraction, "requests.new.natural_person") == absurd
    assert extraction.status == "partial"
    assert any(p.startswith("requests.new.natural_person: ") and "10^7" in p for p in extraction.problems)

    db = run(tmp_path, {"absurd.txt": text})
    values = export.query(
        db, "SELECT value, raw FROM cells WHERE row_code = 'new' AND column_code = 'natural_person'"
    ).rows()
    assert values == [(None, absurd)]
    found = export.flags(db).filter(export.pl.col("rule") == "absurd_value")
    assert found.select("severity", "cells").rows() == [("error", "requests.new.natural_person")]


@pytest.mark.parametrize(
    ("table", "column", "text", "believable"),
    [
        ("requests", "total", "10000000", True),
        ("requests", "total", "10000001", False),
        ("appeals", "total", "-20000000", False),
        ("active_disclosure", "decisions", "35000000", True),
        ("active_disclosure", "amount_wan_yuan", "24252.31", True),
        ("active_disclosure", "amount_wan_yuan", "99999999", False),
        ("active_disclosure", "amount_yuan", "2000000万元", True),
        ("active_disclosure", "amount_yuan", "20000000万元", False),
        ("requests", "total", "/", True),
        ("requests", "total", "9" * 5000, False),
    ],
)
def test_the_bound_of_each_cell_is_declared_once(
    table: str, column: str, text: str, believable: bool
) -> None:
    assert (numbers.absurd(table, column, text) is None) == believable
    assert numbers.largest_believable(table, column) < 10**12  # what DECIMAL(18, 6) holds
