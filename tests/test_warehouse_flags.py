"""Cross-year, narrative and structure flags on real report text, through the plain pipeline.

The samples have no consecutive years of one agency, so the previous year is made from seed 001: the
same report re-titled to 2023, with figures changed where a published pair would disagree.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from gongkai.flows import steps
from gongkai.load import dictionary, export, files, sqlfiles, views
from tests.expected import SEEDS
from tests.test_pipeline import run_plain, write_catalog

SEED_001 = SEEDS / "001_20ac404ea9b9f41f.txt"
FLAG_VIEW_COLUMNS = ("rule", "year", "row_code", "column_code", "expected", "printed")
CELL_RULES = ("missing_cell", "blank_cell")


def seed_text() -> str:
    return SEED_001.read_text(encoding="utf-8")


def retitled(text: str, year: int) -> str:
    """The report as if it covered ``year`` (every year in its text moved back with it)."""
    shift = 2024 - year
    return re.sub(r"20\d{2}(?=\s*年)", lambda m: str(int(m.group()) - shift), text)


def change(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def previous_year(carried_out: int, in_force: int, narrative_received: int) -> str:
    """Seed 001 as its 2023 report: ``carried_out`` requests carried into 2024 (natural persons), one
    more received so that R1 still balances, ``in_force`` 规范性文件 in force, and the narrative's figure."""
    text = retitled(seed_text(), 2023)
    new = 9 + carried_out
    text = change(
        text,
        "一、本年新收政府信息公开申请数量\t\t9\t0\t0\t0\t0\t0\t9\t",
        f"一、本年新收政府信息公开申请数量\t\t{new}\t0\t0\t0\t0\t0\t{new}\t",
    )
    text = change(
        text,
        "四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0\t",
        f"四、结转下年度继续办理\t\t{carried_out}\t0\t0\t0\t0\t0\t{carried_out}\t",
    )
    text = change(text, "行政规范性文件\t1\t1\t20", f"行政规范性文件\t1\t1\t{in_force}")
    return change(text, "全年共收到依申请公开 9 件", f"全年共收到依申请公开 {narrative_received} 件")


def run(tmp_path: Path, files: dict[str, str], districts: dict[str, str] | None = None) -> Path:
    districts = districts or {}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    rows = [f",{districts.get(name, '石龙区')},,{name}" for name in files]
    run_plain(write_catalog(tmp_path / "catalog.csv", rows), tmp_path)
    return steps.warehouse_path(tmp_path)


def flags(db: Path, *columns: str) -> list[tuple]:
    frame = export.flags(db).filter(~export.pl.col("rule").is_in(CELL_RULES))
    return frame.select(columns or FLAG_VIEW_COLUMNS).rows()


def test_r5_r6_r7_fire_exactly_where_two_years_disagree(tmp_path: Path) -> None:
    db = run(
        tmp_path,
        {
            "shilong-2023.txt": previous_year(carried_out=1, in_force=19, narrative_received=12),
            "shilong-2024.txt": seed_text(),
        },
    )
    assert flags(db) == [
        # 2023: the narrative says 12 received; table 三 says 10
        ("R6", 2023, "new", "total", Decimal(10), Decimal(12)),
        # 2024: 现行有效 20, but 2023's 19 + 制发 1 − 废止 1 = 19 (table 二 comes first)
        ("R7", 2024, "normative_documents", "in_force", Decimal(19), Decimal(20)),
        # 2024: 二、上年结转 0, but 2023 carried 1 into 2024, in the 自然人 and 总计 columns
        ("R5", 2024, "carried_in", "natural_person", Decimal(1), Decimal(0)),
        ("R5", 2024, "carried_in", "total", Decimal(1), Decimal(0)),
        # 2024's narrative is 2023's with new figures
        ("copied_narrative", 2024, None, None, Decimal("0.8"), Decimal(1)),
    ]
    descriptions = dict(
        (r[0] + (r[1] or ""), r[2]) for r in flags(db, "rule", "column_code", "description_zh")
    )
    assert descriptions["R5natural_person"] == (
        "自然人列：二、上年结转（0）≠ 2023年度报告四、结转下年度继续办理（1）"
    )
    assert descriptions["R7in_force"] == (
        "行政规范性文件：现行有效件数（20）≠ 2023年度现行有效件数+本年制发−本年废止（19）"
    )
    assert descriptions["R6total"].startswith("正文“") and descriptions["R6total"].endswith(
        "：收到申请 12 件，表格为 10"
    )
    assert flags(db, "rule", "severity", "cells")[2] == (
        "R5",
        "warning",
        "requests.carried_in.natural_person = 2023:requests.carried_out.natural_person",
    )


def test_a_consistent_pair_raises_no_cross_year_flag(tmp_path: Path) -> None:
    db = run(
        tmp_path,
        {
            "shilong-2023.txt": previous_year(carried_out=0, in_force=20, narrative_received=9),
            "shilong-2024.txt": seed_text(),
        },
    )
    assert [r[0] for r in flags(db)] == ["copied_narrative"]
    pairs = export.query(db, "SELECT year, prev_year FROM stg_report_pairs").rows()
    assert pairs == [(2024, 2023)]


def test_pingtan_narrative_figures_and_late_publication(tmp_path: Path) -> None:
    text = (SEEDS / "pingtan-2021-crawl.txt").read_text(encoding="utf-8")
    db = run(
        tmp_path,
        {
            "pingtan-2019.txt": (SEEDS / "pingtan-2019-crawl.txt").read_text(encoding="utf-8"),
            "pingtan-2021.txt": change(text, "及时依法依规办结69件", "及时依法依规办结68件"),
        },
        districts=dict.fromkeys(("pingtan-2019.txt", "pingtan-2021.txt"), "平潭综合实验区"),
    )
    assert flags(db, "rule", "year", "expected", "printed", "description_zh") == [
        ("R6", 2021, Decimal(69), Decimal(68), flags(db, "description_zh")[0][0]),
        (
            "late_publication",
            2021,
            Decimal(0),
            Decimal(8),
            "发布时间 2022-02-08 晚于法定期限 2022-01-31（逾期 8 天）",
        ),
    ]
    assert "办结申请 68 件，表格为 69" in flags(db, "description_zh")[0][0]
    figures = export.query(
        db,
        "SELECT r.year, f.metric, f.value FROM narrative_figures AS f JOIN reports AS r USING (report_id)"
        " WHERE f.metric <> 'active_items' ORDER BY r.year, f.ordinal",
    ).rows()
    assert [(y, m, int(v)) for y, m, v in figures] == [
        (2021, "received", 70),
        (2021, "handled", 68),
        (2021, "carried_out", 1),
    ]
    published = export.query(db, "SELECT year, published_on FROM reports ORDER BY year").rows()
    assert [(y, str(d)) for y, d in published] == [(2019, "2020-01-20"), (2021, "2022-02-08")]


def test_structure_flags(tmp_path: Path) -> None:
    seed_000 = (SEEDS / "000_67ee20e95a2da50e.txt").read_text(encoding="utf-8")
    table_4 = seed_000.index(" 四、因政府信息公开工作")
    no_table_4 = seed_000[:table_4] + seed_000[seed_000.index("五、政府信息公开工作存在") :]
    db = run(
        tmp_path,
        {
            "shilong-2020.txt": retitled(seed_text(), 2020),  # the 2021 template for the 2020 data year
            "shilong-no-6.txt": seed_text().replace("六、其他需要报告的事项", "其他"),
            "jinlin-no-4.txt": no_table_4,
            "guodong.txt": (SEEDS / "002_75fd27514a3859df.txt").read_text(encoding="utf-8"),
        },
        districts={"jinlin-no-4.txt": "金林区", "guodong.txt": ""},
    )
    assert sorted(flags(db, "rule", "year", "table_code", "row_code", "severity", "description_zh")) == [
        ("format_year", 2020, None, None, "warning", "2020年度报告使用了2021年格式，应为2019年格式"),
        (
            "missing_section",
            2024,
            None,
            "other_matters",
            "warning",
            "正文未找到“六、其他需要报告的事项”部分",
        ),
        (
            "missing_table",
            2024,
            "appeals",
            None,
            "error",
            "未找到统计表“四、政府信息公开行政复议、行政诉讼情况”（或其数字均未能读取）",
        ),
        ("unknown_district", 2024, None, None, "info", flags(db, "description_zh")[-1][0]),
    ]


def test_every_rule_is_listed_with_the_severity_its_view_gives(con: duckdb.DuckDBPyConnection) -> None:
    rules = con.execute("SELECT rule, severity, view_name FROM flag_rules ORDER BY sort_order").fetchall()
    flag_views = {v.name for v in sqlfiles.view_files() if v.layer == "flags"} - {"consistency_flags"}
    assert {view for _, _, view in rules} == flag_views
    consistency = next(v for v in sqlfiles.view_files() if v.name == "consistency_flags").sql
    for rule, severity, view in rules:
        sql = next(v for v in sqlfiles.view_files() if v.name == view).sql
        assert f"'{rule}' as rule" in sql, view
        assert re.findall(r"'(error|warning|info)' as severity", sql) == [severity], view
        assert f"select * from {view}\n" in consistency, view
    assert [r for r, _, _ in rules][:7] == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    descriptions = con.execute("SELECT description_zh FROM flag_rules").fetchall()
    assert all(re.search(r"[\u4e00-\u9fff]", d) for (d,) in descriptions)


def test_a_reloaded_report_keeps_one_set_of_narrative_facts(tmp_path: Path) -> None:
    shutil.copy(SEED_001, tmp_path / "001.txt")
    catalog = write_catalog(tmp_path / "catalog.csv", [",石龙区,2024,001.txt"])
    run_plain(catalog, tmp_path)
    db = steps.warehouse_path(tmp_path)
    con = files.connect(db)
    con.execute("UPDATE reports SET extractor_version = 'old'")  # the next run re-extracts it
    con.close()
    run_plain(catalog, tmp_path)
    counts = export.query(
        db,
        "SELECT (SELECT count(*) FROM narratives), (SELECT count(*) FROM narrative_figures),"
        " (SELECT count(*) FROM report_sections), (SELECT count(*) FROM wide_requests)",
    ).rows()
    assert counts == [(1, 1, 3, 7)]


NEW_RULE = """-- flag_every_report: every current report (a rule that a test adds)
-- rule: every_report
-- severity: info
-- category: structure
-- order: 99
-- label_zh: 每份报告
-- description_zh: 每份报告都标记一次（测试新增的规则）
create or replace view flag_every_report as

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'every_report' as rule,                     -- the new rule
    cast(null as varchar) as table_code,        -- NULL: the whole report
    cast(null as varchar) as row_code,          -- NULL: the whole report
    cast(null as varchar) as column_code,       -- NULL: the whole report
    'reports.report_id' as cells,               -- the report
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- nothing printed
    'info' as severity,                         -- for every report
    '测试规则' as description_zh                -- the finding in Chinese
from stg_reports
"""


def test_a_new_rule_is_one_sql_file(tmp_path: Path, seed, load) -> None:  # type: ignore[no-untyped-def]
    sql = tmp_path / "sql"
    shutil.copytree(Path(str(sqlfiles.sql_root())), sql)
    (sql / "flags" / "flag_every_report.sql").write_text(NEW_RULE, encoding="utf-8")
    db = tmp_path / "warehouse.duckdb"
    con = files.connect(db)
    views.create_views(con, sqlfiles.view_files(sql))
    load(con, seed())
    report_id = seed().report_id
    assert con.execute("SELECT * FROM flag_rules ORDER BY sort_order DESC LIMIT 1").fetchone() == (
        "every_report",
        "info",
        "structure",
        "flag_every_report",
        None,
        "每份报告",
        "每份报告都标记一次（测试新增的规则）",
        99,
    )
    assert con.execute("SELECT report_id FROM consistency_flags WHERE rule = 'every_report'").fetchall() == [
        (report_id,)
    ]
    assert "| `every_report` | info | structure | `flag_every_report` |" in dictionary.markdown(con)
    con.close()
    exported = export.flags(db)
    assert exported.filter(pl.col("rule") == "every_report")["report_id"].to_list() == [report_id]


def test_the_rules_of_the_package_are_those_its_flag_views_declare(con: duckdb.DuckDBPyConnection) -> None:
    declared = [
        (r.rule, r.severity, r.category, r.view_name, r.threshold, r.label_zh, r.description_zh, r.sort_order)
        for r in sqlfiles.flag_rules()
    ]
    assert con.execute("SELECT * FROM flag_rules ORDER BY sort_order").fetchall() == declared
    assert [r[7] for r in declared] == list(range(1, len(declared) + 1))
