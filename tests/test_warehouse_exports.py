"""Exports for Excel and for analysts' tools: CSV with BOM and no live formulas, Parquet by year."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from gongkai.cli import main
from gongkai.flows import steps
from gongkai.load import export
from tests.expected import SEEDS
from tests.test_pipeline import run_plain, write_catalog

HOSTILE_AGENCY = '=HYPERLINK("http://x","点击")'
QUOTED_AGENCY = '"' + HOSTILE_AGENCY.replace('"', '""') + '"'


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three seeds and the hongze PDF; seed 002 (no agency in its text) named by the catalog: a formula."""
    folder = tmp_path_factory.mktemp("exports")
    for name in ("001_20ac404ea9b9f41f.txt", "002_75fd27514a3859df.txt", "004_eff542c003e52132.txt"):
        shutil.copy(SEEDS / name, folder / name)
    shutil.copy(SEEDS / "hongze-2023.pdf", folder / "hongze.pdf")
    rows = [
        ",,2024,001_20ac404ea9b9f41f.txt",
        f"{QUOTED_AGENCY},+区,2024,002_75fd27514a3859df.txt",
        ",,2024,004_eff542c003e52132.txt",
        ",,2023,hongze.pdf",
    ]
    run_plain(write_catalog(folder / "catalog.csv", rows), folder)
    return steps.warehouse_path(folder)


def test_district_csv_has_a_bom_no_live_formula_and_reads_back(db: Path, tmp_path: Path) -> None:
    out = export.export_district_summary(db, tmp_path / "districts.csv")
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pl.read_csv(out)
    assert frame["district"].to_list() == ["洪泽区", "'+区", "友好区", "石龙区"]
    expected = export.query(db, "SELECT * FROM district_summary ORDER BY year, district")
    assert frame.columns == expected.columns
    assert frame["received"].to_list() == [int(v) for v in expected["received"]]
    assert b".000000" not in data  # plain numbers, as printed
    again = export.export_district_summary(db, tmp_path / "again.csv")
    assert again.read_bytes() == data


def test_cells_csv_neutralises_text_but_not_numbers(db: Path, tmp_path: Path) -> None:
    out = export.write_csv(db, export.EXPORTS["cells"], tmp_path / "cells.csv")
    frame = pl.read_csv(out, infer_schema_length=0)
    assert frame.columns[:9] == [
        *("report_id", "agency", "district", "year", "format"),
        *("table", "row", "column", "value"),
    ]
    assert frame.height == export.query(db, "SELECT count(*) AS n FROM stg_cells")["n"][0]
    hostile = frame.filter(pl.col("agency").str.contains("HYPERLINK"))
    assert set(hostile["agency"]) == {"'" + HOSTILE_AGENCY}
    text_columns = ("agency", "district", "raw", "annotation", "row_label_zh", "column_label_zh")
    for column in text_columns:
        assert not frame[column].drop_nulls().str.contains(r"^[=+\-@]").any(), column
    assert (
        frame.filter(pl.col("value").is_null()).height
        == export.query(db, "SELECT count(*) AS n FROM stg_cells WHERE value IS NULL")["n"][0]
    )


def test_frames_for_spreadsheets_neutralise_text_but_not_numbers() -> None:
    frame = pl.DataFrame(
        {"t": ["=1+1", "+区", "-3", "@x", "\tx", "区", "", None], "n": [-3, 1, 2, 3, 4, 5, 6, None]},
        schema={"t": pl.String, "n": pl.Decimal(18, 6)},
    )
    assert export.for_spreadsheet(frame).rows() == [
        ("'=1+1", "-3"),
        ("'+区", "1"),
        ("'-3", "2"),
        ("'@x", "3"),
        ("'\tx", "4"),
        ("区", "5"),
        ("", "6"),
        (None, None),
    ]


def test_parquet_is_partitioned_by_year_and_reads_back_in_polars(db: Path, tmp_path: Path) -> None:
    out = export.write_parquet(db, export.EXPORTS["districts"], tmp_path / "districts")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.parquet")) == [
        "year=2023/data.parquet",
        "year=2024/data.parquet",
    ]
    frame = pl.read_parquet(out, hive_partitioning=True).sort("year", "district")
    expected = export.query(db, "SELECT * FROM district_summary").sort("year", "district")
    assert sorted(frame.columns) == sorted(expected.columns)
    assert frame.select(expected.columns).equals(expected.cast(frame.select(expected.columns).schema))
    first = {p.name: p.read_bytes() for p in out.rglob("*.parquet")}
    export.write_parquet(db, export.EXPORTS["districts"], out)  # replaces the folder, byte for byte
    assert {p.name: p.read_bytes() for p in out.rglob("*.parquet")} == first


def test_unknown_year_goes_to_the_hive_null_partition(con, seed, load, tmp_path: Path) -> None:
    load(con, seed(year=None))
    con.close()
    out = export.write_parquet(tmp_path / "warehouse.duckdb", export.EXPORTS["cells"], tmp_path / "cells")
    assert [p.name for p in out.iterdir()] == ["year=__HIVE_DEFAULT_PARTITION__"]
    frame = pl.read_parquet(out, hive_partitioning=True)
    assert frame.height == 200 and frame["year"].null_count() == 200


def test_export_commands(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path, parquet_dir = tmp_path / "c.csv", tmp_path / "c"
    args = ["export", "cells", "--year", "2023", "-o", str(csv_path), "--parquet", str(parquet_dir)]
    assert main([*args, "--db", str(db)]) == 0
    assert pl.read_csv(csv_path)["agency"].unique().to_list() == ["洪泽区人民政府"]
    assert [p.name for p in parquet_dir.iterdir()] == ["year=2023"]
    assert main(["export", "districts", "--parquet", str(tmp_path / "d"), "--db", str(db)]) == 0
    assert main(["export", "districts", "--db", str(db)]) == 2
    assert "-o FILE.csv and/or --parquet" in capsys.readouterr().err
