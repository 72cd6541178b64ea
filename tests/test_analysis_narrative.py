"""Facts from the narratives of real reports: the figures they quote, their sections, publication dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gongkai.extract import narrative
from gongkai.extract.report import extract_file
from tests.expected import SEEDS

SHANGHAI = SEEDS / "shanghai-kewei-2024-converted.md"


def facts_of(path: Path) -> narrative.NarrativeFacts:
    extraction = extract_file(path)
    return narrative.analyse(extraction.narrative, extraction.year)


def figures_of(text: str, year: int | None = 2024) -> list[tuple[str, int]]:
    return [(f.metric, f.value) for f in narrative.figures(narrative.compact(text), year)]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("000_67ee20e95a2da50e.txt", [("processed", 2)]),  # 共办理政府信息依申请公开 2 件
        ("001_20ac404ea9b9f41f.txt", [("received", 9)]),  # 全年共收到依申请公开 9 件 (not 留言答复 15 件)
        ("002_75fd27514a3859df.txt", []),
        ("003_da09ef5f53b79caf.txt", [("active_items", 3), ("received", 0)]),
        ("004_eff542c003e52132.txt", [("received", 2)]),  # 共收到依申请公开申请 2 项
        ("hongze-2023.pdf", [("active_items", 1136), ("received", 21)]),
        ("pingtan-2019-crawl.txt", []),  # 其他应主动公开政府信息856条 is a part, not the whole
        (
            "pingtan-2021-crawl.txt",  # 共收到70件申请，及时依法依规办结69件，1件结转下年度继续办理
            [("active_items", 2645), ("received", 70), ("handled", 69), ("carried_out", 1)],
        ),
    ],
)
def test_the_figures_real_narratives_quote(name: str, expected: list[tuple[str, int]]) -> None:
    assert [(f.metric, f.value) for f in facts_of(SEEDS / name).figures] == expected


def test_the_figures_of_a_converted_report_and_not_its_result_rows() -> None:
    # 同意公开答复 9 件 … 不予公开答复 2 件 are result rows, not 办结: no "handled" figure
    assert [(f.metric, f.value) for f in facts_of(SHANGHAI).figures] == [
        ("admin_review", 1),  # 有 1 件涉及政府信息公开工作的行政复议
        ("litigation", 0),  # 涉及的行政诉讼数为 0 件
        ("received", 34),  # 全年收到政府信息公开申请 34 件
        ("carried_in", 2),  # 上年结转政府信息公开申请 2 件
        ("carried_out", 1),  # 转下一年度办理答复的有 1 件
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("办理区长信箱群众留言答复 15 件。", []),  # not a request for information
        # this year's 20 is a figure; the comparison's 5 is not
        ("依申请公开：全年收到申请 20 件，较上年增加 5 件。", [("received", 20)]),
        ("2023 年收到申请 12 件。", []),  # another year
        ("（三）政务服务\n全年收到申请 1200 件。", []),  # not a part about requests for information
        ("共受理依申请公开事项 5 件（含上年结转 1 件），办结 5 件。", [("carried_in", 1), ("handled", 5)]),
        ("本年度收到政府信息公开申请两件，均已答复。", [("received", 2)]),
        ("被申请行政复议 0 件，行政诉讼 0 件。", [("admin_review", 0), ("litigation", 0)]),
        (
            "依申请公开：共收到 70 件申请，办结 69 件，结转 1 件。",
            [("received", 70), ("handled", 69), ("carried", 1)],
        ),
        ("全年收到政府信息公开申请３４件。", [("received", 34)]),  # full-width digits
    ],
)
def test_only_figures_of_clear_meaning_are_taken(text: str, expected: list[tuple[str, int]]) -> None:
    assert figures_of(text) == expected


def test_every_seed_has_its_sections_and_a_missing_heading_is_seen() -> None:
    for path in [*sorted(SEEDS.glob("0*.txt")), SHANGHAI]:
        assert all(p is not None for p in facts_of(path).sections.values()), path.name
    text = (SEEDS / "001_20ac404ea9b9f41f.txt").read_text(encoding="utf-8")
    cut = text.replace("六、其他需要报告的事项", "")
    assert narrative.sections(narrative.compact(cut))["other_matters"] is None


def test_publication_dates_come_from_the_page_header_only() -> None:
    assert facts_of(SEEDS / "pingtan-2021-crawl.txt").published_on == date(2022, 2, 8)
    assert facts_of(SEEDS / "pingtan-2019-crawl.txt").published_on == date(2020, 1, 20)
    assert facts_of(SEEDS / "001_20ac404ea9b9f41f.txt").published_on is None
    assert narrative.published_on("成文日期：2025年1月20日") is None
    assert narrative.published_on("发布日期：2025年2月3日") == date(2025, 2, 3)


def test_similarity_sees_a_copy_with_new_figures_and_not_another_report() -> None:
    seed = narrative.compact(extract_file(SEEDS / "001_20ac404ea9b9f41f.txt").narrative)
    copy = seed.replace("2024", "2023").replace("9件", "12件").replace("2451", "1980")
    other = narrative.compact(extract_file(SEEDS / "004_eff542c003e52132.txt").narrative)
    sketch = narrative.minhash(seed)
    assert len(sketch) == narrative.MINHASH_SIZE
    assert narrative.similarity(sketch, narrative.minhash(copy)) == 1.0
    assert narrative.similarity(sketch, narrative.minhash(other)) < 0.3
    assert narrative.minhash("短") == [] and narrative.similarity([], sketch) is None
