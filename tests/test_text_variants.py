"""Text reports as real agencies publish them: each variant is a seed's text reshaped the way real
reports differ (label wording and typos, enumerators, full-width characters, wrapped and vertical
labels, blank markers, page furniture inside the tables, the 2019 format, renumbered sections, titles).

Every expected cell is written from the reshaped document: the seed's values (tests/expected.py) where
the reshaping keeps them, and the changed rows written out where it changes them. A cell the document
does not print stays NULL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from gongkai import taxonomy
from gongkai.extract.report import extract_bytes
from gongkai.model import Extraction
from gongkai.transform.cells import tidy_frame
from tests.expected import SEED_REPORTS, SEEDS, Expected, req

Key = tuple[str, str, str]
BY_PREFIX = {e.file[:3]: e for e in SEED_REPORTS}
ZERO7 = (0, 0, 0, 0, 0, 0, 0)
ONE7 = req(1, 0, 0, 0, 0, 0, 1)


def seed_text(prefix: str) -> str:
    return (SEEDS / BY_PREFIX[prefix].file).read_text(encoding="utf-8")


def sub(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace ``old`` (which must be printed ``count`` times) by ``new``."""
    assert text.count(old) == count, f"{old!r} printed {text.count(old)} times, not {count}"
    return text.replace(old, new)


@dataclass(frozen=True)
class Variant:
    id: str
    seed: str
    reshape: Callable[[str], str]
    rows: dict[tuple[str, str], tuple] = field(default_factory=dict)  # rows whose values change
    cells: dict[Key, float | None] = field(default_factory=dict)  # single cells that change
    raws: dict[Key, str] = field(default_factory=dict)  # printed text of blank-marker cells
    format: str | None = None
    other_as_one_row: bool | None = None
    year: int | None = None
    agency: str | None = ""
    district: str | None = ""
    problems: tuple[str, ...] = ()  # what the extraction may say beyond what it says of the seed

    def expected(self) -> tuple[Expected, dict[Key, float | None]]:
        base = BY_PREFIX[self.seed]
        fmt = self.format or base.format
        one_row = base.other_as_one_row if self.other_as_one_row is None else self.other_as_one_row
        rows = (
            dict(base.rows)
            if fmt == base.format
            else {k: v for k, v in base.rows.items() if k[0] != "active_disclosure"}
        )
        rows.update(self.rows)
        null_rows = tuple(r for r in base.null_rows if r not in self.rows)
        exp = Expected(
            base.file,
            base.agency if self.agency == "" else self.agency,
            base.district if self.district == "" else self.district,
            self.year or base.year,
            fmt,
            one_row,
            rows,
            null_rows,
        )
        want = exp.cells()
        for key, value in self.cells.items():
            assert key in want, key
            want[key] = value
        return exp, want


def extract_text(text: str) -> Extraction:
    return extract_bytes(text.encode("utf-8"), source="variant.txt")


def values_of(extraction: Extraction) -> dict[Key, float | None]:
    frame = tidy_frame(extraction)
    return {(r["table"], r["row"], r["column"]): r["value"] for r in frame.iter_rows(named=True)}


# ---------------------------------------------------------------- seed 000: PDF text, space-separated

GRANTED_000 = "（一）予以公开 1 0 0 0 0 0 1"
GRANTED_000_ZERO = "（一）予以公开 0 0 0 0 0 0 0"


def move_granted_000(old: str, new: str) -> Callable[[str], str]:
    """Seed 000 with a row's label reworded and 予以公开's one request moved onto that row (so that a
    row read in the wrong place shows)."""

    def reshape(text: str) -> str:
        return sub(sub(text, GRANTED_000, GRANTED_000_ZERO), old, new)

    return reshape


def moved_000(row: str) -> dict[tuple[str, str], tuple]:
    return {("requests", "granted"): ZERO7, ("requests", row): ONE7}


LABEL_WORDINGS = [
    # (id, printed block in seed 000, reworded block with the moved request, row)
    (
        "typo-禁止公开",
        "2.其他法律行政法规禁止公\n\n开\n\n0 0 0 0 0 0 0",
        "2.其他法律行政止公开 1 0 0 0 0 0 1",
        "denied_prohibited_by_law",
    ),
    (
        "三安全-ascii-quotes",
        "3.危及“三安全一稳定” 0 0 0 0 0 0 0",
        '3.危及"三安全一稳定" 1 0 0 0 0 0 1',
        "denied_three_securities_one_stability",
    ),
    (
        "三安全-single-quotes",
        "3.危及“三安全一稳定” 0 0 0 0 0 0 0",
        "3.危及‘三安全一稳定’ 1 0 0 0 0 0 1",
        "denied_three_securities_one_stability",
    ),
    (
        "三安全-corner-quotes",
        "3.危及“三安全一稳定” 0 0 0 0 0 0 0",
        "3.危及「三安全一稳定」 1 0 0 0 0 0 1",
        "denied_three_securities_one_stability",
    ),
    (
        "三安全-no-quotes",
        "3.危及“三安全一稳定” 0 0 0 0 0 0 0",
        "3.危及三安全一稳定 1 0 0 0 0 0 1",
        "denied_three_securities_one_stability",
    ),
    (
        "第三方权益的",
        "4.保护第三方合法权益 0 0 0 0 0 0 0",
        "4.保护第三方合法权益的 1 0 0 0 0 0 1",
        "denied_third_party_rights",
    ),
    (
        "内部事务",
        "5.属于三类内部事务信息 0 0 0 0 0 0 0",
        "5.属于三类内部事务 1 0 0 0 0 0 1",
        "denied_internal_affairs",
    ),
    (
        "过程信息",
        "6.属于四类过程性信息 0 0 0 0 0 0 0",
        "6.属于四类过程信息 1 0 0 0 0 0 1",
        "denied_process_information",
    ),
    (
        "需另行制作",
        "2.没有现成信息需要另行制\n\n作\n\n0 0 0 0 0 0 0",
        "2.没有现成信息需另行制作 1 0 0 0 0 0 1",
        "unable_needs_creation",
    ),
    (
        "仍然不明确",
        "3.补正后申请内容仍不明确 0 0 0 0 0 0 0",
        "3.补正后申请内容仍然不明确 1 0 0 0 0 0 1",
        "unable_still_unclear",
    ),
    (
        "信访、举报、投诉",
        "1.信访举报投诉类申请 0 0 0 0 0 0 0",
        "1.信访、举报、投诉类申请 1 0 0 0 0 0 1",
        "not_processed_petition",
    ),
    (
        "大量、反复",
        "4.无正当理由大量反复申请 0 0 0 0 0 0 0",
        "4.无正当理由大量、反复申请 1 0 0 0 0 0 1",
        "not_processed_excessive",
    ),
    (
        "确认或者重新出具",
        "5.要求行政机关确认或重新\n\n出具已获取信息\n0 0 0 0 0 0 0",
        "5.要求行政机关确认或者重新出具已获取的信息 1 0 0 0 0 0 1",
        "not_processed_confirmation",
    ),
]

VARIANTS: list[Variant] = [
    Variant(f"000-label-{vid}", "000", move_granted_000(old, new), rows=moved_000(row))
    for vid, old, new, row in LABEL_WORDINGS
]


# enumerators of the sub-rows: 1. 1、 1． (1) （1） 1) ①
ENUMERATORS = {
    "1、": r"\g<1>\g<2>、",
    "1．": r"\g<1>\g<2>．",
    "(1)": r"\g<1>(\g<2>)",
    "（1）": r"\g<1>（\g<2>）",
    "1)": r"\g<1>\g<2>)",
    "①": None,
}
_ENUM = re.compile(r"(?m)(^|\t)(\d)\.\s?")


def enumerators(style: str) -> Callable[[str], str]:
    def reshape(text: str) -> str:
        if ENUMERATORS[style] is None:
            out = _ENUM.sub(lambda m: m.group(1) + "①②③④⑤⑥⑦⑧⑨"[int(m.group(2)) - 1], text)
        else:
            out = _ENUM.sub(ENUMERATORS[style], text)
        assert out != text
        return out

    return reshape


VARIANTS += [
    Variant(f"{seed}-enumerator-{style}", seed, enumerators(style))
    for seed in ("000", "001", "002")
    for style in ENUMERATORS
]


def main_rows_reworded(text: str) -> str:
    text = sub(text, "一、本年新收政府信息公开申请数量", "一、本年度新收政府信息公开申请")
    text = sub(text, "二、上年结转政府信息公开申请数量", "二、上年度结转政府信息公开申请")
    text = sub(text, "（七）总计", "（七）总 计")
    return sub(text, "四、结转下年度继续办理", "四、结转至下年度继续办理")


def full_width(text: str) -> str:
    """Full-width digits, punctuation and ideographic spaces, as a Word document typed in a Chinese IME."""
    return text.translate(str.maketrans("0123456789.() ", "０１２３４５６７８９．（）\u3000"))


def applicant_header_reordered(text: str) -> str:
    start = text.index("申请人情况")
    end = text.index("一、本年新收")
    header = (
        "法人或其他组织\n\n申请人情况\n\n总计 自然人\n\n"
        "商业企业 科研机构\n\n社会公益组织\n法律服务机构 其他\n\n"
    )
    return text[:start] + header + text[end:]


def without_total_column(text: str) -> str:
    """Table 三 printed without its 总计 column: the header and every row lose it."""
    start, end = text.index("三、行政机关收到和处理"), text.index(" 四、因政府信息公开工作")
    table = sub(text[start:end], "自然 法人或其他组织 总计", "自然 法人或其他组织")
    table = re.sub(r"(?m)(^|[^\d\n] ?)(\d+(?: \d+){5}) \d+$", r"\1\2", table)
    assert table.count("\n0 0 0 0 0 0\n") and not re.search(r"(?m)( \d+){7}$", table)
    return text[:start] + table + text[end:]


def blank_markers(text: str) -> str:
    text = sub(text, "规章 0 0 0", "规章 / / /")
    text = sub(text, "行政处罚 0", "行政处罚 —")
    text = sub(
        text,
        "一、本年新收政府信息公开申请数量 2 0 0 0 0 0 2",
        "一、本年新收政府信息公开申请数量 2 / / / / / 2",
    )
    text = sub(
        text,
        "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0",
        "二、上年结转政府信息公开申请数量 — — — — — — —",
    )
    text = sub(text, "2.重复申请 0 0 0 0 0 0 0", "2.重复申请 - - - - - - -")
    text = sub(text, "3.其他 0 0 0 0 0 0 0", "3.其他 无 无 无 无 无 无 无")
    return sub(text, "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "/ / / / / / / / / / / / / / /")


BLANK_RAWS: dict[Key, str] = {
    ("active_disclosure", "regulations", "issued"): "/",
    ("active_disclosure", "penalties", "decisions"): "—",
    ("requests", "new", "commercial_enterprise"): "/",
    ("requests", "carried_in", "total"): "—",
    ("requests", "not_processed_duplicate", "natural_person"): "-",
    ("requests", "other_other", "other_org"): "无",
    ("appeals", "litigation_after_review", "total"): "/",
}


def page_furniture(text: str) -> str:
    """Page numbers and the running header where PDF pages break, inside tables 二, 三 and 四."""
    header = "金林区人民政府办公室 2024 年政府信息公开工作年度报告"
    text = sub(text, "行政规范性文件 0 0 7\n", "行政规范性文件 0 0 7\n\n第 2 页 共 5 页\n\n" + header + "\n")
    text = sub(
        text,
        "4.保护第三方合法权益 0 0 0 0 0 0 0\n",
        "4.保护第三方合法权益 0 0 0 0 0 0 0\n\n- 3 -\n\n" + header + "\n",
    )
    text = sub(text, "3.其他 0 0 0 0 0 0 0\n", "3.其他 0 0 0 0 0 0 0\n\n" + header + " 第 4 页\n")
    text = sub(text, "2.没有现成信息需要另行制\n", "2.没有现成信息需要另行制\n\n— 4 —\n" + header + "\n\n")
    return sub(
        text, "\n0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "\n－５－\n\n" + header + "\n0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"
    )


def appeals_over_lines(text: str) -> str:
    return sub(text, "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", "2 1 0 0 3\n\n1 0 0\n1 2\n\n0 0 0 0 0")


def renumbered_sections(text: str) -> str:
    """A department's report: a section on its work comes second, so the tables' sections move down."""
    text = sub(text, "五、政府信息公开工作存在的主要问题", "六、政府信息公开工作存在的主要问题")
    text = sub(text, "六、其他需要报告的事项", "七、其他需要报告的事项")
    text = sub(
        text,
        " 四、因政府信息公开工作被申请行政复议、行政诉讼情况",
        "五、因政府信息公开工作被申请行政复议和提起行政诉讼情况",
    )
    text = sub(
        text, "三、行政机关收到和处理政府信息公开申请情况", "四、行政机关收到和处理政府信息公开申请情况"
    )
    return sub(
        text,
        "二、行政机关主动公开政府信息情况",
        "二、工作机制建设情况\n\n全年召开专题会议 3 次，培训 2 批 45 人次。\n\n"
        "三、行政机关主动公开政府信息情况",
    )


TABLE_TWO_2019 = """二、主动公开政府信息情况
第二十条第（一）项
信息内容 本年新制作数量 本年新公开数量 对外公开总数量
规章 0 0 0
规范性文件 3 3 25
第二十条第（五）项
信息内容 上一年项目数量 本年增/减 处理决定数量
行政许可 128 -3 1,046
其他对外管理服务事项 12 0 36
第二十条第（六）项
信息内容 上一年项目数量 本年增/减 处理决定数量
行政处罚 356 +12 289
行政强制 24 0 5
第二十条第（八）项
信息内容 上一年项目数量 本年增/减
行政事业性收费 6 −1
第二十条第（九）项
信息内容 采购项目数量 采购总金额
政府集中采购 14 {amount}
"""

ROWS_2019 = {
    ("active_disclosure", "regulations"): (0, 0, 0),
    ("active_disclosure", "normative_documents"): (3, 3, 25),
    ("active_disclosure", "licensing"): (128, -3, 1046),
    ("active_disclosure", "other_services"): (12, 0, 36),
    ("active_disclosure", "penalties"): (356, 12, 289),
    ("active_disclosure", "coercive_measures"): (24, 0, 5),
    ("active_disclosure", "fees"): (6, -1),
}


def format_2019(amount: str) -> Callable[[str], str]:
    """Seed 000 as a 2020 report in the 2019 format: table 二's other headers, （六）其他处理 as one row."""

    def reshape(text: str) -> str:
        start, end = text.index("二、行政机关主动公开"), text.index("三、行政机关收到和处理")
        text = text[:start] + TABLE_TWO_2019.format(amount=amount) + text[end:]
        start = text.index("（六）\n")
        end = text.index("（七）总计")
        text = text[:start] + "（六）其他处理 0 0 0 0 0 0 0\n\n" + text[end:]
        text = sub(text, "〔2021〕\n\n30 号", "〔2019〕\n\n60 号")
        return text.replace("2024", "2020")

    return reshape


VARIANTS += [
    Variant("000-label-main-rows", "000", main_rows_reworded),
    Variant("000-full-width", "000", full_width),
    Variant("000-applicant-header", "000", applicant_header_reordered),
    Variant(
        "000-no-total-column",
        "000",
        without_total_column,
        problems=("printed without its 总计 column",),
        cells={
            ("requests", r, "total"): None
            for r in taxonomy.rows_of("requests", "2021")
            if r != "other_handling"
        },
    ),
    Variant("000-blank-markers", "000", blank_markers, raws=BLANK_RAWS),
    Variant("000-page-furniture", "000", page_furniture),
    Variant(
        "000-appeals-over-lines",
        "000",
        appeals_over_lines,
        rows={
            ("appeals", "admin_review"): (2, 1, 0, 0, 3),
            ("appeals", "litigation_direct"): (1, 0, 0, 1, 2),
        },
    ),
    Variant("000-renumbered-sections", "000", renumbered_sections),
    Variant(
        "000-format-2019-yuan",
        "000",
        format_2019("3265800.5元"),
        rows={**ROWS_2019, ("active_disclosure", "procurement"): (14, 3265800.5)},
        format="2019",
        other_as_one_row=True,
        year=2020,
    ),
    Variant(
        "000-format-2019-wan-yuan",
        "000",
        format_2019("326.58 万元"),
        rows={**ROWS_2019, ("active_disclosure", "procurement"): (14, 3265800)},
        format="2019",
        other_as_one_row=True,
        year=2020,
    ),
]


_ROW_OF_7 = re.compile(r"^\d+(?: \d+){6}$")
_LABEL_START = re.compile(r"^(?:\d\.|（[一二三四五六七]）)")


def centred_numbers(own_line: bool) -> Callable[[str], str]:
    """PDF text where a wrapped label's lines are printed around its row's numbers (the numbers are
    centred in their row): on the middle line of the label, or on a line of their own inside it."""

    def reshape(text: str) -> str:
        out: list[str] = []
        for line in (x for x in text.split("\n") if x.strip()):
            if _ROW_OF_7.match(line.strip()):
                k = len(out) - 1
                while k >= 0 and not _LABEL_START.match(out[k].strip()):
                    k -= 1
                if k >= 0 and len(out) - k >= 2:
                    middle = k + (len(out) - k - 1) // 2
                    if own_line:
                        out.insert(middle + 1, line)
                    else:
                        out[middle] += " " + line
                    continue
            out.append(line)
        return "\n".join(out)

    return reshape


def centred_with_a_request(own_line: bool) -> Callable[[str], str]:
    def reshape(text: str) -> str:
        text = sub(text, GRANTED_000, GRANTED_000_ZERO)
        text = sub(text, "出具已获取信息\n0 0 0 0 0 0 0", "出具已获取信息\n1 0 0 0 0 0 1")
        return centred_numbers(own_line)(text)

    return reshape


def numbers_inside_short_labels(text: str) -> str:
    """Rows of one line whose label still wraps: the numbers follow the label's first line."""
    for old, new in (
        (
            "一、本年新收政府信息公开申请数量 2 0 0 0 0 0 2",
            "一、本年新收政府信息 2 0 0 0 0 0 2\n公开申请数量",
        ),
        (
            "二、上年结转政府信息公开申请数量 0 0 0 0 0 0 0",
            "二、上年结转政府信息 0 0 0 0 0 0 0\n公开申请数量",
        ),
        ("四、结转下年度继续办理 0 0 0 0 0 0 0", "四、结转下年度继 0 0 0 0 0 0 0\n续办理"),
        ("行政规范性文件 0 0 7", "行政规范 0 0 7\n性文件"),
        ("行政事业性收费 0", "行政事业 0\n性收费"),
    ):
        text = sub(text, old, new)
    return text


def bare_page_numbers(text: str) -> str:
    """Page numbers printed as a bare number on a line of their own, between two rows."""
    text = sub(text, "（一）予以公开 1 0 0 0 0 0 1\n", "（一）予以公开 1 0 0 0 0 0 1\n\n1\n\n")
    return sub(text, "4.保护第三方合法权益 0 0 0 0 0 0 0\n", "4.保护第三方合法权益 0 0 0 0 0 0 0\n\n2\n\n")


def repeated_table_header(text: str) -> str:
    """A table that runs over a page break with its header rows repeated on the new page."""
    header = (
        "\n- 2 -\n（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\n"
        "申请人情况\n自然人 法人或其他组织 总计\n商业企业 科研机构 社会公益组织 法律服务机构 其他\n"
    )
    return sub(text, "6.属于四类过程性信息 0 0 0 0 0 0 0\n", "6.属于四类过程性信息 0 0 0 0 0 0 0\n" + header)


def letter_spaced_labels(text: str) -> str:
    """Labels printed with a space between their characters (justified text in a narrow cell)."""
    out = re.sub(r"(?m)^(\d\.)([^\d\n ]+)", lambda m: m.group(1) + " ".join(m.group(2)), text)
    assert out != text
    return out


def numbers_glued_to_labels(text: str) -> str:
    """No space between a label and the row's first number (属于国家秘密0 0 0 …)."""
    out = re.sub(r"(?m)^(\d\.[^\d\n]+?) (\d)", r"\1\2", text)
    assert out != text
    return out


VARIANTS += [
    Variant("000-letter-spaced-labels", "000", letter_spaced_labels),
    Variant("000-numbers-glued-to-labels", "000", numbers_glued_to_labels),
    Variant("001-tabs-as-spaces", "001", lambda text: text.replace("\t", " ")),
    Variant(
        "000-centred-numbers-on-label-line",
        "000",
        centred_with_a_request(False),
        rows=moved_000("not_processed_confirmation"),
    ),
    Variant(
        "000-centred-numbers-own-line",
        "000",
        centred_with_a_request(True),
        rows=moved_000("not_processed_confirmation"),
    ),
    Variant("000-numbers-inside-short-labels", "000", numbers_inside_short_labels),
    Variant(
        "000-bare-page-numbers", "000", bare_page_numbers, problems=("8 values for 7 cells; kept the 7",)
    ),
    Variant("000-repeated-table-header", "000", repeated_table_header),
]


# ---------------------------------------------------------------- seed 001: tab-separated


def tab_rows(text: str) -> list[str]:
    return text.split("\n")


def one_cell_per_line(text: str) -> str:
    """Every tab-separated cell on a line of its own, as a web page's table copied as text."""
    out = []
    for line in text.split("\n"):
        out += [f.strip() for f in line.split("\t") if f.strip()] if "\t" in line else [line]
    return "\n".join(out)


def wrapped_pdf_rows(width: int) -> Callable[[str], str]:
    """Tab-separated rows as PDF text: the label wrapped every ``width`` characters over several lines,
    the numbers, space-separated, on the line after."""

    def reshape(text: str) -> str:
        out = []
        for line in text.split("\n"):
            fields = [f.strip() for f in line.split("\t") if f.strip()]
            numbers = [f for f in fields if re.fullmatch(r"\d+", f)]
            label = "".join(f for f in fields if not re.fullmatch(r"\d+", f))
            if "\t" not in line or len(numbers) != 7:
                out.append(line)
                continue
            out += [label[i : i + width] for i in range(0, len(label), width)]
            out.append(" ".join(numbers))
        return "\n".join(out)

    return reshape


def vertical_labels(text: str) -> str:
    for label in ("三、本年度办理结果", "(三) 不予公开", "(四) 无法提供", "(五) 不予处理", "(六) 其他处理"):
        text = sub(text, label, "\n".join(label.replace(" ", "")) + "\n")
    return text


def empty_tab_fields(text: str) -> str:
    text = sub(text, "行政规范性文件\t1\t1\t20", "行政规范性文件\t1\t\t20")
    text = sub(text, "数量\t\t9\t0\t0\t0\t0\t0\t9\t", "数量\t\t9\t\t\t\t\t\t9\t")
    return sub(text, "3. 其他\t0\t0\t0\t0\t0\t0\t0\t", "3. 其他\t0\t\t\t0\t\t\t0\t")


def appeals_heading(heading: str) -> Callable[[str], str]:
    return lambda text: sub(text, "四、政府信息公开行政复议、行政诉讼情况", heading)


def title(new: str) -> Callable[[str], str]:
    return lambda text: sub(text, "石龙区人民政府办公室 2024 年政府信息公开工作年度报告", new)


def title_without_year(text: str) -> str:
    """The title has no year; the cover gives the date of publication; the period gives the data year."""
    text = title("石龙区人民政府办公室政府信息公开工作年度报告\n\n（2025年1月20日）")(text)
    return sub(text, "一、总体情况\n", "一、总体情况\n\n本报告所列数据统计时间为2024年1月1日至12月31日。\n")


def other_handling_as_one_row(text: str) -> str:
    """A 2021 report that still prints （六）其他处理 as one row."""
    start = text.index("(六) 其他处理\t1.")
    end = text.index("(七) 总计")
    return text[:start] + "(六) 其他处理\t\t0\t0\t0\t0\t0\t0\t0\t\n" + text[end:]


def cover_with_dates(text: str) -> str:
    """A crawled page's header (its date of publication) and the date under the title on the cover."""
    return "发布日期：2025-01-20 09:30\n来源：石龙区人民政府办公室\n\n" + title(
        "石龙区人民政府办公室 2024 年政府信息公开工作年度报告\n（2025年1月）"
    )(text)


VARIANTS += [
    Variant("001-other-handling-one-row", "001", other_handling_as_one_row, other_as_one_row=True),
    Variant("001-cover-dates", "001", cover_with_dates),
    Variant("001-one-cell-per-line", "001", one_cell_per_line),
    Variant("001-wrapped-3-lines", "001", wrapped_pdf_rows(12)),
    Variant("001-wrapped-4-lines", "001", wrapped_pdf_rows(7)),
    Variant("001-vertical-labels", "001", vertical_labels),
    Variant(
        "001-empty-tab-fields",
        "001",
        empty_tab_fields,
        rows={("active_disclosure", "normative_documents"): (1, 0, 20)},
        raws={
            ("requests", "new", "commercial_enterprise"): "",
            ("active_disclosure", "normative_documents", "repealed"): "",
        },
    ),
    Variant(
        "001-appeals-heading-提起",
        "001",
        appeals_heading("四、因政府信息公开工作被申请行政复议和提起行政诉讼情况"),
    ),
    Variant(
        "001-appeals-heading-2019",
        "001",
        appeals_heading("四、因政府信息公开申请行政复议、提起行政诉讼的情况"),
    ),
    Variant(
        "001-title-city-district",
        "001",
        title("平顶山市石龙区人民政府办公室2024年政府信息公开工作年度报告"),
        agency="平顶山市石龙区人民政府办公室",
    ),
    Variant("001-title-年度", "001", title("石龙区人民政府办公室2024年度政府信息公开工作年度报告")),
    Variant("001-title-year-first", "001", title("2024年度石龙区人民政府办公室政府信息公开工作年度报告")),
    Variant("001-title-年报", "001", title("石龙区人民政府办公室2024年政府信息公开工作年报")),
    Variant(
        "001-title-关于-的",
        "001",
        title("平顶山市石龙区人民政府办公室关于2024年度政府信息公开工作的年度报告"),
        agency="平顶山市石龙区人民政府办公室",
    ),
    Variant("001-title-二〇二四年", "001", title("石龙区人民政府办公室二〇二四年政府信息公开工作年度报告")),
    Variant("003-one-cell-per-line", "003", one_cell_per_line),
    Variant(
        "001-title-政务公开",
        "001",
        title("石龙区人民政府办公室2024年度政务公开工作年度报告"),
    ),
    Variant("001-title-without-year", "001", title_without_year),
]


# ---------------------------------------------------------------- seed 002: one cell per line


def cell_lines_page_break(text: str) -> str:
    old = "\t5.属于三类内部事务信息\n\t2\xa0\n\t\xa00\n\t\xa00\n"
    new = "\t5.属于三类内部事务信息\n\t2\xa0\n\t\xa00\n\n- 4 -\n\n2024年政府信息公开工作年度报告\n\t\xa00\n"
    return sub(text, old, new)


VARIANTS += [Variant("002-page-break-in-row", "002", cell_lines_page_break)]


# ---------------------------------------------------------------- seed 003: markdown with tabs


def markdown_pipes(empty_zeros: bool) -> Callable[[str], str]:
    """The tab-separated rows as a markdown table (``| a | b |``); optionally with zeros printed empty."""

    def reshape(text: str) -> str:
        out = []
        for line in text.split("\n"):
            if "\t" not in line:
                out.append(line)
                continue
            fields = [f.strip() for f in line.split("\t")]
            if empty_zeros:
                nums = [i for i, f in enumerate(fields) if re.fullmatch(r"\d+", f)]
                for i in nums[1:-1]:
                    if fields[i] == "0":
                        fields[i] = ""
            out.append("| " + " | ".join(fields) + " |")
            if line.startswith("信息内容") or line.startswith("(本列数据"):
                out.append("|" + "---|" * len(fields))
        return "\n".join(out)

    return reshape


def appeals_under_headers(text: str) -> str:
    start = text.index("#### 四、")
    end = text.index("#### 五、")
    table = (
        "#### 四、政府信息公开行政复议、行政诉讼情况\n"
        "行政复议\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n1\t0\t0\t0\t1\n"
        "行政诉讼\n未经复议直接起诉\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n0\t0\t1\t0\t1\n"
        "复议后起诉\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n0\t0\t0\t1\t1\n"
    )
    return text[:start] + table + text[end:]


VARIANTS += [
    Variant("003-markdown-pipes", "003", markdown_pipes(False)),
    Variant("003-markdown-empty-cells", "003", markdown_pipes(True)),
    Variant(
        "003-appeals-under-headers",
        "003",
        appeals_under_headers,
        rows={
            ("appeals", "admin_review"): (1, 0, 0, 0, 1),
            ("appeals", "litigation_direct"): (0, 0, 1, 0, 1),
            ("appeals", "litigation_after_review"): (0, 0, 0, 1, 1),
        },
    ),
]


# ---------------------------------------------------------------- seed 004: narrow PDF column


def vertical_sub_headers_004(text: str) -> str:
    for label in ("（三）不予\n\n公开", "（四）\n\n无法提供", "（五）\n\n不予处理"):
        text = sub(text, label, "\n\n".join(label.replace("\n", "")))
    return text


def lost_numbers_printed_as_slashes(text: str) -> str:
    """Seed 004's rows without numbers, printed with ``/`` in every cell instead."""
    text = sub(
        text,
        "再处理其政府信息\n\n公开申请\n\n3.其他\n",
        "再处理其政府信息\n\n公开申请\n/ / / / / / /\n\n3.其他 / / / / / / /\n",
    )
    return text


def units_and_separators(text: str) -> str:
    text = sub(text, "行政规范性文件 4 0 11", "行政规范性文件 4件 0件 11件")
    text = sub(text, "行政许可 0", "行政许可 1,260")
    return sub(text, "行政事业性收费 0", "行政事业性收费 12.50")


VARIANTS += [
    Variant("004-centred-numbers-on-label-line", "004", centred_numbers(False)),
    Variant("004-centred-numbers-own-line", "004", centred_numbers(True)),
    Variant(
        "004-units-and-thousands",
        "004",
        units_and_separators,
        rows={("active_disclosure", "licensing"): (1260,), ("active_disclosure", "fees"): (12.5,)},
    ),
    Variant("004-vertical-sub-headers", "004", vertical_sub_headers_004),
    Variant(
        "004-rows-of-slashes",
        "004",
        lost_numbers_printed_as_slashes,
        rows={("requests", "other_fee_unpaid"): ZERO7, ("requests", "other_other"): ZERO7},
    ),
]


# ---------------------------------------------------------------- the test


def test_there_are_enough_variants() -> None:
    assert len(VARIANTS) >= 25
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)


_SEED_PROBLEMS: dict[str, list[str]] = {}


def seed_problems(prefix: str) -> list[str]:
    if prefix not in _SEED_PROBLEMS:
        _SEED_PROBLEMS[prefix] = extract_text(seed_text(prefix)).problems
    return _SEED_PROBLEMS[prefix]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_variant_gives_exactly_its_cells(variant: Variant) -> None:
    text = variant.reshape(seed_text(variant.seed))
    assert text != seed_text(variant.seed)
    extraction = extract_text(text)
    expected, want = variant.expected()
    got = values_of(extraction)
    assert list(got) == list(want), "the report's cells, in taxonomy order"
    wrong = {k: (got[k], v) for k, v in want.items() if got[k] != v}
    assert not wrong, f"cells differ (got, want): {wrong}; problems: {extraction.problems}"
    assert (extraction.format, extraction.year) == (expected.format, expected.year)
    assert (extraction.agency, extraction.district) == (expected.agency, expected.district)
    assert extraction.status == ("partial" if None in want.values() else "ok")
    raws = {(c.table, c.row, c.column): c.raw for c in extraction.cells}
    for key, raw in variant.raws.items():
        assert raws[key] == raw, key
    # every row is read by its label, as in the seed: no reading by position, no other fallback
    said = [p for p in extraction.problems if not p.endswith("cells not shown in the document (NULL)")]
    known = seed_problems(variant.seed)
    unexpected = [p for p in said if p not in known and not any(a in p for a in variant.problems)]
    assert not unexpected
