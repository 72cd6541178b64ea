"""What a nightly run did: its summary (recorded in ``runs``), and the markdown artifact for people of
new, changed and failed reports and their flags."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from gongkai.model import Fetched

ROWS_SHOWN = 200  # rows per table of the artifact; the warehouse has them all


@dataclass
class RunSummary:
    run_id: str
    started_at: str
    finished_at: str = ""
    loaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    catalog_errors: list[str] = field(default_factory=list)
    flags_by_rule: dict[str, int] = field(default_factory=dict)
    exports: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)  # wall time of each stage
    worker_cpu_seconds: dict[str, float] = field(default_factory=dict)  # extract and transform, all workers

    def text(self) -> str:
        lines = [
            f"run {self.run_id}: {len(self.loaded)} loaded, {len(self.skipped)} unchanged, "
            f"{len(self.failed)} failed, {len(self.catalog_errors)} catalog errors"
        ]
        lines += [f"  failed  {src}: {why}" for src, why in sorted(self.failed.items())]
        lines += [f"  catalog {err}" for err in self.catalog_errors]
        if self.flags_by_rule:
            lines.append("  flags: " + ", ".join(f"{k} {v}" for k, v in sorted(self.flags_by_rule.items())))
        lines += [f"  export  {p}" for p in self.exports]
        return "\n".join(lines)


def new_run(now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(UTC)
    return RunSummary(run_id="", started_at=now.isoformat())


def sources_with_reports(db_path: Path) -> dict[str, set[str]]:
    """Per source, the report versions (report_id) the warehouse already holds."""
    if not Path(db_path).exists():
        return {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute("SELECT source, report_id FROM reports").fetchall()
    except duckdb.CatalogException:
        rows = []
    finally:
        con.close()
    known: dict[str, set[str]] = {}
    for source, report_id in rows:
        known.setdefault(source, set()).add(report_id)
    return known


def _table(header: list[str], rows: list[list[object]]) -> str:
    def cell(value: object) -> str:
        return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows[:ROWS_SHOWN]]
    if len(rows) > ROWS_SHOWN:
        lines.append(f"\n… and {len(rows) - ROWS_SHOWN:,} more rows: query the warehouse for them all.")
    return "\n".join(lines)


def markdown(db_path: Path, summary: RunSummary, fetched: list[Fetched], known: dict[str, set[str]]) -> str:
    """The run in markdown: counts, new and changed reports, failures, the new reports' flags, fetches.

    The reports loaded (``summary.loaded``) are read back from the warehouse; each table shows at
    most ``ROWS_SHOWN`` rows and says how many more the warehouse holds."""
    reports = _loaded_reports(db_path, summary.loaded)
    new = [r for r in reports if r["source"] not in known]
    changed = [r for r in reports if r["source"] in known and r["report_id"] not in known[r["source"]]]
    outcomes = Counter(f.outcome for f in fetched)
    parts = [
        f"# gongkai nightly run {summary.run_id}",
        f"{len(summary.loaded)} reports loaded ({len(new)} new, {len(changed)} changed), "
        f"{len(summary.skipped)} unchanged, {len(summary.failed)} failed. Fetches: "
        f"{outcomes['downloaded']} downloaded, {outcomes['not_modified']} not modified (304), "
        f"{outcomes['failed']} failed.",
    ]
    for title, rows in (("New reports", new), ("Changed reports", changed)):
        if rows:
            parts += [
                f"## {title}",
                _table(
                    ["agency", "district", "year", "status", "source"],
                    [[r["agency"], r["district"], r["year"], r["status"], r["source"]] for r in rows],
                ),
            ]
    if summary.failed:
        parts += [
            "## Failed",
            _table(["source", "reason"], [[s, why] for s, why in sorted(summary.failed.items())]),
        ]
    if reports:
        con = duckdb.connect(str(db_path), read_only=True)
        try:
            flags = con.execute(
                "SELECT agency, year, rule, severity, cells, expected, printed, description_zh "
                "FROM consistency_flags WHERE report_id IN (SELECT unnest(?)) AND severity <> 'info' "
                "ORDER BY agency, year, rule, cells",
                [summary.loaded],
            ).fetchall()
        finally:
            con.close()
        if flags:
            parts += [
                "## New flags",
                _table(
                    ["agency", "year", "rule", "severity", "cells", "expected", "printed", "description"],
                    [list(f) for f in flags],
                ),
            ]
    return "\n\n".join(parts) + "\n"


def _loaded_reports(db_path: Path, report_ids: list[str]) -> list[dict]:
    if not report_ids or not Path(db_path).exists():
        return []
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = con.execute(
            "SELECT report_id, source, agency, district, year, status FROM reports "
            "WHERE report_id IN (SELECT unnest(?)) ORDER BY agency, source, report_id",
            [report_ids],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
