"""A report from known cells as blocks (paragraphs and tables with merged cells), in the national words.

Labels and headers come from ``gongkai/taxonomy.csv`` (row_label_zh, column_label_zh and the article
in notes), laid out as the national templates (国办公开办函〔2021〕30号, 〔2019〕60号) lay them out.
Every renderer (HTML templates, DOCX) draws the same ``Report``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from gongkai import taxonomy
from tests.fixtures.cells import Cells, Key, printed

BLANKS = ("", "/", "—", "无")  # how a report prints a zero it leaves blank
CORNER_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
ORG_HEADERS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
FILLER = (
    "我单位坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻落实《中华人民共和国政府信息公开条例》",
    "聚焦群众关切，持续深化政务公开，推进决策、执行、管理、服务、结果公开",
    "进一步规范依申请公开办理流程，统一答复文书格式，严格落实登记、审核、答复、归档等环节",
    "加强政府网站和政务新媒体日常管理，执行信息发布先审后发制度，确保内容准确、表述规范",
    "建立健全政府信息公开属性源头认定机制，做好规范性文件清理和公开工作",
    "围绕重点领域信息公开，做好政策解读和回应关切，提升公开质量和实效",
)


@dataclass(frozen=True)
class TCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "label"  # label | header | value | note | article
    enum: str = ""  # the label's own enumerator (``1.``, ``（一）``), part of ``text``
    key: Key | None = None  # the cell code of a value


@dataclass
class Table:
    name: str  # the taxonomy table
    n_rows: int
    n_cols: int
    cells: list[TCell]
    header_rows: int  # rows of column headers at the top (repeated by nothing; used by renderers)


@dataclass(frozen=True)
class Para:
    text: str
    style: str = "body"  # title | heading | subheading | body
    enum: str = ""  # a heading's own enumerator (``一、``, ``（一）``), part of ``text``


Block = Para | Table


@dataclass
class Report:
    agency: str
    year: int
    fmt: str
    title: str
    blocks: list[Block]
    cells: Cells
    shown: dict[Key, str] = field(default_factory=dict)  # the printed text of every cell


_ENUM = re.compile(r"^(（[一二三四五六七八九十]+）|[一二三四五六七八九十]+、|\d+\.)")


def _enum(text: str) -> str:
    m = _ENUM.match(text)
    return m.group(1) if m else ""


def _cell(table: str, row: str, column: str, fmt: str) -> taxonomy.Cell:
    return next(
        c for c in taxonomy.cells() if (c.table, c.row, c.column) == (table, row, column) and fmt in c.formats
    )


def _requests_layout(fmt: str, one_row: bool) -> list[tuple[str, str | None, str]]:
    """(row code, group label or None, own label) for the rows of table 三 under 三、本年度办理结果."""
    out = []
    for row in taxonomy.rows_of("requests", fmt):
        if row in ("new", "carried_in", "carried_out"):
            continue
        if (row == taxonomy.OTHER_SINGLE_ROW) != one_row and (
            row == taxonomy.OTHER_SINGLE_ROW or row in taxonomy.OTHER_SPLIT_ROWS
        ):
            continue
        label = taxonomy.by_key()[("requests", row, "total")].row_label_zh.removeprefix("三、")
        label = label.replace("（不分项，作为一行）", "")
        group, _, own = label.partition(" ")
        out.append((row, group, own) if own else (row, None, group))
    return out


def active_table(shown: dict[Key, str], fmt: str) -> Table:
    sections: dict[str, list[str]] = {}
    for c in taxonomy.grid(fmt, True):
        if c.table == "active_disclosure":
            article = c.notes.split(";")[0].strip()
            rows = sections.setdefault(article, [])
            if c.row not in rows:
                rows.append(c.row)
    cells: list[TCell] = []
    r = 0
    for article, rows in sections.items():
        cells.append(TCell(r, 0, article, colspan=4, kind="article"))
        r += 1
        columns = taxonomy.columns_of("active_disclosure", rows[0], fmt)
        widths = [1] * (len(columns) - 1) + [4 - len(columns)]
        cells.append(TCell(r, 0, "信息内容", kind="header"))
        col = 1
        for column, width in zip(columns, widths, strict=True):
            header = _cell("active_disclosure", rows[0], column, fmt).column_label_zh
            cells.append(TCell(r, col, header, colspan=width, kind="header"))
            col += width
        r += 1
        for row in rows:
            label = _cell("active_disclosure", row, columns[0], fmt).row_label_zh
            cells.append(TCell(r, 0, label))
            col = 1
            for column, width in zip(columns, widths, strict=True):
                key = ("active_disclosure", row, column)
                cells.append(TCell(r, col, shown[key], colspan=width, kind="value", key=key))
                col += width
            r += 1
    return Table("active_disclosure", r, 4, cells, 0)


def requests_table(shown: dict[Key, str], fmt: str, one_row: bool) -> Table:
    cells = [
        TCell(0, 0, CORNER_NOTE, rowspan=3, colspan=3, kind="note"),
        TCell(0, 3, "申请人情况", colspan=7, kind="header"),
        TCell(1, 3, "自然人", rowspan=2, kind="header"),
        TCell(1, 4, "法人或其他组织", colspan=5, kind="header"),
        TCell(1, 9, "总计", rowspan=2, kind="header"),
    ]
    cells += [TCell(2, 4 + i, h, kind="header") for i, h in enumerate(ORG_HEADERS)]

    def values(r: int, row: str) -> None:
        for i, column in enumerate(taxonomy.APPLICANT_COLUMNS):
            key = ("requests", row, column)
            cells.append(TCell(r, 3 + i, shown[key], kind="value", key=key))

    def top(r: int, row: str) -> None:
        label = taxonomy.by_key()[("requests", row, "total")].row_label_zh
        cells.append(TCell(r, 0, label, colspan=3, enum=_enum(label)))
        values(r, row)

    top(3, "new")
    top(4, "carried_in")
    layout = _requests_layout(fmt, one_row)
    r = 5
    cells.append(TCell(r, 0, "三、本年度办理结果", rowspan=len(layout), enum="三、"))
    i = 0
    while i < len(layout):
        row, group, label = layout[i]
        if group is None:
            cells.append(TCell(r, 1, label, colspan=2, enum=_enum(label)))
            values(r, row)
            r += 1
            i += 1
            continue
        members = [x for x in layout[i:] if x[1] == group]
        cells.append(TCell(r, 1, group, rowspan=len(members), enum=_enum(group)))
        for row, _, own in members:
            cells.append(TCell(r, 2, own, enum=_enum(own)))
            values(r, row)
            r += 1
        i += len(members)
    top(r, "carried_out")
    return Table("requests", r + 1, 10, cells, 3)


def appeals_table(shown: dict[Key, str], fmt: str) -> Table:
    results = [
        _cell("appeals", "admin_review", c, fmt).column_label_zh
        for c in taxonomy.columns_of("appeals", "admin_review", fmt)
    ]
    cells = [
        TCell(0, 0, "行政复议", colspan=5, kind="header"),
        TCell(0, 5, "行政诉讼", colspan=10, kind="header"),
        TCell(1, 5, "未经复议直接起诉", colspan=5, kind="header"),
        TCell(1, 10, "复议后起诉", colspan=5, kind="header"),
    ]
    cells += [TCell(1, i, h, rowspan=2, kind="header") for i, h in enumerate(results)]
    cells += [TCell(2, 5 + i, h, kind="header") for i, h in enumerate(results * 2)]
    col = 0
    for row in taxonomy.rows_of("appeals", fmt):
        for column in taxonomy.columns_of("appeals", row, fmt):
            key = ("appeals", row, column)
            cells.append(TCell(3, col, shown[key], kind="value", key=key))
            col += 1
    return Table("appeals", 4, 15, cells, 3)


def build_report(
    cells: Cells,
    fmt: str,
    agency: str = "金林区人民政府办公室",
    year: int = 2024,
    seed: int = 0,
    blank_share: float = 0.0,
    paragraphs: int = 4,
) -> Report:
    """The whole report; ``blank_share`` of the zero cells are printed blank (``&nbsp;``, /, —, 无)."""
    rng = random.Random(seed)
    shown: dict[Key, str] = {}
    for key, value in cells.items():
        shown[key] = rng.choice(BLANKS) if value == 0 and rng.random() < blank_share else printed(value)
    one_row = ("requests", taxonomy.OTHER_SINGLE_ROW, "total") in cells
    title = f"{agency}{year}年政府信息公开工作年度报告"
    notice = "〔2021〕30号" if fmt == "2021" else "〔2019〕60号"
    blocks: list[Block] = [
        Para(title, "title"),
        Para(
            f"根据《中华人民共和国政府信息公开条例》和《国务院办公厅政府信息与政务公开办公室关于政府信息公开"
            f"工作年度报告格式的通知》（国办公开办函{notice}）要求，现发布本报告。本报告所列数据的统计期限为"
            f"{year}年1月1日至{year}年12月31日。"
        ),
        Para("一、总体情况", "heading", "一、"),
    ]
    subheads = ("（一）主动公开情况", "（二）依申请公开情况", "（三）政府信息管理情况", "（四）平台建设情况")
    for i in range(paragraphs):
        if i < len(subheads):
            blocks.append(Para(subheads[i], "subheading", _enum(subheads[i])))
        blocks.append(Para("。".join(rng.choice(FILLER) for _ in range(rng.randint(2, 5))) + "。"))
    blocks += [
        Para("二、主动公开政府信息情况", "heading", "二、"),
        active_table(shown, fmt),
        Para("三、收到和处理政府信息公开申请情况", "heading", "三、"),
        requests_table(shown, fmt, one_row),
        Para("四、政府信息公开行政复议、行政诉讼情况", "heading", "四、"),
        appeals_table(shown, fmt),
        Para("五、存在的主要问题及改进情况", "heading", "五、"),
        Para("。".join(rng.choice(FILLER) for _ in range(3)) + "。"),
        Para("六、其他需要报告的事项", "heading", "六、"),
        Para(f"{year}年，本机关未收取政府信息公开信息处理费。"),
    ]
    return Report(agency, year, fmt, title, blocks, cells, shown)
