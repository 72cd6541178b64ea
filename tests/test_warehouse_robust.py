"""Issue 11 in the load: one bad report never fails the load, the same bytes twice are one report with
two sources, two differing reports of an agency and year are flagged, and the catalog is the authority.

Real DuckDB files and the real sample reports of data/samples, extracted as the night extracts them.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from gongkai.agencies import Reading
from gongkai.fetch.acquire import body, hash_source
from gongkai.fetch.catalog import Catalog, read_catalog
from gongkai.flows import batches, steps, writer
from gongkai.flows.batches import Prepared
from gongkai.load import loader, schema, sources, views
from gongkai.load.loader import ReportLoad
from gongkai.model import CatalogEntry
from tests.expected import copy_samples

AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
KEWEI = "samples/shanghai-kewei-2024-converted.md"
GUOFANG = "samples/002_75fd27514a3859df.txt"  # the catalog gives no district
JINLIN = "samples/000_67ee20e95a2da50e.txt"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """data/catalog.csv and data/samples, copied: the folder a night runs on."""
    folder = tmp_path_factory.mktemp("night")
    copy_samples(folder)
    return folder


def prepare(catalog: Catalog, entry: CatalogEntry) -> Prepared:
    """One catalog line extracted and prepared as a night's batch does it."""
    source = body(hash_source(catalog, entry), catalog.path.parent / "raw")
    return batches.prepare(batches.extract_source(source), entry, AT)


@pytest.fixture(scope="module")
def prepared(samples: Path) -> dict[str, Prepared]:
    """Each sample extracted and prepared as the night does, by its catalog source."""
    catalog = read_catalog(samples / "catalog.csv")
    return {entry.source: prepare(catalog, entry) for entry in catalog.entries}


def as_load(p: Prepared) -> ReportLoad:
    return ReportLoad(p.report, p.cells, p.narrative)


def listed_again(p: Prepared, source: str, **catalog: object) -> Prepared:
    """The same bytes listed at another source (the catalog's line for it)."""
    report = replace(p.report, source=source, **{f"catalog_{k}": v for k, v in catalog.items()})
    cells = p.cells.with_columns(source_file=pl.lit(source)) if p.cells is not None else None
    return replace(p, report=report, cells=cells)


def statuses(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str | None]]:
    """report_id → (status, error)."""
    rows = con.execute("SELECT report_id, status, error FROM reports").fetchall()
    return {report_id: (status, error) for report_id, status, error in rows}


# 1. one bad report never fails the load


def test_a_value_beyond_decimal_fails_only_its_report(con, prepared):
    bad = prepared[JINLIN]
    new = (pl.col("table") == "requests") & (pl.col("row") == "new") & (pl.col("column") == "natural_person")
    cells = bad.cells.with_columns(
        value=pl.when(new).then(1e12).otherwise(pl.col("value")),
        raw=pl.when(new).then(pl.lit("1000000000000")).otherwise(pl.col("raw")),
    )
    items = [as_load(p) for p in prepared.values() if p is not bad] + [as_load(replace(bad, cells=cells))]
    loaded = loader.load_reports(con, items, refresh=False)
    assert len(loaded) == len(prepared)
    status, error = statuses(con)[bad.report.report_id]
    assert status == "failed"
    assert "requests.new.natural_person" in error and "1000000000000" in error and "DECIMAL(18, 6)" in error
    assert con.execute(
        "SELECT count(*) FROM cells WHERE report_id = ?", [bad.report.report_id]
    ).fetchall() == [(0,)]
    assert loader.load_failures(con, loaded) == {bad.report.source: f"failed: {error}"}  # the run's summary
    others = {i: v for i, v in statuses(con).items() if i != bad.report.report_id}
    assert {i for i, (status, _) in others.items() if status == "ok"} == {
        p.report.report_id for s, p in prepared.items() if s != JINLIN and p.report.status == "ok"
    }
    assert con.execute(
        "SELECT count(*) FROM narratives WHERE report_id = ?", [bad.report.report_id]
    ).fetchone() == (0,)


def test_cells_outside_the_taxonomy_or_twice_fail_only_their_report(con, prepared):
    kewei, jinlin = prepared[KEWEI], prepared[JINLIN]
    unknown = kewei.cells.with_columns(
        row=pl.when(pl.col("cell_order") == 0).then(pl.lit("no_such_row")).otherwise(pl.col("row"))
    )
    twice = pl.concat([jinlin.cells, jinlin.cells.head(1)])
    loader.load_reports(con, [as_load(replace(kewei, cells=unknown)), as_load(replace(jinlin, cells=twice))])
    found = statuses(con)
    assert (
        found[kewei.report.report_id][0] == "failed"
        and "not in the taxonomy" in found[kewei.report.report_id][1]
    )
    assert (
        found[jinlin.report.report_id][0] == "failed" and "given twice" in found[jinlin.report.report_id][1]
    )


def test_a_group_statement_that_fails_is_loaded_report_by_report(con, prepared):
    kewei = prepared[KEWEI]
    figures = kewei.narrative.figures
    assert figures  # the Shanghai report quotes its figures
    narrative = replace(kewei.narrative, figures=[*figures, figures[0]])  # the same ordinal twice
    items = [as_load(p) for s, p in prepared.items() if s != KEWEI] + [
        as_load(replace(kewei, narrative=narrative))
    ]
    loader.load_reports(con, items)
    found = statuses(con)
    assert found[kewei.report.report_id][0] == "failed"
    assert (
        "the warehouse refused it" in found[kewei.report.report_id][1]
        and "duplicate key" in found[kewei.report.report_id][1]
    )
    assert sum(status == "ok" for status, _ in found.values()) == sum(
        p.report.status == "ok" for s, p in prepared.items() if s != KEWEI
    )


def test_a_record_that_breaks_the_contract_is_stored_as_failed(con, prepared):
    kewei = prepared[KEWEI]
    loader.load_reports(con, [as_load(replace(kewei, report=replace(kewei.report, status="done")))])
    status, error = statuses(con)[kewei.report.report_id]
    assert status == "failed" and "status 'done'" in error
    assert con.execute("SELECT count(*) FROM cells").fetchone() == (0,)


def test_a_warehouse_error_midway_rolls_the_group_back(con, prepared):
    loader.load_reports(con, [as_load(prepared[JINLIN])])
    con.execute("ALTER TABLE wide_appeals RENAME TO wide_appeals_gone")  # the warehouse, not a report
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("reports", "cells")}
    with pytest.raises(duckdb.CatalogException):
        loader.load_reports(con, [as_load(p) for p in prepared.values()])
    assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in before} == before


# 2. the same bytes twice


def test_the_same_file_listed_twice_is_one_report_with_two_sources(con, prepared):
    kewei = prepared[KEWEI]
    again = listed_again(kewei, "/a/kewei-2024.md", agency="上海市科学技术委员会", year=2024)
    loader.load_reports(con, [as_load(kewei), as_load(again)])
    assert con.execute("SELECT report_id, source FROM reports").fetchall() == [
        (kewei.report.report_id, "/a/kewei-2024.md")  # the smallest source
    ]
    assert con.execute("SELECT source FROM report_sources ORDER BY source").fetchall() == [
        ("/a/kewei-2024.md",),
        (kewei.report.source,),
    ]
    assert con.execute("SELECT count(DISTINCT source_file), count(*) FROM cells").fetchone() == (
        1,
        kewei.cells.height,
    )


def test_a_second_source_in_a_later_group_keeps_the_smallest(con, prepared):
    kewei = prepared[KEWEI]
    loader.load_reports(con, [as_load(kewei)])
    loader.load_reports(con, [as_load(listed_again(kewei, "zz/kewei.md", agency="上海市科学技术委员会"))])
    assert con.execute("SELECT source FROM reports").fetchall() == [(kewei.report.source,)]
    assert con.execute("SELECT count(*) FROM report_sources").fetchone() == (2,)


def test_a_catalog_listing_the_same_file_twice_loads_it_once(samples, tmp_path):
    shutil.copytree(samples / "samples", tmp_path / "samples")
    lines = (samples / "catalog.csv").read_text(encoding="utf-8").splitlines()
    twice = next(line for line in lines if line.endswith(KEWEI)).replace(KEWEI, "samples/copy.md")
    shutil.copy(tmp_path / KEWEI, tmp_path / "samples/copy.md")
    (tmp_path / "catalog.csv").write_text("\n".join([*lines, twice]) + "\n", encoding="utf-8")
    catalog = read_catalog(tmp_path / "catalog.csv")
    sources_ = [hash_source(catalog, e) for e in catalog.entries]
    staged = batches.stage_batch(sources_, tmp_path / "raw", AT, tmp_path / "batches", "a00000")
    db = steps.warehouse_path(tmp_path)
    writer.load(db, [staged])  # raised ConstraintException (duplicate key) before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM reports").fetchone() == (len(lines) - 1,)
    assert con.execute(
        "SELECT r.source, list(s.source ORDER BY s.source)"
        " FROM reports r JOIN report_sources s USING (report_id)"
        " GROUP BY ALL HAVING count(*) > 1"
    ).fetchall() == [
        (str(tmp_path / "samples/copy.md"), [str(tmp_path / "samples/copy.md"), str(tmp_path / KEWEI)])
    ]
    con.close()


# 3. two reports of the same agency and year with different figures


def test_two_differing_reports_of_an_agency_and_year_are_both_flagged(con, prepared):
    first = prepared[JINLIN]
    cells = first.cells.with_columns(
        value=pl.when(pl.col("row") == "new").then(pl.col("value") + 1).otherwise(pl.col("value"))
    )
    other = "cd" * 32
    second = replace(
        first,
        report=replace(
            first.report,
            report_id=other[:16],
            sha256=other,
            source="samples/000_corrected.txt",
            published_on=datetime(2025, 3, 1).date(),
        ),
        cells=cells.with_columns(report_id=pl.lit(other[:16])),
        narrative=None,
    )
    loader.load_reports(con, [as_load(first), as_load(second)])
    views.create_views(con)
    flags = con.execute(
        "SELECT report_id, severity, description_zh FROM consistency_flags"
        " WHERE rule = 'duplicate_reports' ORDER BY report_id"
    ).fetchall()
    assert [f[0] for f in flags] == sorted([first.report.report_id, other[:16]])
    assert {f[1] for f in flags} == {"warning"}
    for _, _, description in flags:
        assert other[:16] in description and "发布日期" in description
    assert con.execute("SELECT report_id FROM stg_agency_reports").fetchall() == [(other[:16],)]


def test_the_same_figures_twice_are_not_flagged(con, prepared):
    first = prepared[JINLIN]
    other = "ef" * 32
    second = replace(
        first,
        report=replace(first.report, report_id=other[:16], sha256=other, source="samples/000_again.txt"),
        cells=first.cells.with_columns(report_id=pl.lit(other[:16])),
        narrative=None,
    )
    loader.load_reports(con, [as_load(first), as_load(second)])
    views.create_views(con)
    assert con.execute(
        "SELECT count(*) FROM consistency_flags WHERE rule = 'duplicate_reports'"
    ).fetchone() == (0,)


# 4. the catalog is the authority


def test_the_catalog_s_agency_overrides_the_printed_one(con, prepared):
    kewei = prepared[KEWEI]
    assert kewei.report.agency == "上海市科学技术委员会"
    assert kewei.report.agency_printed == "上海市科委"
    loader.load_reports(con, [as_load(kewei)])
    views.create_views(con)
    assert con.execute("SELECT DISTINCT agency FROM cells").fetchall() == [("上海市科学技术委员会",)]
    assert con.execute("SELECT agency, agency_printed FROM reports").fetchall() == [
        ("上海市科学技术委员会", "上海市科委")
    ]
    assert con.execute(
        "SELECT severity FROM consistency_flags WHERE rule = 'agency_mismatch'"
    ).fetchall() == [("info",)]


def test_applying_tonight_s_catalog_re_resolves_without_extraction(con, prepared):
    loader.load_reports(con, [as_load(p) for p in prepared.values()])
    views.create_views(con)
    guofang = prepared[GUOFANG].report
    assert con.execute(
        "SELECT district FROM stg_agency_reports WHERE report_id = ?", [guofang.report_id]
    ).fetchall() == [(None,)]
    extracted = con.execute("SELECT max(extracted_at) FROM reports").fetchall()

    def infos() -> int:
        query = "SELECT coalesce(sum(n_infos), 0) FROM report_flag_counts WHERE report_id = ?"
        return con.execute(query, [guofang.report_id]).fetchall()[0][0]

    infos_before = infos()
    tonight = [
        sources.Listed(
            p.report.source,
            p.report.sha256,
            Reading(
                p.report.catalog_agency,
                "金林区" if s == GUOFANG else p.report.catalog_district,
                p.report.catalog_year,
            ),
        )
        for s, p in prepared.items()
    ]
    assert sources.apply_catalog(con, tonight) == [guofang.report_id]
    assert con.execute(
        "SELECT district FROM stg_agency_reports WHERE report_id = ?", [guofang.report_id]
    ).fetchone() == ("金林区",)
    assert con.execute(
        "SELECT DISTINCT district FROM cells WHERE report_id = ?", [guofang.report_id]
    ).fetchall() == [("金林区",)]
    assert con.execute(
        "SELECT district, year FROM report_sources WHERE source = ?", [guofang.source]
    ).fetchone() == (
        "金林区",
        2024,
    )
    assert (
        con.execute(
            "SELECT rule FROM consistency_flags WHERE report_id = ? AND rule = 'unknown_district'",
            [guofang.report_id],
        ).fetchall()
        == []
    )
    assert infos() == infos_before - 1  # the flag counts were recounted
    assert con.execute("SELECT max(extracted_at) FROM reports").fetchall() == extracted  # no extraction
    assert sources.apply_catalog(con, tonight) == []  # applying it again changes nothing


def test_a_warehouse_from_before_keeps_its_readings_and_sources(con, prepared):
    kewei = prepared[KEWEI]
    loader.load_reports(con, [as_load(kewei)])
    con.execute("DELETE FROM report_sources")
    for column in ("agency_printed", "district_printed", "year_printed"):
        con.execute(f"ALTER TABLE reports DROP COLUMN {column}")
    schema.ensure_schema(con)
    assert con.execute("SELECT agency_printed, year_printed FROM reports").fetchall() == [
        ("上海市科学技术委员会", 2024)
    ]
    assert con.execute("SELECT report_id, source FROM report_sources").fetchall() == [
        (kewei.report.report_id, kewei.report.source)
    ]


def test_a_known_report_at_a_new_address_is_recorded_by_tonight_s_catalog(con, prepared):
    kewei = prepared[KEWEI]
    loader.load_reports(con, [as_load(kewei)])  # last night; tonight its bytes are unchanged, not loaded
    catalog = Reading("上海市科学技术委员会", "上海市", 2024)
    tonight = [
        sources.Listed(kewei.report.source, kewei.report.sha256, catalog),
        sources.Listed("/a/mirror/kewei.md", kewei.report.sha256, catalog),
    ]
    assert sources.apply_catalog(con, tonight) == [kewei.report.report_id]  # its smallest source changed
    assert con.execute("SELECT source FROM reports").fetchall() == [("/a/mirror/kewei.md",)]
    assert con.execute("SELECT source FROM report_sources ORDER BY source").fetchall() == [
        ("/a/mirror/kewei.md",),
        (kewei.report.source,),
    ]
