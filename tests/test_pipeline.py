"""The nightly job's steps (``flows.steps``) without Prefect, on real reports: the same functions the
flow calls, in its order; bad input, flags, idempotency, and each step alone."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from gongkai.fetch import acquire
from gongkai.fetch.catalog import read_catalog
from gongkai.fetch.fetcher import FetchRequest
from gongkai.fetch.http import FetchSettings
from gongkai.flows import batches, run_report, steps, writer
from gongkai.flows.batches import StagedBatch
from gongkai.load import export, fetches
from gongkai.model import CatalogEntry, Fetched, Previous, Source
from tests.expected import SEEDS

AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
SEED_001 = "001_20ac404ea9b9f41f.txt"
BATCH = 4  # reports per extraction batch: the samples make several
SETTINGS = FetchSettings()


def run_plain(
    catalog_path: Path, data_dir: Path, settings: FetchSettings = SETTINGS
) -> run_report.RunSummary:
    """What the flow does, step by step, without Prefect: extraction batches run here, one by one."""
    db, raw_dir, exports_dir = steps.warehouse_path(data_dir), data_dir / "raw", data_dir / "exports"
    summary = run_report.new_run(AT)
    catalog = read_catalog(catalog_path)
    summary.catalog_errors = catalog.errors
    previous = fetches.previous(db)
    acquired = acquire.acquire(catalog, previous, settings, raw_dir, print)
    known = steps.extracted(db)
    todo, summary.skipped = steps.to_extract(known, acquired.sources)
    night_batches = steps.batches_dir(data_dir, AT)

    def stage(sources: list[Source], prefix: str) -> list[tuple[list[Source], StagedBatch]]:
        split = batches.split(sources, BATCH)
        return [
            (b, batches.stage_batch(b, raw_dir, AT, night_batches, f"{prefix}{i:05d}"))
            for i, b in enumerate(split)
        ]

    done = stage(todo, "a")
    fetched, night_sources = acquired.fetched, acquired.sources
    pictured = steps.pictured(done)
    if pictured:
        shown = acquire.fetch_pictures(pictured, previous, settings, raw_dir, print)
        fetched = fetched + shown.fetched
        done += stage(shown.sources, "p")
    wrapped = steps.attachments(done, previous)
    if wrapped:
        attached = acquire.fetch_attachments(wrapped, previous, settings, raw_dir, print)
        fetched, night_sources = fetched + attached.fetched, night_sources + attached.sources
        done += stage(steps.to_extract(known, attached.sources)[0], "b")
    staged = [s for _, s in done]
    summary.worker_cpu_seconds = steps.worker_cpu_seconds(staged)
    summary.failed = steps.failures(acquired, staged, wrapped)
    summary.exports = steps.export_paths(exports_dir)
    listed = steps.listed(night_sources)
    writer.load(db, staged, fetched, summary, listed=listed)  # the flags and the run recorded too
    writer.clear(night_batches)
    steps.export_districts(db, exports_dir)
    return summary


def write_catalog(path: Path, rows: list[str]) -> Path:
    path.write_text("agency,district,year,source\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_one_changed_number_raises_exactly_its_flags(tmp_path: Path) -> None:
    text = (SEEDS / SEED_001).read_text(encoding="utf-8")
    # （一）予以公开: 自然人 8 → 7. R3 breaks on that row and R2 in the 自然人 column; R1 holds.
    changed = text.replace("(一) 予以公开\t8\t0\t0\t0\t0\t0\t8", "(一) 予以公开\t7\t0\t0\t0\t0\t0\t8")
    assert changed != text
    (tmp_path / "changed.txt").write_text(changed, encoding="utf-8")
    summary = run_plain(write_catalog(tmp_path / "catalog.csv", [",石龙区,2024,changed.txt"]), tmp_path)
    assert summary.flags_by_rule == {"R2": 1, "R3": 1}
    flags = export.query(
        steps.warehouse_path(tmp_path),
        "SELECT rule, row_code, column_code, expected, printed FROM consistency_flags ORDER BY rule",
    ).rows()
    assert [(r[0], r[1], r[2], float(r[3]), float(r[4])) for r in flags] == [
        ("R2", "handled_total", "natural_person", 8.0, 9.0),
        ("R3", "granted", "total", 7.0, 8.0),
    ]


def test_bad_input_fails_one_report_with_its_reason_and_the_rest_land(tmp_path: Path) -> None:
    shutil.copy(SEEDS / SEED_001, tmp_path / "good.txt")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "notice.txt").write_text(
        "关于做好2024年防汛工作的通知\n各单位：请做好准备。\n", encoding="utf-8"
    )
    (tmp_path / "gbk.txt").write_bytes((SEEDS / SEED_001).read_text(encoding="utf-8").encode("gbk"))
    seed = (SEEDS / "000_67ee20e95a2da50e.txt").read_text(encoding="utf-8")
    cut = seed[: seed.index(" 四、因政府信息公开工作")] + seed[seed.index("五、政府信息公开工作存在") :]
    (tmp_path / "no-table-4.txt").write_text(cut, encoding="utf-8")
    catalog = write_catalog(
        tmp_path / "catalog.csv",
        [
            "石龙区人民政府办公室,石龙区,2024,good.txt",
            "某局,某区,2024,empty.txt",
            "某局,某区,2024,notice.txt",
            "石龙区人民政府办公室,石龙区,2024,gbk.txt",
            "金林区人民政府办公室,金林区,2024,no-table-4.txt",
            "某局,某区,2024,missing.txt",
            "某局,某区,20x4,bad-year.txt",
        ],
    )
    summary = run_plain(catalog, tmp_path)
    assert summary.catalog_errors == [f"{catalog}:8: year '20x4' is not a year"]
    con = duckdb.connect(str(steps.warehouse_path(tmp_path)), read_only=True)
    rows = con.execute("SELECT source, status, error, n_cells FROM reports ORDER BY source").fetchall()
    con.close()
    got = {Path(source).name: (status, error, n) for source, status, error, n in rows}
    assert got["good.txt"] == ("ok", None, 200)
    assert got["gbk.txt"] == ("ok", None, 200)
    assert got["empty.txt"] == ("failed", "empty file (0 bytes)", 0)
    assert got["notice.txt"][0] == "failed" and "no statistical tables" in got["notice.txt"][1]
    assert got["no-table-4.txt"][0] == "partial" and "table 四" in got["no-table-4.txt"][1]
    assert got["missing.txt"][0] == "failed" and "cannot read" in got["missing.txt"][1]
    assert set(summary.failed) == {str(tmp_path / n) for n in ("empty.txt", "notice.txt", "missing.txt")}


def test_rerun_changes_nothing_and_extracts_nothing(tmp_path: Path) -> None:
    for name in ("000_67ee20e95a2da50e.txt", SEED_001, "004_eff542c003e52132.txt"):
        shutil.copy(SEEDS / name, tmp_path / name)
    catalog = write_catalog(
        tmp_path / "catalog.csv",
        [",,2024,000_67ee20e95a2da50e.txt", f",,2024,{SEED_001}", ",,2024,004_eff542c003e52132.txt"],
    )
    first = run_plain(catalog, tmp_path)
    db = steps.warehouse_path(tmp_path)
    before = {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("reports", "cells")}
    second = run_plain(catalog, tmp_path)
    after = {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("reports", "cells")}
    assert len(first.loaded) == 3 and second.loaded == []
    assert len(second.skipped) == 3
    for t in before:
        assert before[t].equals(after[t], null_equal=True)


def test_a_catalog_edit_applies_at_the_next_run_without_extraction(tmp_path: Path) -> None:
    shutil.copy(SEEDS / "002_75fd27514a3859df.txt", tmp_path / "002.txt")
    shutil.copy(tmp_path / "002.txt", tmp_path / "002-copy.txt")  # the same bytes at a second address
    catalog = write_catalog(tmp_path / "catalog.csv", ["区国防动员办公室,,2024,002.txt"])
    first = run_plain(catalog, tmp_path)
    db = steps.warehouse_path(tmp_path)
    extracted_at = export.query(db, "SELECT extracted_at FROM reports").rows()
    assert "unknown_district" in first.flags_by_rule

    write_catalog(
        catalog, ["区国防动员办公室,金林区,2024,002.txt", "区国防动员办公室,金林区,2024,002-copy.txt"]
    )
    second = run_plain(catalog, tmp_path)
    assert second.loaded == [] and "unknown_district" not in second.flags_by_rule
    assert export.query(db, "SELECT extracted_at FROM reports").rows() == extracted_at
    assert export.query(db, "SELECT agency, district FROM agency_metrics").rows() == [
        ("区国防动员办公室", "金林区")
    ]
    exported = (tmp_path / "exports" / "district_summary.csv").read_text(encoding="utf-8-sig")
    assert "金林区" in exported  # the export follows the catalog too
    sources = export.query(db, "SELECT source FROM report_sources ORDER BY source")["source"].to_list()
    assert sources == [str(tmp_path / "002-copy.txt"), str(tmp_path / "002.txt")]


def test_the_warehouse_is_read_once_and_unchanged_sources_are_skipped(tmp_path: Path) -> None:
    shutil.copy(SEEDS / SEED_001, tmp_path / "001.txt")
    catalog = write_catalog(tmp_path / "catalog.csv", [",,2024,001.txt", ",,2024,missing.txt"])
    run_plain(catalog, tmp_path)
    known = steps.extracted(steps.warehouse_path(tmp_path))
    (tmp_path / "other.txt").write_bytes((SEEDS / "004_eff542c003e52132.txt").read_bytes())
    write_catalog(catalog, [",,2024,001.txt", ",,2024,missing.txt", ",,2024,other.txt"])
    sources = acquire.acquire(read_catalog(catalog), {}, FetchSettings(), tmp_path / "raw", print).sources
    todo, skipped = steps.to_extract(known, sources)
    assert [Path(s.location).name for s in todo] == ["other.txt"]
    assert skipped == sorted(str(tmp_path / n) for n in ("001.txt", "missing.txt"))  # still missing: skipped
    assert steps.extracted(tmp_path / "nothing.duckdb") == steps.Extracted()


ENTRY = CatalogEntry(2, "某局", "某区", 2024, "http://x.gov.cn/r.html")


def test_the_nights_failures_merge_listings_reports_and_fetches() -> None:
    page = Source(ENTRY, ENTRY.source, None, "a" * 64)
    attachment = CatalogEntry(2, "某局", "某区", 2024, "http://x.gov.cn/a.pdf", parent_url=ENTRY.source)
    gone = Fetched(url="http://x.gov.cn/gone.txt", outcome="failed", status=404, error="HTTP 404 Not Found")
    kept = Source(ENTRY, gone.url, None, "b" * 64, None, fetched=gone)  # an earlier version was archived
    acquired = acquire.Acquired(
        sources=[page, kept, Source(ENTRY, "/d/missing.txt", None, None, "cannot read /d/missing.txt")],
        failed_listings={"http://x.gov.cn/nb/": "listing: HTTP 503 Service Unavailable"},
    )
    staged = [
        StagedBatch(
            "a00000",
            2,
            {},
            failures={ENTRY.source: "failed: no statistical tables", "/d/missing.txt": "failed: cannot read"},
        )
    ]
    wrapped = [(attachment, FetchRequest(attachment.source, None, ENTRY.source))]
    assert steps.failures(acquired, staged, wrapped) == {
        "http://x.gov.cn/nb/": "listing: HTTP 503 Service Unavailable",
        "/d/missing.txt": "failed: cannot read",  # the worker's reason comes first
        gone.url: "fetch failed: HTTP 404 Not Found (the version archived before stays current)",
    }  # the page that only wraps its attachment is no failure
    unchanged_missing = acquire.Acquired(sources=acquired.sources[2:])
    assert steps.failures(unchanged_missing, [], []) == {
        "/d/missing.txt": "cannot read /d/missing.txt (as on the last run)"
    }


def test_the_attachments_second_pass_asks_for_each_attachment_once() -> None:
    page = Source(ENTRY, ENTRY.source, None, "a" * 64)
    other = Source(ENTRY, "http://x.gov.cn/s.html", None, "c" * 64)
    links = ["http://x.gov.cn/a.pdf", "http://x.gov.cn/a.pdf", "mailto:x@gov.cn", ENTRY.source]
    done = [
        ([other, page], StagedBatch("a00000", 2, {}, wrapped=[(1, links)])),
        ([other], StagedBatch("a00001", 1, {}, wrapped=[(0, ["http://x.gov.cn/a.pdf"])])),
    ]
    previous = {"http://x.gov.cn/a.pdf": Previous(etag='"e"', sha256="d" * 64)}
    ((entry, request),) = steps.attachments(done, previous)
    assert (entry.source, entry.parent_url, entry.kind, entry.year) == (
        "http://x.gov.cn/a.pdf",
        ENTRY.source,
        "report",
        2024,
    )
    assert request == FetchRequest("http://x.gov.cn/a.pdf", previous["http://x.gov.cn/a.pdf"], ENTRY.source)


def test_worker_cpu_is_summed_over_the_batches_and_stages_are_timed() -> None:
    staged = [
        StagedBatch("a", 1, {}, cpu_seconds={"extract": 0.5, "transform": 0.25}),
        StagedBatch("b", 1, {}, cpu_seconds={"extract": 1.0, "transform": 0.125}),
    ]
    assert steps.worker_cpu_seconds(staged) == {"extract": 1.5, "transform": 0.375}
    seconds: dict[str, float] = {}
    laps = steps.Laps(seconds)
    laps.lap("fetch")
    laps.lap("fetch")
    laps.lap("load_views")
    assert list(seconds) == ["fetch", "load_views"] and all(v >= 0 for v in seconds.values())
