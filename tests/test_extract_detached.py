"""Table 三 where labels got detached from their numbers, and rows that print one value fewer than cells.

The rows are then read by position, in template order, and only where the identities (R1, R2, R3) and
every row read by its label agree; a lost cell's place is taken only where the identities make it unique.
"""

from __future__ import annotations

from pathlib import Path

from gongkai import taxonomy
from gongkai.extract.report import extract_bytes, extract_file
from gongkai.model import Extraction

SHANGHAI = Path(__file__).resolve().parent.parent / "data" / "samples" / "shanghai-kewei-2024-converted.md"

ZERO = [0] * 7

# Table 三 of 上海市科委's 2024 report, read by hand from the document (lines 102-178): the value groups
# in template order. The lone "1" on line 172 is stray; 四、结转下年度 prints 6 values and an empty cell.
SHANGHAI_REQUESTS: dict[str, list[int | None]] = {
    "new": [32, 2, 0, 0, 0, 0, 34],
    "carried_in": [2, 0, 0, 0, 0, 0, 2],
    "granted": [9, 0, 0, 0, 0, 0, 9],
    "partially_granted": ZERO,
    "denied_state_secret": ZERO,
    "denied_prohibited_by_law": ZERO,
    "denied_three_securities_one_stability": ZERO,
    "denied_third_party_rights": ZERO,
    "denied_internal_affairs": [1, 0, 0, 0, 0, 0, 1],
    "denied_process_information": [1, 0, 0, 0, 0, 0, 1],
    "denied_enforcement_files": ZERO,
    "denied_administrative_query": ZERO,
    "unable_not_held": [4, 0, 0, 0, 0, 0, 4],
    "unable_needs_creation": [6, 0, 0, 0, 0, 0, 6],
    "unable_still_unclear": ZERO,
    "not_processed_petition": ZERO,
    "not_processed_duplicate": ZERO,
    "not_processed_publication": ZERO,
    "not_processed_excessive": ZERO,
    "not_processed_confirmation": ZERO,
    "other_no_correction": [8, 2, 0, 0, 0, 0, 10],
    "other_fee_unpaid": ZERO,
    "other_other": [4, 0, 0, 0, 0, 0, 4],
    "handled_total": [33, 2, 0, 0, 0, 0, 35],
    "carried_out": [1, 0, 0, 0, 0, 0, None],
}


def requests_of(extraction: Extraction) -> dict[str, list[int | None]]:
    out: dict[str, list[int | None]] = {}
    for c in extraction.cells:
        if c.table == "requests":
            out.setdefault(c.row, []).append(None if c.raw is None else int(c.raw))
    return out


def others_of(extraction: Extraction) -> dict[tuple[str, str, str], str | None]:
    return {(c.table, c.row, c.column): c.raw for c in extraction.cells if c.table != "requests"}


def test_shanghai_detached_labels_are_read_by_position() -> None:
    extraction = extract_file(SHANGHAI)
    assert extraction.format == "2021"
    got = requests_of(extraction)
    assert list(got) == list(SHANGHAI_REQUESTS), "table 三's rows, in taxonomy order"
    assert got == SHANGHAI_REQUESTS
    nulls = [(c.row, c.column) for c in extraction.cells if c.raw is None]
    assert nulls == [("carried_out", "total")]
    assert extraction.status == "partial"
    assert any("read by position" in p and "validated by the identities" in p for p in extraction.problems)
    assert any("'1' (line 172) skipped" in p for p in extraction.problems)
    # each cell keeps the line its number is printed on
    lines = {(c.row, c.column): c.line for c in extraction.cells if c.table == "requests"}
    assert lines[("unable_not_held", "natural_person")] == 134
    assert lines[("other_no_correction", "total")] == 163
    assert lines[("other_fee_unpaid", "natural_person")] == 173
    assert lines[("carried_out", "other_org")] == 178


def test_shanghai_tables_two_and_four() -> None:
    got = others_of(extract_file(SHANGHAI))
    appeals = [
        got[("appeals", r, c)] for r in taxonomy.rows_of("appeals", "2021") for c in _appeal_columns(r)
    ]
    assert appeals == ["1", "0", "0", "0", "1"] + ["0"] * 10
    assert got[("active_disclosure", "normative_documents", "issued")] == "13"
    assert got[("active_disclosure", "normative_documents", "in_force")] == "55"
    assert got[("active_disclosure", "licensing", "decisions")] == "97"


def _appeal_columns(row: str) -> tuple[str, ...]:
    return tuple(taxonomy.columns_of("appeals", row, "2021"))


# ---------------------------------------------------------------- synthetic reports

REQUEST_LABELS: tuple[tuple[str, str], ...] = (
    ("new", "一、本年新收政府信息公开申请数量"),
    ("carried_in", "二、上年结转政府信息公开申请数量"),
    ("granted", "（一）予以公开"),
    ("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    ("denied_state_secret", "1.属于国家秘密"),
    ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("denied_three_securities_one_stability", "3.危及“三安全一稳定”"),
    ("denied_third_party_rights", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"),
    ("denied_process_information", "6.属于四类过程性信息"),
    ("denied_enforcement_files", "7.属于行政执法案卷"),
    ("denied_administrative_query", "8.属于行政查询事项"),
    ("unable_not_held", "1.本机关不掌握相关政府信息"),
    ("unable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unable_still_unclear", "3.补正后申请内容仍不明确"),
    ("not_processed_petition", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "2.重复申请"),
    ("not_processed_publication", "3.要求提供公开出版物"),
    ("not_processed_excessive", "4.无正当理由大量反复申请"),
    ("not_processed_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "3.其他"),
    ("handled_total", "（七）总计"),
    ("carried_out", "四、结转下年度继续办理"),
)
GROUP_HEADINGS = {
    "granted": "三、本年度办理结果",
    "denied_state_secret": "（三）不予公开",
    "unable_not_held": "（四）无法提供",
    "not_processed_petition": "（五）不予处理",
    "other_no_correction": "（六）其他处理",
}

# a balanced table: 10 + 1 = 11 handled + 0 carried out; 3 + 2 + 5 + 1 = 11
BALANCED: dict[str, list[int]] = {row: ZERO for row, _ in REQUEST_LABELS} | {
    "new": [10, 0, 0, 0, 0, 0, 10],
    "carried_in": [1, 0, 0, 0, 0, 0, 1],
    "granted": [3, 0, 0, 0, 0, 0, 3],
    "partially_granted": [2, 0, 0, 0, 0, 0, 2],
    "unable_not_held": [5, 0, 0, 0, 0, 0, 5],
    "other_other": [1, 0, 0, 0, 0, 0, 1],
    "handled_total": [11, 0, 0, 0, 0, 0, 11],
}


def report(table_three: list[str]) -> str:
    """A whole 2021-format report around the given lines of table 三."""
    return "\n".join(
        [
            "某某市某某局2024年政府信息公开工作年度报告",
            "一、总体情况",
            "本机关认真贯彻落实政府信息公开条例，持续推进政务公开。",
            "二、主动公开政府信息情况",
            "第二十条第（一）项",
            "信息内容 本年制发件数 本年废止件数 现行有效件数",
            "规章 0 0 0",
            "行政规范性文件 2 0 7",
            "第二十条第（五）项",
            "信息内容 本年处理决定数量",
            "行政许可 12",
            "第二十条第（六）项",
            "信息内容 本年处理决定数量",
            "行政处罚 3",
            "行政强制 0",
            "第二十条第（八）项",
            "信息内容 本年收费金额（单位：万元）",
            "行政事业性收费 0",
            "三、收到和处理政府信息公开申请情况",
            "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
            "申请人情况 自然人 法人或其他组织 总计",
            "商业企业 科研机构 社会公益组织 法律服务机构 其他",
            *table_three,
            "四、政府信息公开行政复议、行政诉讼情况",
            "行政复议 行政诉讼",
            "结果维持 结果纠正 其他结果 尚未审结 总计",
            "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            "五、存在的主要问题及改进情况",
            "信息公开的主动性还需加强。",
            "六、其他需要报告的事项",
            "本机关未收取信息处理费。",
        ]
    )


def labelled_rows(values: dict[str, list[int]], printed: dict[str, str] | None = None) -> list[str]:
    """Table 三 as a text PDF gives it: each label with its numbers on one line."""
    printed = printed or {}
    lines = []
    for row, label in REQUEST_LABELS:
        if row in GROUP_HEADINGS:
            lines.append(GROUP_HEADINGS[row])
        lines.append(f"{label} {printed.get(row, ' '.join(map(str, values[row])))}".rstrip())
    return lines


def extract_text(text: str) -> Extraction:
    return extract_bytes(text.encode("utf-8"), source="synthetic")


def test_synthetic_balanced_report_reads_every_cell() -> None:
    extraction = extract_text(report(labelled_rows(BALANCED)))
    assert requests_of(extraction) == BALANCED
    assert extraction.status == "ok", extraction.problems


def test_labelled_row_of_six_values_loses_the_one_cell_the_identities_point_to() -> None:
    # carried_out must be 1 0 0 0 0 0 1 (R1); it prints 1 0 0 0 0 0: only a lost 总计 fits
    values = BALANCED | {"new": [11, 0, 0, 0, 0, 0, 11], "carried_out": [1, 0, 0, 0, 0, 0, 1]}
    extraction = extract_text(report(labelled_rows(values, {"carried_out": "1 0 0 0 0 0"})))
    got = requests_of(extraction)
    assert got["carried_out"] == [1, 0, 0, 0, 0, 0, None]
    assert {r: v for r, v in got.items() if r != "carried_out"} == {
        r: v for r, v in values.items() if r != "carried_out"
    }
    assert any("only a lost total" in p for p in extraction.problems)


def test_six_values_whose_lost_cell_is_not_decidable_stay_null() -> None:
    # carried_out must be 1 0 0 0 0 0 1 (R1); it prints 1 0 0 0 0 1: the lost cell may be any of the
    # five middle columns, so the whole row stays NULL (never filled from R3, never 0)
    values = BALANCED | {"new": [11, 0, 0, 0, 0, 0, 11], "carried_out": [1, 0, 0, 0, 0, 0, 1]}
    extraction = extract_text(report(labelled_rows(values, {"carried_out": "1 0 0 0 0 1"})))
    got = requests_of(extraction)
    assert got["carried_out"] == [None] * 7
    assert {r: v for r, v in got.items() if r != "carried_out"} == {
        r: v for r, v in values.items() if r != "carried_out"
    }
    assert any("do not tell which cell is lost" in p for p in extraction.problems)
    assert not any("read by position" in p for p in extraction.problems)
    assert extraction.status == "partial"


def test_detached_labels_in_plain_text_are_read_by_position() -> None:
    # the labels of （四） stand on their own lines and their numbers follow, without labels
    lines = labelled_rows(BALANCED)
    start = lines.index("1.本机关不掌握相关政府信息 5 0 0 0 0 0 5")
    block = [
        "1.本机关不掌握相关政府信息",
        "2.没有现成信息需要另行制作",
        "3.补正后申请内容仍不明确",
        "5 0 0 0 0 0 5",
        "0 0 0 0 0 0 0",
        "0 0 0 0 0 0 0",
    ]
    lines[start : start + 3] = block
    extraction = extract_text(report(lines))
    assert requests_of(extraction) == BALANCED
    assert any("read by position" in p for p in extraction.problems)


def test_positional_reading_refused_where_labelled_rows_disagree() -> None:
    # a stray row of zeros under the 三、本年度办理结果 heading and a row that lost all its numbers
    # (4.无正当理由大量反复申请): by position every row between them would shift by one. The sums still
    # balance, but 予以公开 reads 3 0 0 0 0 0 3 by its label: the reading by position is refused.
    lines = labelled_rows(BALANCED, {"not_processed_excessive": ""})
    lines.insert(lines.index("三、本年度办理结果") + 1, "0 0 0 0 0 0 0")
    extraction = extract_text(report(lines))
    got = requests_of(extraction)
    assert any("reading by position refused" in p and "requests.granted" in p for p in extraction.problems)
    assert got["granted"] == [3, 0, 0, 0, 0, 0, 3]
    assert got["partially_granted"] == [2, 0, 0, 0, 0, 0, 2]
    assert got["unable_not_held"] == [5, 0, 0, 0, 0, 0, 5]
    assert got["not_processed_excessive"] == [None] * 7
    assert got["carried_in"] == [None] * 7  # 14 values after its label: which 7 is not decidable
    assert not any("read by position from" in p for p in extraction.problems)
