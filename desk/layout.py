"""A report's three tables laid out as the national template prints them: header rows with their
spans, row labels nested as printed (三、… （三）不予公开 … 1.…), and every cell with its marks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import Any

from gongkai import taxonomy
from gongkai.desk.warehouse import Row

Key = tuple[str, str, str]
CELL_REF = re.compile(r"(?<![:\w.])(active_disclosure|requests|appeals)\.(\w+)\.(\w+)")
APPLICANT_GROUP = taxonomy.APPLICANT_COLUMNS[1:-1]  # 法人或其他组织: between 自然人 and 总计


@dataclass
class Head:
    text: str
    colspan: int = 1
    rowspan: int = 1
    code: str = ""


@dataclass
class Cell:
    key: Key
    value: Any = None
    raw: str | None = None
    state: str = "value"  # value, null, blank, absent (the format has no such cell)
    ocr: bool = False
    flags: list[Row] = field(default_factory=list)

    @property
    def severity(self) -> str:
        order = ("error", "warning", "info")
        found = [f["severity"] for f in self.flags]
        return next((s for s in order if s in found), "")

    @property
    def text(self) -> str:
        if self.state == "null":
            return "NULL"
        if self.state == "absent":
            return ""
        return plain(self.value)


@dataclass
class Line:
    """A body row: a heading spanning the table, or a labelled row of cells."""

    label: str
    code: str = ""
    level: int = 0
    heading: bool = False
    cells: list[Cell] = field(default_factory=list)
    heads: list[Head] = field(default_factory=list)  # a header row inside the body (table 二's blocks)


@dataclass
class Grid:
    code: str
    title: str
    heads: list[list[Head]]
    lines: list[Line]
    width: int


def plain(value: Any) -> str:
    """A number as the report prints it: 9, 8.5, -3 (a float, such as a quartile, to 2 decimals)."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = Decimal(str(round(value, 2)))
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    return str(value)


def flagged_cells(flags: list[Row]) -> dict[Key, list[Row]]:
    """Each cell a flag involves (its ``cells`` text, or its own table, row and column)."""
    found: dict[Key, list[Row]] = {}
    for flag in flags:
        keys = {m.groups() for m in CELL_REF.finditer(flag.get("cells") or "")}
        if not keys and flag.get("table_code") and flag.get("row_code") and flag.get("column_code"):
            keys = {(flag["table_code"], flag["row_code"], flag["column_code"])}
        for key in sorted(keys):
            found.setdefault(key, []).append(flag)
    return found


_NOT_READ: Row = {"value": None, "raw": None, "is_blank": None}


def _cell(key: Key, stored: dict[Key, Row], flags: dict[Key, list[Row]]) -> Cell:
    found = stored.get(key)
    if found is None:  # the report's grid has no such cell (the other format's, or （六） split)
        return Cell(key, state="absent", flags=flags.get(key, []))
    state = "null" if found["value"] is None else ("blank" if found["is_blank"] else "value")
    return Cell(
        key, found["value"], found["raw"], state, found.get("confidence") is not None, flags.get(key, [])
    )


def grids(labels: list[Row], stored: dict[Key, Row], flags: list[Row]) -> list[Grid]:
    """The three tables of a report of one format: ``labels`` from ``queries.grid_labels``."""
    by_cell = flagged_cells(flags)
    printed = {(t, r) for t, r, _ in stored}
    out = []
    for (code, title), rows in groupby(labels, key=lambda r: (r["table_code"], r["table_label_zh"])):
        rows = list(rows)
        if any((code, r["row_code"]) in printed for r in rows):  # the rows this report prints
            rows = [r for r in rows if (code, r["row_code"]) in printed]
        else:  # the table is missing: its cells are all shown as not read
            stored = stored | {(code, r["row_code"], r["column_code"]): _NOT_READ for r in rows}
        build = {"requests": _requests, "appeals": _appeals}.get(code, _blocks)
        out.append(build(code, title, rows, stored, by_cell))
    return out


def _ordered(rows: list[Row], part: str) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for r in rows:
        seen.setdefault(r[f"{part}_code"], r[f"{part}_label_zh"])
    return list(seen.items())


def _blocks(code: str, title: str, rows: list[Row], stored, by_cell) -> Grid:
    """Table 二: consecutive rows that share their columns form a block with its own header row."""
    columns_of: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        columns_of.setdefault(r["row_code"], []).append((r["column_code"], r["column_label_zh"]))
    width = max(len(c) for c in columns_of.values()) + 1
    lines: list[Line] = []
    heads: list[list[Head]] = []
    row_labels = dict(_ordered(rows, "row"))
    for columns, members in groupby(columns_of.items(), key=lambda item: tuple(item[1])):
        header = [Head("信息内容")] + [Head(label, code=c) for c, label in columns]
        header[-1].colspan = width - len(columns)
        if not heads:
            heads.append(header)
        else:
            lines.append(Line("", heads=header))
        for row_code, _ in members:
            cells = [_cell((code, row_code, c), stored, by_cell) for c, _ in columns]
            cells += [Cell((code, row_code, ""), state="absent") for _ in range(width - 1 - len(columns))]
            lines.append(Line(row_labels[row_code], row_code, cells=cells))
    return Grid(code, title, heads, lines, width)


def _split_label(label: str) -> tuple[str, str, str]:
    """'三、（三）不予公开 8.属于行政查询事项'
    -> ('三、本年度办理结果', '（三）不予公开', '8.属于行政查询事项')."""
    section = "三、本年度办理结果" if label.startswith("三、") else ""
    rest = label.removeprefix("三、")
    group, _, item = rest.partition(" ")
    return section, group, item


def _requests(code: str, title: str, rows: list[Row], stored, by_cell) -> Grid:
    """Table 三: 申请人情况 over 自然人 | 法人或其他组织 (five) | 总计; results nested as printed."""
    columns = _ordered(rows, "column")
    labels = dict(columns)
    codes = [c for c, _ in columns]
    width = len(codes) + 1
    if codes == ["natural_person", *APPLICANT_GROUP, "total"]:
        heads = [
            [
                Head("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3),
                Head("申请人情况", colspan=7),
            ],
            [
                Head(labels["natural_person"], rowspan=2, code="natural_person"),
                Head("法人或其他组织", colspan=5),
                Head(labels["total"], rowspan=2, code="total"),
            ],
            [Head(labels[c], code=c) for c in APPLICANT_GROUP],
        ]
    else:
        heads = [[Head("")] + [Head(label, code=c) for c, label in columns]]
    lines: list[Line] = []
    section_seen, group_seen = "", ""
    for row_code, label in _ordered(rows, "row"):
        section, group, item = _split_label(label)
        if section and section != section_seen:
            lines.append(Line(section, heading=True))
        section_seen = section
        level = 1 if section else 0
        if item:
            if group != group_seen:
                lines.append(Line(group, heading=True, level=level))
            group_seen = group
            text, level = item, level + 1
        else:
            group_seen = ""
            text = group
        cells = [_cell((code, row_code, c), stored, by_cell) for c in codes]
        lines.append(Line(text, row_code, level=level, cells=cells))
    return Grid(code, title, heads, lines, width)


def _appeals(code: str, title: str, rows: list[Row], stored, by_cell) -> Grid:
    """Table 四 as one printed row: 行政复议 | 行政诉讼 (未经复议直接起诉 | 复议后起诉), five results each."""
    kinds = _ordered(rows, "row")
    columns = _ordered(rows, "column")
    top: list[Head] = []
    middle: list[Head] = []
    bottom: list[Head] = []
    for parent, members in groupby(kinds, key=lambda k: k[1].partition("·")[0]):
        members = list(members)
        if any("·" in label for _, label in members):
            top.append(Head(parent, colspan=len(columns) * len(members)))
            middle.extend(Head(label.partition("·")[2], colspan=len(columns), code=r) for r, label in members)
        else:
            top.append(Head(parent, colspan=len(columns), rowspan=2, code=members[0][0]))
        for _ in members:
            bottom.extend(Head(clabel, code=c) for c, clabel in columns)
    cells = [_cell((code, r, c), stored, by_cell) for r, _ in kinds for c, _ in columns]
    width = len(cells)
    return Grid(code, title, [top, middle, bottom], [Line("", cells=cells)], width)
