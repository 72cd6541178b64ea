"""Issue 11: the catalog. Excel's GBK, a wrong header, a local listing, a FIFO, and names with quotes,
newlines and shell characters: each handled as data, with the reason in words."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from gongkai.fetch.catalog import CatalogError, read_catalog
from gongkai.flows import steps
from tests.expected import SEEDS
from tests.test_pipeline import SEED_001, run_plain

HOSTILE = "某局\"'; $(touch PWNED) `touch PWNED2`\n第二行"


def gongkai(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "gongkai"), *args]
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_a_catalog_saved_by_excel_in_gbk_is_read(tmp_path: Path) -> None:
    shutil.copy(SEEDS / SEED_001, tmp_path / "good.txt")
    path = tmp_path / "catalog.csv"
    path.write_bytes("agency,district,year,source\n石龙区人民政府办公室,石龙区,2024,good.txt\n".encode("gbk"))
    catalog = read_catalog(path)
    assert catalog.errors == []
    assert [(e.agency, e.district) for e in catalog.entries] == [("石龙区人民政府办公室", "石龙区")]


def test_a_wrong_header_stops_the_run_before_any_fetch_and_exits_non_zero(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("机关,区,年份,链接\n某局,某区,2024,http://127.0.0.1:9/r.html\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="header lacks agency, district, year, url"):
        read_catalog(path)
    done = gongkai("run", "--catalog", str(path), "--data-dir", str(tmp_path / "data"), cwd=tmp_path)
    assert done.returncode != 0
    assert "a catalog needs the columns agency, district, year and source (or url)" in done.stderr
    assert "found: '机关', '区', '年份', '链接'" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing fetched, no warehouse


def test_a_local_listing_a_fifo_and_hostile_names_are_report_rows_with_reasons(tmp_path: Path) -> None:
    name = "a \"quoted\" 'name'; $(touch PWNED).txt"
    shutil.copy(SEEDS / SEED_001, tmp_path / name)
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "folder").mkdir()
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["agency", "district", "year", "source", "kind"])
        out.writerow([HOSTILE, "某区", "2024", name, "report"])
        out.writerow(["某局", "某区", "2024", "pipe.txt", "report"])
        out.writerow(["某局", "某区", "2024", "folder", "report"])
        out.writerow(["某局", "某区", "2024", "listings/index.html", "listing"])
        out.writerow(["某局", "某区", "20x4", "bad.txt", "report"])
    summary = run_plain(path, tmp_path)  # the FIFO would hang a run that opened it
    assert summary.catalog_errors == [f"{path}:7: year '20x4' is not a year"]  # its line
    con = duckdb.connect(str(steps.warehouse_path(tmp_path)), read_only=True)
    rows = con.execute("SELECT source, status, error, n_cells FROM reports").fetchall()
    agencies = con.execute("SELECT DISTINCT agency FROM report_sources").fetchall()
    con.close()
    got = {Path(source).name: (status, error, n) for source, status, error, n in rows}
    assert got[name] == ("ok", None, 200)
    assert got["pipe.txt"] == (
        "failed",
        f"cannot read {tmp_path / 'pipe.txt'}: it is a named pipe (FIFO), not a report file",
        0,
    )
    assert got["folder"][1] == f"cannot read {tmp_path / 'folder'}: it is a directory, not a report file"
    assert got["index.html"] == ("failed", "a listing must be an http(s) URL, not 'listings/index.html'", 0)
    assert (HOSTILE,) in agencies
    assert not list(tmp_path.glob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))


def test_gongkai_parse_reads_a_name_with_quotes_newlines_and_shell_characters(
    tmp_path: Path,
) -> None:
    name = "报告 \"a\" 'b'; $(touch PWNED) `x`\n2024.txt"
    shutil.copy(SEEDS / SEED_001, tmp_path / name)
    done = gongkai("parse", str(tmp_path / name), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 201
    assert not list(tmp_path.glob("PWNED*"))
