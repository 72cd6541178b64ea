"""The grammar of a printed number and the one set of blank markers (gongkai/numbers.py), as every
reader and the transform apply it."""

from __future__ import annotations

import polars as pl
import pytest

from gongkai import numbers
from gongkai.extract.stream import Line, Stream
from gongkai.extract.tables import parse_tables
from gongkai.transform.cells import normalise_values

BLANKS = ["/", "-", "–", "—", "——", "———", "─", "无", "&nbsp;", "／", "－", "", " ", "\xa0", "\u3000"]


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("7", 7.0),
        ("-3", -3.0),
        ("1,234", 1234.0),
        ("1,234,567.5", 1234567.5),
        ("7730.28", 7730.28),
        ("５", 5.0),
        ("２，３４５", 2345.0),
        ("3件", 3.0),
        ("22（其中修订16件）", 22.0),
        *((b, 0.0) for b in BLANKS),
        ("abc", None),
        (None, None),
    ],
)
def test_the_value_a_printed_cell_stands_for(printed: str | None, value: float | None) -> None:
    assert numbers.value_of(printed) == value


def test_the_transform_reads_numbers_and_blanks_as_value_of_does() -> None:
    raws = ["7", "-3", "1,234", "５", "3件", "22（其中修订16件）", "abc", *BLANKS]
    frame = normalise_values(
        pl.DataFrame({"raw": raws, "table": ["requests"] * len(raws), "column": ["total"] * len(raws)})
    )
    assert frame["value"].to_list() == [numbers.value_of(r) for r in raws]
    assert frame["is_blank"].to_list() == [numbers.is_blank(r) for r in raws]


@pytest.mark.parametrize("text", ["−2", "‒2", "–2", "—2", "– 2"])
def test_a_dash_before_a_number_is_its_sign(text: str) -> None:
    assert numbers.signed(text) == "-2"
    assert numbers.signed("—") == "—"


@pytest.mark.parametrize("marker", ["─", "———", "/", "无"])
def test_every_blank_marker_is_a_blank_cell_in_a_table_row(marker: str) -> None:
    """A row of table 四 with one cell printed with the marker reads it as a blank cell (0)."""
    row = ["1", "0", "0", "0", "1", "0", "0", "0", "0", "0", "0", "0", "0", marker, "0"]
    lines = [
        Line("四、政府信息公开行政复议、行政诉讼情况", None, 1),
        Line("\t".join(row), None, 2),
        Line("五、存在的主要问题及改进情况", None, 3),
    ]
    cells = {(c.table, c.row, c.column): c.raw for c in parse_tables(Stream(lines), 2024).cells}
    assert cells[("appeals", "litigation_after_review", "pending")] == marker


def test_a_number_as_printed_is_the_number_and_nothing_more() -> None:
    assert all(numbers.is_number(t) for t in ("7", "-3", "1,234", "7730.28", "12件", "12 件"))
    assert not any(numbers.is_number(t) for t in ("2t", "2Y", "2%", "", "—", None))
    assert numbers.is_value("—") and numbers.is_value("∅") and not numbers.is_value("2t")
    assert numbers.value_of("2t") == 2  # the leading number: why a reading is judged by is_number first
