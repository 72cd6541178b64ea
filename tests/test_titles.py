"""Years, report titles and Chinese numerals (gongkai/titles.py)."""

from __future__ import annotations

import pytest

from gongkai import titles
from gongkai.extract import meta


def test_chinese_numbers() -> None:
    assert [titles.chinese_number(t) for t in ("70", "两", "十二", "二十", "一百零五", "二三", "件")] == [
        70,
        2,
        12,
        20,
        105,
        None,
        None,
    ]


@pytest.mark.parametrize(
    ("text", "arabic"),
    [
        ("二〇二三年", "2023年"),
        ("二零二四年度", "2024年度"),
        ("二○二二 年", "2022 年"),
        ("二Ｏ二一年", "2021年"),
        ("二〇三五年远景目标", "2035年远景目标"),
        ("二〇二三", "二〇二三"),  # not followed by 年: not a year
        ("二十三件", "二十三件"),
    ],
)
def test_a_year_in_chinese_numerals_reads_as_arabic_and_keeps_its_length(text: str, arabic: str) -> None:
    assert titles.arabic_years(text) == arabic
    assert len(titles.arabic_years(text)) == len(text)


def test_spelled_numbers_count_back() -> None:
    for n in range(1, 100):
        assert titles.chinese_number(titles.chinese_numeral(n)) == n
    assert titles.chinese_numeral(12, titles.LEGAL_DIGITS, "拾") == "拾贰"
    assert titles.chinese_numeral(100) == "100"


def test_a_title_in_chinese_numerals_gives_its_year() -> None:
    head = "石龙区人民政府办公室二〇二四年政府信息公开工作年度报告"
    assert meta.data_year(head, head) == 2024
    assert meta.agency(head) == "石龙区人民政府办公室"
