"""A synthetic corpus: N reports in a mix of formats and layouts, each printing known cells.

The fixture generators of the tests, at scale: PDF layouts (reportlab), HTML page templates (UTF-8
and GBK), DOCX variants and tab-separated text. ``answers.parquet`` holds every report's cells, so a
benchmark also checks correctness. LibreOffice-made layouts are left out: too slow to make thousands.

    python bench/corpus.py --reports 2000 --out /tmp/corpus
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from gongkai import taxonomy  # noqa: E402
from tests.fixtures.cells import Cells, build_cells  # noqa: E402
from tests.fixtures.cells import printed as print_value  # noqa: E402

DISTRICTS = (
    "金林区",
    "石龙区",
    "西工区",
    "友好区",
    "洪泽区",
    "平潭县",
    "海城区",
    "东湖区",
    "南山县",
    "北关区",
)
KINDS = ("人民政府办公室", "教育局", "卫生健康委员会", "市场监督管理局", "司法局", "街道办事处", "镇人民政府")
# (format kind, layout or template, share of the corpus)
MIX: tuple[tuple[str, str, float], ...] = (
    ("text", "tsv", 0.15),
    ("pdf", "reportlab_ruled", 0.15),
    ("pdf", "split_pages", 0.10),
    ("pdf", "borderless", 0.05),
    ("pdf", "fake_bold", 0.05),
    ("html", "portal", 0.15),
    ("html", "legacy", 0.10),
    ("html", "word", 0.05),
    ("docx", "plain", 0.10),
    ("docx", "numbered", 0.10),
)


def text_report(cells: Cells, fmt: str, agency: str, year: int) -> bytes:
    """A tab-separated text report (as seeds 001 and 003 print their tables)."""
    lines = [f"{agency}{year}年政府信息公开工作年度报告", "一、总体情况", "本机关依法做好政府信息公开工作。"]
    lines.append("二、主动公开政府信息情况")
    article = None
    for row in taxonomy.rows_of("active_disclosure", fmt):
        columns = taxonomy.columns_of("active_disclosure", row, fmt)
        first = next(
            c for c in taxonomy.cells() if c.row == row and fmt in c.formats and c.column == columns[0]
        )
        if first.notes.split(";")[0] != article:  # 第二十条第（一）项 and its column headers
            article = first.notes.split(";")[0]
            headers = [taxonomy.by_key()[("active_disclosure", row, col)].column_label_zh for col in columns]
            lines += [article, "\t".join(["信息内容", *headers])]
        values = [print_value(cells[("active_disclosure", row, col)]) for col in columns]
        lines.append("\t".join([first.row_label_zh, *values]))
    lines.append("三、收到和处理政府信息公开申请情况")
    for row in taxonomy.rows_of("requests", fmt):
        if ("requests", row, "total") not in cells:
            continue
        label = taxonomy.by_key()[("requests", row, "total")].row_label_zh
        label = label.split("三、", 1)[-1].split(" ")[-1] if "三、" in label else label
        label = label.replace("（不分项，作为一行）", "")
        values = [print_value(cells[("requests", row, col)]) for col in taxonomy.APPLICANT_COLUMNS]
        lines.append("\t".join([label, *values]))
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines.append("\t".join(["行政复议", "行政诉讼"]))
    appeals = [
        print_value(cells[("appeals", row, col)])
        for row in taxonomy.rows_of("appeals", fmt)
        for col in taxonomy.columns_of("appeals", row, fmt)
    ]
    lines.append("\t".join(appeals))
    lines += ["五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def render(
    kind: str, layout: str, cells: Cells, fmt: str, agency: str, year: int, seed: int
) -> tuple[bytes, str]:
    """The report's bytes and file suffix."""
    if kind == "text":
        return text_report(cells, fmt, agency, year), ".txt"
    if kind == "pdf":
        from tests.fixtures.render import render_pdf

        return render_pdf(cells, fmt, layout, agency=agency, year=year, seed=seed), ".pdf"
    from tests.fixtures_office.report import build_report

    report = build_report(cells, fmt, agency=agency, year=year, seed=seed)
    if kind == "html":
        from tests.fixtures_office.render_html import render_html

        encoding = "gbk" if seed % 2 else "utf-8"
        return render_html(report, layout, encoding=encoding)[0], ".html"
    from tests.fixtures_office.render_docx import render_docx

    return render_docx(report, layout), ".docx"


def generate(out: Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` reports, ``catalog.csv`` and ``answers.parquet`` under ``out``; returns the catalog."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(exist_ok=True)
    rng = random.Random(seed)
    kinds = [(k, layout) for k, layout, share in MIX for _ in range(round(share * 100))]
    catalog_rows, answers = [], []
    for i in range(n):
        kind, layout = kinds[rng.randrange(len(kinds))]
        fmt, one_row = rng.choice((("2021", False), ("2021", False), ("2021", True), ("2019", True)))
        year = rng.choice((2019, 2020)) if fmt == "2019" else rng.choice((2021, 2022, 2023, 2024))
        district = DISTRICTS[i % len(DISTRICTS)]
        agency = f"{district}第{i // len(DISTRICTS) + 1}{rng.choice(KINDS)}"
        cells = build_cells(fmt, rng.random() < 0.8, one_row, rng.randint, 999)
        data, suffix = render(kind, layout, cells, fmt, agency, year, seed=i)
        name = f"reports/{i:06d}-{kind}-{layout}{suffix}"
        (out / name).write_bytes(data)
        catalog_rows.append([agency, district, year, name])
        answers += [
            {"file": name, "table": t, "row": r, "column": c, "value": float(v)}
            for (t, r, c), v in cells.items()
        ]
    with (out / "catalog.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["agency", "district", "year", "source"])
        writer.writerows(catalog_rows)
    pl.DataFrame(answers).write_parquet(out / "answers.parquet")
    return out / "catalog.csv"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    generate(args.out, args.reports, args.seed)
    print(f"{args.reports} reports in {args.out} ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
