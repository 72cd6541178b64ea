"""The ``gongkai`` command as an analyst uses it: parse, sql, flags, export."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from gongkai import taxonomy
from gongkai.cli import main
from tests.expected import SEEDS
from tests.test_pipeline import run_plain, write_catalog

SEED_004 = SEEDS / "004_eff542c003e52132.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_csv_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", str(SEED_004), "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["table", "row", "column", "value"]
    grid = [(c.table, c.row, c.column) for c in taxonomy.grid("2021", other_as_one_row=False)]
    assert [tuple(r[:3]) for r in rows[1:]] == grid
    empty = [r for r in rows[1:] if r[3] == ""]
    assert {r[1] for r in empty} == {"other_fee_unpaid", "other_other"} and len(empty) == 14
    assert ["active_disclosure", "normative_documents", "in_force", "11"] in rows


def test_parse_json_has_metadata_cells_and_problems(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "parse", str(SEED_004), "--json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["agency"], doc["district"], doc["year"], doc["format"]) == (
        "友好区人民政府办公室",
        "友好区",
        2024,
        "2021",
    )
    assert len(doc["cells"]) == 200
    first = doc["cells"][0]
    assert set(first) >= {"table", "row", "column", "value", "raw", "page"}
    null = next(c for c in doc["cells"] if c["row"] == "other_other")
    assert null["value"] is None and null["raw"] is None
    assert any("other_other" in p for p in doc["problems"])


def test_parse_pdf_cells_carry_their_page(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "parse", str(SEEDS / "hongze-2023.pdf"), "--json")
    cells = json.loads(out)["cells"]
    assert {c["page"] for c in cells} == {2, 3, 4}


def test_parse_of_a_bad_file_says_why(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "parse", str(empty), "--csv")
    assert code == 1
    assert out == "table,row,column,value\n"
    assert "empty file (0 bytes)" in err


def test_sql_flags_and_export_on_a_warehouse(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(SEEDS / "hongze-2023.pdf", tmp_path / "hongze.pdf")
    shutil.copy(SEEDS / "001_20ac404ea9b9f41f.txt", tmp_path / "001.txt")
    run_plain(write_catalog(tmp_path / "catalog.csv", [",,2023,hongze.pdf", ",,2024,001.txt"]), tmp_path)
    db = str(tmp_path / "warehouse.duckdb")

    code, out, _ = run(
        capsys, "sql", "SELECT district, received FROM agency_metrics ORDER BY 1", "--csv", "--db", db
    )
    assert code == 0 and out == "\ufeffdistrict,received\n洪泽区,21\n石龙区,9\n"  # a BOM for Excel

    code, out, err = run(capsys, "sql", "DELETE FROM reports", "--db", db)
    assert code == 2 and "read-only" in err

    code, out, _ = run(capsys, "flags", "--year", "2023", "--csv", "--db", db)
    assert out.startswith("\ufeff")
    flags = pl.read_csv(io.StringIO(out.removeprefix("\ufeff")))
    assert flags["rule"].to_list() == ["R4", "R4"]
    assert set(flags["row_code"]) == {"admin_review", "litigation_after_review"}

    target = tmp_path / "out" / "districts.csv"
    code, _, _ = run(capsys, "export", "districts", "--year", "2024", "-o", str(target), "--db", db)
    assert code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert pl.read_csv(target)["district"].to_list() == ["石龙区"]


def test_sql_reads_the_warehouse_and_nothing_else(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(SEEDS / "001_20ac404ea9b9f41f.txt", tmp_path / "001.txt")
    run_plain(write_catalog(tmp_path / "catalog.csv", [",,2024,001.txt"]), tmp_path)
    db = tmp_path / "warehouse.duckdb"
    before = db.read_bytes()
    attempts = {
        f"COPY (SELECT 1) TO '{db}'": "disabled by configuration",
        "SELECT * FROM read_csv('/etc/passwd')": "disabled by configuration",
        f"ATTACH '{tmp_path / 'other.duckdb'}' AS other": "disabled by configuration",
        "SET enable_external_access = true": "configuration has been locked",
        "INSTALL httpfs": "disabled by configuration",
        "CREATE TABLE t (a INTEGER)": "read-only",
    }
    for sql, why in attempts.items():
        code, out, err = run(capsys, "sql", sql, "--db", str(db))
        assert (code, out) == (2, ""), sql
        assert why in err and "Traceback" not in err, (sql, err)
    assert db.read_bytes() == before
    assert not (tmp_path / "other.duckdb").exists()


def test_sql_stops_a_query_that_runs_too_long(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(SEEDS / "001_20ac404ea9b9f41f.txt", tmp_path / "001.txt")
    run_plain(write_catalog(tmp_path / "catalog.csv", [",,2024,001.txt"]), tmp_path)
    endless = "SELECT count(*) FROM range(1000000000000) a, range(1000) b"
    code, _, err = run(capsys, "sql", endless, "--timeout", "0.5", "--db", str(tmp_path / "warehouse.duckdb"))
    assert code == 2 and "ran longer than 0.5 s" in err


def test_csv_on_standard_output_is_for_excel(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copy(SEEDS / "001_20ac404ea9b9f41f.txt", tmp_path / "001.txt")
    run_plain(write_catalog(tmp_path / "catalog.csv", [",,2024,001.txt"]), tmp_path)
    sql = "SELECT '=HYPERLINK(\"x\")' AS agency, '-区' AS d, CAST(-3 AS DECIMAL(18, 6)) AS n, '区' AS plain"
    code, out, _ = run(capsys, "sql", sql, "--csv", "--db", str(tmp_path / "warehouse.duckdb"))
    assert code == 0
    assert out == '\ufeffagency,d,n,plain\n"\'=HYPERLINK(""x"")",\'-区,-3,区\n'


def test_the_command_is_installed() -> None:
    command = Path(sys.executable).parent / "gongkai"
    done = subprocess.run([str(command), "--help"], capture_output=True, text=True, check=True)
    for command in ("parse", "run", "sql", "flags", "export"):
        assert command in done.stdout


def test_run_takes_its_retry_delays_from_the_command_line() -> None:
    """``gongkai run --retry-delays``: as many retries as delays, each delay as given; none is refused
    below 0 or above an hour; without the option the fetch keeps its defaults."""
    from gongkai.cli import _fetch_settings

    assert _fetch_settings(None) is None
    quick = _fetch_settings("0.2,0.5,1")
    assert quick is not None and (quick.retries, quick.retry_delay_seconds) == (3, (0.2, 0.5, 1.0))
    never = _fetch_settings("")
    assert never is not None and never.retries == 0
    with pytest.raises(ValueError, match="0-3600 seconds"):
        _fetch_settings("2,-1")
