"""Benchmark the warehouse at scale: a synthetic warehouse of 200,000 reports (about 40M cells).

The synthetic warehouse is generated in DuckDB itself (generate_series), not through the extractor:
agencies report six consecutive years (2019–2024, both formats), their tables mostly balance, and a few
per cent of reports carry each kind of problem (a changed number, a NULL or blank cell, a carried-over
figure that does not match last year, a narrative figure that the tables contradict, a copied narrative,
a late publication, an unknown district), so that every flag view has rows to find.

    python bench/warehouse_scale.py [--reports 200000] [--db /tmp/gongkai-bench/warehouse.duckdb]
                                    [--keep] [--incremental 100]

It prints the load time, then the query times (best of --repeat runs, results fetched in full) and
their ratio to a baseline measured in the same run: one full scan of the cells table.
Targets on the reference machine (2 cores): district summary ≤ 1 s, all flags ≤ 5 s.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from gongkai.load import files, loader, records, schema, views

YEARS = 6  # 2019 … 2024
FIRST_YEAR = 2019
N_DISTRICTS = 3000
KINDS = ("人民政府办公室", "财政局", "教育局", "卫生健康委员会", "市场监督管理局", "街道办事处")

QUERIES = {
    "district summary": "SELECT * FROM district_summary",
    "all flags": "SELECT * FROM consistency_flags",
    "agency metrics": "SELECT * FROM agency_metrics",
    "one district, one year (agency_compare)": (
        "SELECT * FROM agency_compare WHERE year = 2024 AND district = '区17'"
    ),
    # the review desk's pages (load/reviews.py read connections query the same views)
    "one report's flags with verdicts (flag_reviews)": (
        "SELECT * FROM flag_reviews WHERE report_id = (SELECT min(report_id) FROM current_flags)"
    ),
    "one report's review state (report_reviews)": (
        "SELECT * FROM report_reviews WHERE report_id = (SELECT min(report_id) FROM current_flags)"
    ),
    "reports to review, first 50": "SELECT * FROM reports_to_review LIMIT 50",
    "one district-year's peer quartiles (agency_peer_metrics)": (
        "SELECT * FROM agency_peer_metrics WHERE year = 2024 AND district = '区17'"
    ),
    "failing sources": "SELECT * FROM failing_sources",
}
BASELINE = "SELECT count(*), sum(value), count(DISTINCT report_id) FROM cells"
TARGETS = {"district summary": 1.0, "all flags": 5.0}


def generate(con: duckdb.DuckDBPyConnection, n_reports: int) -> dict[str, float]:
    """Fill an empty warehouse (schema and views created) with ``n_reports`` synthetic reports."""
    timings: dict[str, float] = {}

    def step(name: str, sql: str) -> None:
        started = time.perf_counter()
        con.execute(sql)
        timings[name] = time.perf_counter() - started

    # report i: agency i // YEARS, data year FIRST_YEAR + i % YEARS; h is a per-report pseudo-random number
    step(
        "reports",
        f"""
        INSERT INTO reports BY NAME
        WITH base AS (
            SELECT
                i,
                i // {YEARS} AS a,
                {FIRST_YEAR} + i % {YEARS} AS year,
                hash(i) AS h
            FROM range({n_reports}) AS t(i)
        )
        SELECT
            substr(md5(i::VARCHAR), 1, 16) AS report_id,
            md5(i::VARCHAR) || md5(i::VARCHAR) AS sha256,
            'synthetic/' || a || '/' || year AS source,
            'pdf' AS file_type,
            '区' || (a % {N_DISTRICTS}) || {list(KINDS)!r}[1 + (a // {N_DISTRICTS}) % {len(KINDS)}]
                || CASE WHEN (a // {N_DISTRICTS}) >= {len(KINDS)}
                    THEN (a // {N_DISTRICTS})::VARCHAR ELSE '' END AS agency,
            CASE WHEN h % 100 = 7 THEN NULL ELSE '区' || (a % {N_DISTRICTS}) END AS district,
            year,
            CASE WHEN year >= 2021 THEN '2021' ELSE '2019' END AS format,
            CASE WHEN h % 200 = 3 THEN 'partial' ELSE 'ok' END AS status,
            CASE WHEN h % 200 = 3 THEN 'requests.new.total not shown' END AS error,
            '[]' AS problems,
            'bench' AS extractor_version,
            TIMESTAMP '2026-01-01' AS extracted_at,
            CASE WHEN year >= 2021 THEN 200 ELSE 198 END AS n_cells,
            CASE WHEN h % 200 = 3 THEN 1 ELSE 0 END AS n_null_cells,
            make_date(year + 1, CASE WHEN h % 50 = 5 THEN 3 ELSE 1 END, 15) AS published_on,
            CASE WHEN h % 100 = 7 THEN NULL ELSE 'catalog' END AS district_source
        FROM base
        ORDER BY report_id
        """,
    )
    # the cells: the report's grid; table 三 balances (new = granted = handled per applicant column,
    # the 总计 column is the sum), table 二's 现行有效 carries over from year to year; then the faults
    step(
        "cells",
        """
        INSERT INTO cells
        WITH r AS (
            SELECT
                report_id, agency, district, year, format, source, n_null_cells,
                hash(report_id) AS h,
                hash(report_id) % 7 AS seed
            FROM reports
        ),
        grid AS (
            SELECT
                l.*,
                list_position(
                    ['natural_person', 'commercial_enterprise', 'research_institution',
                     'social_welfare_org', 'legal_service_org', 'other_org'], l.column_code
                ) AS k
            FROM dim_cell_label AS l
            WHERE list_contains(string_split(
                (SELECT formats FROM dim_cell AS d WHERE d.sort_order = l.sort_order), ' '), l.format)
                AND NOT (l.table_code = 'requests' AND l.format = '2021' AND l.row_code = 'other_handling')
                AND NOT (l.table_code = 'requests' AND l.format = '2019'
                         AND l.row_code IN ('other_no_correction', 'other_fee_unpaid', 'other_other'))
        ),
        valued AS (
            SELECT
                r.report_id, r.agency, r.district, r.year, r.format, r.source, r.h, r.n_null_cells,
                g.table_code, g.row_code, g.column_code, g.sort_order,
                CASE
                    WHEN g.table_code = 'requests' AND g.row_code IN ('new', 'granted', 'handled_total') THEN
                        CASE
                            WHEN g.k > 0 THEN (r.seed * g.k) % 4
                            ELSE list_sum(list_transform(range(1, 7), lambda k: (r.seed * k) % 4))
                        END
                        -- 1 %: one granted number changed (R2 and R3)
                        + CASE WHEN r.h % 100 = 1 AND g.row_code = 'granted' AND g.k = 1 THEN 1 ELSE 0 END
                    -- 1 %: 上年结转 printed where last year carried nothing out (R1 and R5)
                    WHEN g.table_code = 'requests' AND g.row_code = 'carried_in' AND r.h % 100 = 2
                        AND g.column_code IN ('natural_person', 'total') THEN 1
                    WHEN g.table_code = 'active_disclosure' AND g.column_code = 'in_force'
                        THEN 10 + r.year - 2019
                        -- 1 %: 现行有效 that does not follow from last year's (R7)
                        + CASE WHEN r.h % 100 = 4 AND g.row_code = 'normative_documents' THEN 3 ELSE 0 END
                    WHEN g.table_code = 'active_disclosure' AND g.column_code = 'issued' THEN 1
                    WHEN g.table_code = 'active_disclosure' AND g.column_code = 'repealed' THEN 0
                    WHEN g.table_code = 'active_disclosure' THEN hash(r.report_id, g.sort_order) % 20
                    ELSE 0
                END AS v,
                -- 0.5 %: a cell printed '/'; partial reports lose requests.new.total
                g.table_code = 'appeals' AND hash(r.report_id, g.sort_order) % 200 = 0 AS blank,
                r.n_null_cells > 0 AND g.table_code = 'requests' AND g.row_code = 'new'
                    AND g.column_code = 'total' AS lost
            FROM r
            INNER JOIN grid AS g ON g.format = r.format
        )
        SELECT
            report_id, agency, district, year, format, table_code, row_code, column_code,
            CASE WHEN lost THEN NULL ELSE v END::DECIMAL(18, 6) AS value,
            CASE WHEN lost THEN NULL WHEN blank THEN '/' ELSE v::VARCHAR END AS raw,
            blank AND NOT lost AS is_blank,
            NULL AS annotation,
            source AS source_file,
            NULL AS page,
            NULL AS line,
            sort_order AS cell_order
        FROM valued
        ORDER BY report_id, sort_order
        """,
    )
    started = time.perf_counter()
    schema.rebuild_derived(con, schema.DERIVED_TABLES)
    timings["derived tables"] = time.perf_counter() - started
    # narratives: a sketch per agency and year; 1 % copy last year's (the same sketch)
    step(
        "narratives",
        """
        INSERT INTO narratives
        SELECT
            report_id,
            agency || year || '年政府信息公开工作年度报告。'
                || repeat('全年共收到依申请公开若干件，均依法答复。', 12),
            300,
            list_transform(range(64), lambda j: hash(
                agency, CASE WHEN hash(report_id) % 100 = 6 THEN year - 1 ELSE year END, j) >> 1)
        FROM reports
        """,
    )
    step(
        "narrative facts",
        """
        INSERT INTO report_sections
        WITH s AS (
            SELECT report_id, section_code, sort_order,
                section_code = 'other_matters' AND hash(report_id) % 100 = 8 AS lost
            FROM reports CROSS JOIN dim_section
        )
        SELECT report_id, section_code, NOT lost, CASE WHEN NOT lost THEN sort_order * 100 END FROM s;
        INSERT INTO narrative_figures
        SELECT
            w.report_id, 1, 'received',
            w.new + CASE WHEN hash(w.report_id) % 100 = 9 THEN 5 ELSE 0 END,
            '全年共收到依申请公开' || w.new || '件', 10
        FROM wide_requests AS w
        WHERE w.applicant_type = 'total' AND w.new IS NOT NULL;
        INSERT INTO narrative_figures
        SELECT w.report_id, 2, 'handled', w.handled_total, '办结' || w.handled_total || '件', 40
        FROM wide_requests AS w
        WHERE w.applicant_type = 'total' AND w.handled_total IS NOT NULL;
        """,
    )
    started = time.perf_counter()
    schema.rebuild_derived(con, ["narrative_readings"])  # what R6 reads
    timings["narrative readings"] = time.perf_counter() - started
    started = time.perf_counter()
    schema.ensure_schema(con)  # dim_agency: every agency's peer group
    timings["dimensions"] = time.perf_counter() - started
    started = time.perf_counter()
    schema.refresh_flag_counts(con)  # what every load ends with
    timings["flag counts"] = time.perf_counter() - started
    started = time.perf_counter()
    con.execute("CHECKPOINT")
    timings["checkpoint"] = time.perf_counter() - started
    return timings


def best_of(con: duckdb.DuckDBPyConnection, sql: str, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = con.sql(sql).to_arrow_table().num_rows
        times.append(time.perf_counter() - started)
    return min(times), rows


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def incremental(db: Path, n: int) -> float:
    """A nightly run that changes ``n`` reports: copy, load them (one transaction), swap in."""

    def run() -> None:
        with files.writing(db) as con:
            schema.ensure_schema(con)
            first = f"SELECT report_id FROM reports ORDER BY report_id LIMIT {n}"
            ids = [r[0] for r in con.execute(first).fetchall()]
            items = []
            for report_id in ids:
                report = con.sql("SELECT * FROM reports WHERE report_id = ?", params=[report_id]).pl()
                cells = con.sql(
                    'SELECT report_id, agency, district, year, format, table_code AS "table",'
                    ' row_code AS "row", column_code AS "column", value::DOUBLE AS value, raw, is_blank,'
                    " annotation, source_file, page, line, cell_order FROM cells WHERE report_id = ?",
                    params=[report_id],
                ).pl()
                record = report.drop("n_cells", "n_null_cells").row(0, named=True)
                record["extracted_at"] = datetime.now(UTC)
                items.append(loader.ReportLoad(records.ReportRecord.from_mapping(record), cells))
            loader.load_reports(con, items, refresh=False)  # as pipeline.load does (500 at a time)
            views.create_views(con)  # and recounts the flags once

    return timed(run)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--db", type=Path, help="where to build the warehouse (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query; the best is reported")
    parser.add_argument("--keep", action="store_true", help="keep the warehouse file")
    parser.add_argument("--incremental", type=int, default=0, help="then time a nightly run of N reports")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="gongkai-bench-")) if args.db is None else args.db.parent
    db = args.db or folder / "warehouse.duckdb"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)

    print(f"synthetic warehouse: {args.reports:,} reports into {db}")
    started = time.perf_counter()
    con = files.connect(db)
    views.create_views(con)
    steps = generate(con, args.reports)
    con.close()
    load = time.perf_counter() - started
    con = files.connect(db, read_only=True)
    n_cells = con.execute("SELECT count(*) FROM cells").fetchall()[0][0]
    print(f"load: {load:.1f} s for {n_cells:,} cells ({db.stat().st_size / 2**30:.1f} GiB)")
    for name, seconds in steps.items():
        print(f"  {name:<18} {seconds:7.1f} s")

    baseline, _ = best_of(con, BASELINE, args.repeat)
    print(f"baseline (one scan of cells): {baseline:.2f} s")
    failed = False
    for name, sql in QUERIES.items():
        seconds, rows = best_of(con, sql, args.repeat)
        target = TARGETS.get(name)
        verdict = "" if target is None else (" ok" if seconds <= target else f" OVER the {target:g} s target")
        failed |= target is not None and seconds > target
        print(f"{name:<42} {seconds:6.2f} s  {rows:>9,} rows  {seconds / baseline:5.1f}× baseline{verdict}")
    counted = "SELECT rule, count(*) FROM consistency_flags GROUP BY rule ORDER BY rule"
    by_rule = con.execute(counted).fetchall()
    print("flags: " + ", ".join(f"{rule} {n:,}" for rule, n in by_rule))
    con.close()

    if args.incremental:
        seconds = incremental(db, args.incremental)
        print(f"nightly run of {args.incremental} changed reports (copy, load, swap): {seconds:.1f} s")
    if not args.keep:
        shutil.rmtree(folder) if args.db is None else None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
