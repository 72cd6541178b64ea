"""The 主管部门对标与风险清单 workbook (.xlsx): the flags of current reports with their rules, verdicts and
links to the desk, and the agencies of each district side by side with their peer groups.

The same warehouse and review store give byte-identical files: fixed document properties and creation
date, rows in a fixed order. Every text is written as text (never a formula), so a name that starts
with ``=`` is shown, not run.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from gongkai import taxonomy
from gongkai.load import reviews

TITLE = "主管部门对标与风险清单"
CREATED = datetime(2021, 1, 1)  # fixed, so that the same data gives the same bytes
MAX_LINKS = 65_530  # Excel's hyperlinks per sheet; further rows get the address as text
DESK_URL = "http://127.0.0.1:8000"

_FLAGS = """
    SELECT f.year, f.district, f.agency, k.label_zh AS agency_kind, f.report_id, f.rule,
        r.label_zh AS rule_label, f.severity, f.description_zh, f.expected, f.printed,
        coalesce(f.verdict_zh, '待审核') AS verdict, f.note, f.corrected_value, f.reviewer,
        f.reviewed_at, f.carried
    FROM flag_reviews AS f
    LEFT JOIN flag_rules AS r USING (rule)
    LEFT JOIN dim_agency AS k USING (agency)
    WHERE ($year IS NULL OR f.year = $year) AND ($district IS NULL OR f.district = $district)
    ORDER BY f.year NULLS LAST, f.district NULLS LAST, f.agency NULLS LAST, f.report_id, r.sort_order,
        f.table_code, f.row_code NULLS FIRST, f.column_code, f.cells
"""
_FLAG_HEADERS = [
    ("年度", 6), ("区县", 10), ("机关", 28), ("机关类别", 14), ("规则", 8), ("规则名称", 20),
    ("严重程度", 8), ("问题说明", 50), ("应为", 8), ("实为", 8), ("审核结论", 16), ("审核备注", 24),
    ("更正值", 8), ("审核人", 10), ("审核时间", 18), ("沿用上一版本结论", 10), ("审核台链接", 40),
]  # fmt: skip

# (metric, its column label): the figures of the comparison sheet, from agency_peer_metrics
COMPARED = [
    ("received", "本年新收申请"),
    ("handled", "办理结果总计"),
    ("grant_rate", "予以公开率"),
    ("denied", "不予公开"),
    ("admin_review_total", "行政复议"),
    ("litigation_total", "行政诉讼"),
]
_COMPARE = """
    SELECT year, district, agency, agency_kind_label_zh, report_id, metric, value, p25, p50, p75,
        rank_in_kind, n_peers, rank_in_district, n_in_district
    FROM agency_peer_metrics
    WHERE ($year IS NULL OR year = $year) AND ($district IS NULL OR district = $district)
        AND metric IN ({metrics})
    ORDER BY year NULLS LAST, district NULLS LAST, agency NULLS LAST, report_id
"""


def _frames(db_path: Path, year: int | None, district: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    con = reviews.read_connection(db_path)
    try:
        parameters = {"year": year, "district": district}
        flags = con.sql(_FLAGS, params=parameters).pl()
        metrics = ", ".join(f"'{m}'" for m, _ in COMPARED)
        compared = con.sql(_COMPARE.format(metrics=metrics), params=parameters).pl()
    finally:
        con.close()
    return flags, compared


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def _put(sheet, row: int, col: int, value: object, fmt=None) -> None:  # type: ignore[no-untyped-def]
    """One cell: numbers as numbers, everything else as text (never a formula); None left empty."""
    if value is None:
        return
    if isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, _text(value), fmt)


def _header(sheet, headers: list[tuple[str, int]], bold) -> None:  # type: ignore[no-untyped-def]
    for col, (name, width) in enumerate(headers):
        sheet.write_string(0, col, name, bold)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)


def _flag_sheet(book, flags: pl.DataFrame, desk_url: str, formats: dict) -> None:  # type: ignore[no-untyped-def]
    sheet = book.add_worksheet("风险清单")
    _header(sheet, _FLAG_HEADERS, formats["bold"])
    for i, f in enumerate(flags.iter_rows(named=True), start=1):
        values = [
            f["year"], f["district"], f["agency"], f["agency_kind"], f["rule"], f["rule_label"],
            taxonomy.SEVERITY_ZH.get(f["severity"], f["severity"]), f["description_zh"],
            _number(f["expected"]), _number(f["printed"]), f["verdict"], f["note"] or None,
            _number(f["corrected_value"]),
            f["reviewer"], f["reviewed_at"].strftime("%Y-%m-%d %H:%M") if f["reviewed_at"] else None,
            None if f["carried"] is None else ("是" if f["carried"] else "否"),
        ]  # fmt: skip
        for col, value in enumerate(values):
            _put(sheet, i, col, value)
        link = f"{desk_url.rstrip('/')}/report/{f['report_id']}"
        if i <= MAX_LINKS:
            sheet.write_url(i, len(values), link, formats["link"], string=link)
        else:
            sheet.write_string(i, len(values), link)
    sheet.autofilter(0, 0, max(flags.height, 1), len(_FLAG_HEADERS) - 1)


def _compare_sheet(book, compared: pl.DataFrame, formats: dict) -> None:  # type: ignore[no-untyped-def]
    sheet = book.add_worksheet("区县对比")
    headers = [("年度", 6), ("区县", 10), ("机关", 28), ("机关类别", 14)]
    for _, label in COMPARED:
        headers += [(label, 10), (f"{label}·同类P25", 10), (f"{label}·同类中位数", 10)]
        headers += [(f"{label}·同类P75", 10), (f"{label}·同类排名", 10), (f"{label}·区内排名", 10)]
    _header(sheet, headers, formats["bold"])
    agencies = compared.partition_by(["year", "district", "agency", "report_id"], maintain_order=True)
    for i, rows in enumerate(agencies, start=1):
        first = rows.row(0, named=True)
        by_metric = {r["metric"]: r for r in rows.iter_rows(named=True)}
        values: list[object] = [
            first["year"],
            first["district"],
            first["agency"],
            first["agency_kind_label_zh"],
        ]
        for metric, _ in COMPARED:
            r = by_metric.get(metric, {})
            values += [r.get("value"), r.get("p25"), r.get("p50"), r.get("p75")]
            values += [
                _rank(r.get("rank_in_kind"), r.get("n_peers")),
                _rank(r.get("rank_in_district"), r.get("n_in_district")),
            ]
        for col, value in enumerate(values):
            fmt = formats["rate"] if isinstance(value, float) and "率" in headers[col][0] else None
            _put(sheet, i, col, value, fmt)
    sheet.autofilter(0, 0, max(len(agencies), 1), len(headers) - 1)


def _rank(rank: int | None, of: int | None) -> str | None:
    return None if rank is None else f"{rank}/{of}"


def write_workbook(
    db_path: Path,
    out_path: Path,
    year: int | None = None,
    district: str | None = None,
    desk_url: str = DESK_URL,
) -> Path:
    """Write the workbook (one data year and district, or all) with the current verdicts; atomically."""
    flags, compared = _frames(Path(db_path), year, district)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(f".{out_path.name}.{os.getpid()}.partial")
    book = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        book.set_properties({"title": TITLE, "author": "gongkai", "created": CREATED})
        formats = {
            "bold": book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True}),
            "link": book.add_format({"font_color": "blue", "underline": 1}),
            "rate": book.add_format({"num_format": "0.0%"}),
        }
        _flag_sheet(book, flags, desk_url, formats)
        _compare_sheet(book, compared, formats)
        book.close()
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return out_path
