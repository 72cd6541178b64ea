"""R1–R4 as gongkai/identities.py declares them, against the warehouse's flag views (sql/flags/flag_r*.sql).

Random reports (consistent cells, then some of them changed, blanked, left NULL or printed with a unit,
a note, a thousands separator, full-width digits) are loaded into a real warehouse: the views must flag
exactly the (report, rule, row, column) cases where the declared checks fail, and list the same cells.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai import identities, taxonomy
from gongkai.load import files
from gongkai.model import Extraction, RawCell
from gongkai.numbers import value_of
from tests.conftest import Loader
from tests.fixtures.cells import build_cells, printed

R_VIEWS = ("flag_r1_balance", "flag_r2_results_sum", "flag_r3_row_total", "flag_r4_appeals_total")
Case = tuple[str, str, str | None, str, str]  # report_id, rule, row_code, column_code, cells

ODD_PRINTS = st.sampled_from(
    ["/", "-", "—", "——", "———", "–", "─", "无", "&nbsp;", "", "／", "－", "abc", "1,234", "５", "0.5"]
)


@st.composite
def changes(draw: st.DrawFn, keys: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], str | None]:
    """A few cells printed otherwise: another count, NULL, a blank marker or an odd print."""
    out: dict[tuple[str, str, str], str | None] = {}
    for _ in range(draw(st.integers(0, 6))):
        key = draw(st.sampled_from(keys))
        out[key] = draw(
            st.one_of(
                st.none(),
                st.integers(0, 40).map(str),
                st.integers(0, 40).map(lambda n: f"{n}件"),
                st.integers(0, 40).map(lambda n: f"{n}（其中修订1件）"),
                ODD_PRINTS,
            )
        )
    return out


@st.composite
def reports(draw: st.DrawFn) -> list[Extraction]:
    out = []
    for i in range(draw(st.integers(1, 3))):
        fmt = draw(st.sampled_from(["2019", "2021"]))
        one_row = fmt == "2021" and draw(st.booleans())
        rng = random.Random(draw(st.integers(0, 2**32)))
        cells = build_cells(fmt, True, one_row, rng.randint, big=500)
        raws: dict[tuple[str, str, str], str | None] = {
            k: printed(v) for k, v in cells.items() if k[0] != "active_disclosure"
        }
        raws.update(draw(changes(sorted(raws))))
        out.append(
            Extraction(
                source=f"r{i}.txt",
                sha256=f"{i:02d}" + "ab" * 31,
                file_type="txt",
                status="ok",
                agency=f"第{i}区人民政府",
                district=f"第{i}区",
                year=2024 if fmt == "2021" else 2020,
                format=fmt,
                cells=[RawCell(t, r, c, raw) for (t, r, c), raw in raws.items()],
            )
        )
    return out


def declared_failures(extraction: Extraction) -> set[Case]:
    value = {(c.table, c.row, c.column): value_of(c.raw) for c in extraction.cells}
    rows = tuple(dict.fromkeys(c.row for c in extraction.cells if c.table == "requests"))
    checks = identities.checks(rows, taxonomy.rows_of("appeals", extraction.format or "2021"))
    return {
        (extraction.report_id, c.rule, c.row, c.column, c.cells) for c in checks if c.holds(value) is False
    }


def flagged(path: Path) -> set[Case]:
    con = files.connect(path, read_only=True)
    try:
        query = " union all ".join(
            f"select report_id, rule, row_code, column_code, cells from {v}" for v in R_VIEWS
        )
        return set(con.execute(query).fetchall())
    finally:
        con.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extractions=reports())
def test_the_flag_views_fail_where_the_declared_identities_fail(
    empty_warehouse: Path, load: Loader, extractions: list[Extraction]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "warehouse.duckdb"
        shutil.copyfile(empty_warehouse, path)
        con = files.connect(path)
        for extraction in extractions:
            load(con, extraction)
        con.close()
        expected = set().union(*(declared_failures(e) for e in extractions))
        assert flagged(path) == expected


def test_every_check_names_cells_of_its_table() -> None:
    """The declaration covers every applicant column (R1, R2) and every row (R3, R4) once."""
    for fmt, one_row in (("2021", False), ("2021", True), ("2019", True)):
        grid = {(c.table, c.row, c.column) for c in taxonomy.grid(fmt, one_row)}
        rows = taxonomy.rows_of("requests", fmt)
        rows = tuple(r for r in rows if ("requests", r, "total") in grid)
        checks = identities.checks(rows, taxonomy.rows_of("appeals", fmt))
        by_rule = {rule: [c for c in checks if c.rule == rule] for rule in ("R1", "R2", "R3", "R4")}
        assert [len(by_rule[r]) for r in by_rule] == [7, 7, len(rows), 3]
        for check in checks:
            assert set(check.expected + check.printed) <= grid, check
            assert not set(check.expected) & set(check.printed)


def test_an_identity_with_unknown_parts_can_hold_only_when_they_may_be_counts() -> None:
    """R4 for table 四's review group: the total against its four parts. Unknown parts must be whole
    and not negative, so parts already larger than the total can never add up to it."""
    check = next(c for c in identities.checks((), taxonomy.rows_of("appeals", "2021")) if c.rule == "R4")
    value = {k: 0.0 for k in check.parts}
    assert check.can_hold(value)
    (total,) = check.printed
    parts = [k for k in check.parts if k != total]
    value |= {total: 5.0, parts[0]: 3.0}
    assert not check.can_hold(value)  # all known: 3 ≠ 5
    assert check.can_hold(value | {parts[1]: None})  # an unknown part may be 2
    assert not check.can_hold(value | {parts[1]: None, parts[0]: 9.0})  # 9 + a count is never 5
    assert check.can_hold(value | {parts[0]: 9.0, total: None})  # an unknown total may be 9
    assert check.can_hold(value | {parts[0]: 9.0, total: None, parts[1]: None})
