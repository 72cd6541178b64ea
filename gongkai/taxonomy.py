"""The canonical cell codes (taxonomy.csv) and the cell grid of each report format."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

TABLES = ("active_disclosure", "requests", "appeals")
TABLE_LABELS_ZH = {
    "active_disclosure": "二、主动公开政府信息情况",
    "requests": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
}
APPLICANT_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}  # a flag's severity, as the desk shows it
OTHER_SPLIT_ROWS = ("other_no_correction", "other_fee_unpaid", "other_other")
OTHER_SINGLE_ROW = "other_handling"


@dataclass(frozen=True)
class Cell:
    table: str
    row: str
    column: str
    formats: tuple[str, ...]
    row_label_zh: str
    column_label_zh: str
    notes: str
    order: int


@cache
def cells() -> tuple[Cell, ...]:
    """Every cell of taxonomy.csv in file order (the order of ``parse`` output)."""
    text = resources.files("gongkai").joinpath("taxonomy.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(text.splitlines())
    return tuple(
        Cell(
            table=r["table"],
            row=r["row"],
            column=r["column"],
            formats=tuple(r["formats"].split()),
            row_label_zh=r["row_label_zh"],
            column_label_zh=r["column_label_zh"],
            notes=r["notes"],
            order=i,
        )
        for i, r in enumerate(rows)
    )


@cache
def by_key() -> dict[tuple[str, str, str], Cell]:
    """Cells by code; a code in both formats (``licensing.decisions``) maps to its first line."""
    out: dict[tuple[str, str, str], Cell] = {}
    for c in cells():
        out.setdefault((c.table, c.row, c.column), c)
    return out


@cache
def order_of(fmt: str | None) -> dict[tuple[str, str, str], int]:
    """Position of each code in ``parse`` output for a report of format ``fmt``."""
    out = {(c.table, c.row, c.column): c.order for c in cells() if fmt in c.formats}
    for key, c in by_key().items():
        out.setdefault(key, c.order)
    return out


@cache
def grid(fmt: str, other_as_one_row: bool) -> tuple[Cell, ...]:
    """The cells a report of format ``fmt`` has, in taxonomy order.

    ``other_as_one_row``: the report prints （六）其他处理 as one row (always so in the 2019 format).
    """
    if fmt == "2019":
        other_as_one_row = True
    skip = OTHER_SPLIT_ROWS if other_as_one_row else (OTHER_SINGLE_ROW,)
    return tuple(c for c in cells() if fmt in c.formats and not (c.table == "requests" and c.row in skip))


@cache
def columns_of(table: str, row: str, fmt: str) -> tuple[str, ...]:
    """Column codes of one row in taxonomy order."""
    return tuple(c.column for c in cells() if c.table == table and c.row == row and fmt in c.formats)


@cache
def rows_of(table: str, fmt: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for c in cells():
        if c.table == table and fmt in c.formats:
            seen.setdefault(c.row)
    return tuple(seen)
