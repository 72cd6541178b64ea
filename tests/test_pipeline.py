"""The nightly job's plain functions on real reports, with no Prefect: bad input, flags, idempotency."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from gongkai import pipeline
from gongkai.catalog import read_catalog
from gongkai.load import export
from tests.expected import SEEDS

AT = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
SEED_001 = "001_20ac404ea9b9f41f.txt"


def run_plain(catalog_path: Path, data_dir: Path) -> pipeline.RunSummary:
    """What the flow does, step by step, without Prefect."""
    db = pipeline.warehouse_path(data_dir)
    summary = pipeline.new_run(AT)
    catalog = read_catalog(catalog_path)
    summary.catalog_errors = catalog.errors
    sources = [pipeline.read_source(catalog, e) for e in catalog.entries]
    current = pipeline.unchanged(db, sources)
    prepared = [
        pipeline.prepare(pipeline.extract_source(s), s.entry, AT)
        for s in sources
        if s.location not in current
    ]
    summary.skipped = sorted(current)
    summary.failed = pipeline.failures([p.report for p in prepared])
    pipeline.load(db, prepared, summary=summary)  # and the loaded ids, the flags and the run recorded
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
        pipeline.warehouse_path(tmp_path),
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
    con = duckdb.connect(str(pipeline.warehouse_path(tmp_path)), read_only=True)
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
    db = pipeline.warehouse_path(tmp_path)
    before = {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("reports", "cells")}
    second = run_plain(catalog, tmp_path)
    after = {t: export.query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("reports", "cells")}
    assert len(first.loaded) == 3 and second.loaded == []
    assert len(second.skipped) == 3
    for t in before:
        assert before[t].equals(after[t], null_equal=True)
