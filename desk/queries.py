"""The desk's reads: each page's data in a few queries that filter before they join (fast at 200,000
reports: point lookups by report_id, the pivoted ``wide_*`` tables, ``report_flag_counts``, paging)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from gongkai import taxonomy
from gongkai.desk.warehouse import Row, Session
from gongkai.load import reviews

PAGE_SIZE = 50
STATUS_ZH = {"ok": "完整", "partial": "部分缺失", "failed": "无法读取", "needs_ocr": "需OCR"}
SEVERITY_ZH = taxonomy.SEVERITY_ZH
# report_reviews.review_state: the report's verdict, else open / reviewed / clean
REVIEW_ZH = {"open": "待审核", "reviewed": "问题已审", "clean": "无问题", **reviews.VERDICTS}
_VERDICT_COLUMNS = "verdict, verdict_zh, note, corrected_value, reviewer, reviewed_at, carried"

# The review state of each report that has a review (report_reviews), rebuilt with the review views
# when the store changes (app.LiveReviews); a report without one is open or clean (queries.reports).
REVIEW_STATES = (
    "SELECT report_id, review_state FROM memory.main.report_reviews"
    " WHERE report_id IN (SELECT report_id FROM memory.main.review_current)"
)

# Built once per warehouse file (warehouse.Generation), read by every page as tables:
MATERIALISED = {
    # the latest version of each source (failed ones included: the desk lists them too), with its
    # peer group and its flags counted
    "desk_reports": """
        SELECT c.report_id, c.agency, c.district, c.year, c.format, c.status, c.file_type,
            c.n_null_cells, c.published_on, c.error, k.agency_kind, k.label_zh AS kind_zh,
            coalesce(fc.n_errors, 0) AS n_errors, coalesce(fc.n_warnings, 0) AS n_warnings,
            coalesce(fc.n_infos, 0) AS n_infos, coalesce(fc.rules, '') AS rules,
            coalesce(fc.n_errors, 0) * 1000000 + coalesce(fc.n_warnings, 0) AS flag_order
        FROM reports AS c
        LEFT JOIN dim_agency AS k USING (agency)
        LEFT JOIN report_flag_counts AS fc USING (report_id)
        QUALIFY row_number() OVER (
            PARTITION BY coalesce(c.source, c.report_id) ORDER BY c.extracted_at DESC, c.report_id DESC) = 1
    """,
}


def runs(db: Session, limit: int = 8) -> list[Row]:
    """The last nightly runs, newest first, with their failures grouped by reason."""
    found = db.rows(
        "SELECT run_id, started_at, finished_at, n_loaded, n_skipped, n_failed, summary"
        " FROM runs ORDER BY started_at DESC LIMIT $n",
        {"n": limit},
    )
    for run in found:
        summary = json.loads(run.pop("summary") or "{}")
        failed: dict[str, str] = summary.get("failed") or {}
        run["reasons"] = Counter(failed.values()).most_common()
        run["catalog_errors"] = summary.get("catalog_errors") or []
        run["flags_by_rule"] = sorted((summary.get("flags_by_rule") or {}).items())
    return found


def status_counts(db: Session) -> list[Row]:
    """Current reports by status, template format and file type (scans: needs_ocr, or OCR-read)."""
    return db.rows(
        "SELECT status, coalesce(format, '—') AS format, coalesce(file_type, '?') AS file_type,"
        " count(*) AS n FROM desk_reports GROUP BY ALL ORDER BY status, format, file_type"
    )


def flag_totals(db: Session) -> Row:
    """Flags of current reports by severity: still open (no verdict), and all; the reports to review."""
    found = db.one(
        """
        SELECT
            count(*) FILTER (WHERE severity = 'error' AND review_state = 'open') AS error,
            count(*) FILTER (WHERE severity = 'warning' AND review_state = 'open') AS warning,
            count(*) FILTER (WHERE severity = 'info' AND review_state = 'open') AS info,
            count(*) FILTER (WHERE review_state <> 'open') AS judged,
            count(DISTINCT report_id) FILTER (
                WHERE severity IN ('error', 'warning') AND review_state = 'open') AS open_reports
        FROM flag_reviews
        """
    )
    return found or {"error": 0, "warning": 0, "info": 0, "judged": 0, "open_reports": 0}


def failing_sources(db: Session, limit: int = 20) -> list[Row]:
    """Sources whose latest fetch or reading failed, the ones failing longest in a row first."""
    return db.rows(
        "SELECT * FROM failing_sources ORDER BY n_failures DESC, last_failed_at DESC, source, stage LIMIT $n",
        {"n": limit},
    )


@dataclass
class ReportFilter:
    """The reports list's filters, sort and page, as the query string gives them."""

    district: str | None = None
    year: int | None = None
    kind: str | None = None
    status: str | None = None
    rule: str | None = None
    review: str | None = None
    q: str | None = None
    sort: str = "flags"
    desc: bool = True
    page: int = 1


SORTS = {
    "agency": "agency",
    "district": "district",
    "year": "year",
    "kind": "kind_zh",
    "status": "status",
    "format": "format",
    "file_type": "file_type",
    "flags": "flag_order",
    "errors": "n_errors",
    "warnings": "n_warnings",
    "nulls": "n_null_cells",
    "published": "published_on",
    "review": "review_state",
}


def reports(db: Session, f: ReportFilter) -> tuple[list[Row], int]:
    """One page of current reports matching ``f`` and their count, with each one's review state:
    report_reviews' for the reports that have a review, else open (an error or warning flag to judge)
    or clean (none), as report_reviews says of a report without reviews."""
    order = SORTS.get(f.sort, SORTS["flags"])
    direction = "DESC" if f.desc else "ASC"
    params = {
        "district": f.district,
        "year": f.year,
        "kind": f.kind,
        "status": f.status,
        "rule": f.rule,
        "review": f.review,
        "q": f.q,
    }
    matching = """
        WITH chosen AS (
            SELECT c.*, coalesce(rv.review_state,
                CASE WHEN c.n_errors + c.n_warnings > 0 THEN 'open' ELSE 'clean' END) AS review_state
            FROM desk_reports AS c LEFT JOIN desk_review_states AS rv USING (report_id)
            WHERE ($district IS NULL OR c.district = $district)
                AND ($year IS NULL OR c.year = $year)
                AND ($status IS NULL OR c.status = $status)
                AND ($kind IS NULL OR c.agency_kind = $kind)
                AND ($q IS NULL OR contains(c.agency, $q))
                AND ($rule IS NULL OR list_contains(string_split(c.rules, ' '), $rule))
        )
        SELECT * FROM chosen WHERE $review IS NULL OR review_state = $review
    """
    count = db.one(f"SELECT count(*) AS n FROM ({matching})", params)
    rows = db.rows(
        f"SELECT * FROM ({matching}) ORDER BY {order} {direction} NULLS LAST, report_id"
        " LIMIT $limit OFFSET $offset",
        params | {"limit": PAGE_SIZE, "offset": (max(f.page, 1) - 1) * PAGE_SIZE},
    )
    return rows, count["n"] if count else 0


def choices(db: Session) -> dict[str, list[tuple[Any, str]]]:
    """What the filters offer, as (value, label) pairs: districts, years, peer groups, rules."""
    pairs = {
        "districts": "SELECT DISTINCT district, district FROM desk_reports WHERE district NOTNULL ORDER BY 1",
        "years": "SELECT DISTINCT year, year::VARCHAR FROM desk_reports WHERE year NOTNULL ORDER BY 1 DESC",
        "kinds": "SELECT DISTINCT agency_kind, label_zh FROM dim_agency_kind ORDER BY 1",
        "rules": "SELECT rule, rule || ' ' || label_zh FROM flag_rules ORDER BY sort_order",
    }
    return {name: db.con.execute(sql).fetchall() for name, sql in pairs.items()}


def report(db: Session, report_id: str) -> Row | None:
    return db.one(
        "SELECT r.*, k.agency_kind, k.label_zh AS kind_zh FROM reports AS r"
        " LEFT JOIN dim_agency AS k USING (agency) WHERE r.report_id = $id",
        {"id": report_id},
    )


def cells(db: Session, report_id: str) -> dict[tuple[str, str, str], Row]:
    """The report's cells by (table, row, column); an OCR reading's confidence when the warehouse has
    that column (NULL: the cell was read from text)."""
    extra = ", confidence" if db.has_column("cells", "confidence") else ""
    found = db.rows(
        "SELECT table_code, row_code, column_code, value, raw, is_blank, annotation, source_file,"
        f" page, line{extra} FROM cells WHERE report_id = $id",
        {"id": report_id},
    )
    return {(c["table_code"], c["row_code"], c["column_code"]): c for c in found}


def grid_labels(db: Session, fmt: str | None) -> list[Row]:
    """The template's cells of a format in print order, with their Chinese labels."""
    return db.rows(
        "SELECT l.table_code, l.row_code, l.column_code, l.row_label_zh, l.column_label_zh, l.sort_order,"
        " t.label_zh AS table_label_zh, t.sort_order AS table_order"
        " FROM dim_cell_label AS l JOIN dim_table AS t USING (table_code)"
        " JOIN dim_cell AS d ON d.sort_order = l.sort_order"
        " WHERE l.format = $f AND list_contains(string_split(d.formats, ' '), l.format)"
        " ORDER BY t.sort_order, l.sort_order",
        {"f": fmt or "2021"},
    )


def _with_review(row: Row) -> Row:
    verdict = {k: row.pop(k) for k in _VERDICT_COLUMNS.split(", ")}
    row["review"] = verdict if verdict["verdict"] else None
    return row


def report_flags(db: Session, report_id: str) -> list[Row]:
    """The report's flags with the rule's label and description and the flag's current verdict."""
    return [
        _with_review(row)
        for row in db.rows(
            "SELECT f.rule, f.table_code, f.row_code, f.column_code, f.cells, f.expected, f.printed,"
            " f.severity, f.description_zh, r.label_zh AS rule_label_zh,"
            f" r.description_zh AS rule_description_zh, f.{_VERDICT_COLUMNS.replace(', ', ', f.')}"
            " FROM flag_reviews AS f LEFT JOIN flag_rules AS r USING (rule) WHERE f.report_id = $id"
            " ORDER BY r.sort_order, f.table_code, f.row_code, f.column_code, f.cells",
            {"id": report_id},
        )
    ]


def review_of(
    db: Session, report_id: str, table: str | None = None, row: str | None = None, column: str | None = None
) -> Row | None:
    """The current verdict on the report (no cell given) or on one of its cells."""
    return db.one(
        f"SELECT {_VERDICT_COLUMNS} FROM review_current WHERE report_id = $id"
        " AND target = CASE WHEN $t IS NULL THEN 'report' ELSE 'cell' END"
        " AND table_code IS NOT DISTINCT FROM $t AND row_code IS NOT DISTINCT FROM $r"
        " AND column_code IS NOT DISTINCT FROM $c",
        {"id": report_id, "t": table, "r": row, "c": column},
    )


def to_review(db: Session, limit: int = 10) -> list[Row]:
    """The reports still to review, most errors first."""
    return reports(db, ReportFilter(review="open", sort="errors"))[0][:limit]


def narrative_figures(db: Session, report_id: str) -> list[Row]:
    """The figures the narrative quotes beside what the tables give for them (R6's readings)."""
    return db.rows(
        """
        SELECT f.ordinal, f.metric, m.label_zh AS metric_zh, f.value AS figure, f.quote,
            string_agg(gk_num(r.value), ' 或 ' ORDER BY r.alternative) AS table_values,
            string_agg(r.cells, ' | ' ORDER BY r.alternative) AS cells,
            bool_and(r.complete) AS complete,
            coalesce(bool_or(r.complete AND r.value = f.value), false) AS agrees,
            count(r.alternative) AS n_readings
        FROM narrative_figures AS f
        LEFT JOIN dim_narrative_metric AS m USING (metric)
        LEFT JOIN narrative_readings AS r ON r.report_id = f.report_id AND r.ordinal = f.ordinal
        WHERE f.report_id = $id
        GROUP BY ALL ORDER BY f.ordinal
        """,
        {"id": report_id},
    )


def previous_report(db: Session, report_id: str) -> Row | None:
    """The same agency's report of the year before (as R5 and R7 pair them: stg_report_pairs)."""
    return db.one(
        "SELECT prev_report_id AS report_id, prev_year AS year FROM stg_report_pairs WHERE report_id = $id",
        {"id": report_id},
    )


def next_report(db: Session, report_id: str) -> Row | None:
    return db.one(
        "SELECT report_id, year FROM stg_report_pairs WHERE prev_report_id = $id", {"id": report_id}
    )


def year_on_year(db: Session, report_id: str, prev_id: str) -> list[Row]:
    """Each cell of this report beside last year's, where both have it."""
    return db.rows(
        """
        SELECT c.table_code, c.row_code, c.column_code, c.value, p.value AS prev_value,
            c.value - p.value AS change, l.row_label_zh, l.column_label_zh
        FROM (SELECT * FROM cells WHERE report_id = $id) AS c
        JOIN (SELECT * FROM cells WHERE report_id = $prev) AS p
            USING (table_code, row_code, column_code)
        LEFT JOIN dim_cell_label AS l
            ON l.format = c.format AND l.table_code = c.table_code
            AND l.row_code = c.row_code AND l.column_code = c.column_code
        WHERE c.value IS DISTINCT FROM p.value
        ORDER BY c.cell_order
        """,
        {"id": report_id, "prev": prev_id},
    )


def cell_label(db: Session, fmt: str | None, table: str, row: str, column: str) -> Row | None:
    return db.one(
        "SELECT l.row_label_zh, l.column_label_zh, t.label_zh AS table_label_zh FROM dim_cell_label AS l"
        " JOIN dim_table AS t USING (table_code) WHERE l.format = $f AND l.table_code = $t"
        " AND l.row_code = $r AND l.column_code = $c",
        {"f": fmt or "2021", "t": table, "r": row, "c": column},
    )


def first_district(db: Session, year: int | None) -> str | None:
    found = db.one(
        "SELECT district FROM desk_reports WHERE district IS NOT NULL AND ($y IS NULL OR year = $y)"
        " ORDER BY district LIMIT 1",
        {"y": year},
    )
    return found["district"] if found else None


@dataclass
class Compared:
    """A district's agencies for one year: the metrics in order, and per agency its figure of each
    metric with the peer group's quartiles and its ranks (agency_peer_metrics)."""

    metrics: list[tuple[str, str]]
    agencies: list[Row]


def compare(db: Session, year: int, district: str | None) -> Compared:
    rows = db.rows(
        "SELECT * FROM agency_peer_metrics WHERE year = $y AND district IS NOT DISTINCT FROM $d"
        " ORDER BY agency_kind_label_zh, agency, report_id, metric_order",
        {"y": year, "d": district},
    )
    metrics: dict[str, str] = {}
    agencies: dict[str, Row] = {}
    for row in rows:
        metrics.setdefault(row["metric"], row["metric_label_zh"])
        agency = agencies.setdefault(
            row["report_id"],
            {k: row[k] for k in ("agency", "report_id", "agency_kind", "agency_kind_label_zh")} | {"m": {}},
        )
        agency["m"][row["metric"]] = row
    return Compared(list(metrics.items()), list(agencies.values()))


def agency_history(db: Session, agency: str, district: str | None) -> list[Row]:
    """One agency's figures over the years."""
    return db.rows(
        "SELECT year, received, handled, granted FROM agency_metrics WHERE agency = $a"
        " AND district IS NOT DISTINCT FROM $d ORDER BY year",
        {"a": agency, "d": district},
    )


def district_history(db: Session, district: str | None) -> list[Row]:
    """A district's totals over the years (district_summary)."""
    return db.rows(
        "SELECT year, received, handled, granted FROM district_summary"
        " WHERE district IS NOT DISTINCT FROM $d ORDER BY year",
        {"d": district},
    )
