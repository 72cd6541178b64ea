"""Cell values of the real reports, written by reading each document (not by running the parser).

Each entry lists the rows that are not all zero; every other cell of the report's grid is 0, and
the rows in ``null_rows`` are printed without numbers (NULL).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from gongkai import taxonomy

SEEDS = Path(__file__).resolve().parents[1] / "data" / "samples"
SCANNED_SAMPLES = ("samples/hongze-2023-scan.pdf",)  # read by OCR: some 20 s of CPU each


def copy_samples(to: Path, scans: bool = False) -> Path:
    """``data/samples`` and ``data/catalog.csv`` copied into ``to``: the folder a night runs on. The
    scanned samples stay in the catalog only with ``scans`` (tests of other things skip their OCR)."""
    shutil.copytree(SEEDS, to / "samples")
    lines = (SEEDS.parent / "catalog.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if scans or not line.rstrip().endswith(SCANNED_SAMPLES)]
    (to / "catalog.csv").write_text("".join(kept), encoding="utf-8")
    return to / "catalog.csv"


@dataclass(frozen=True)
class Expected:
    file: str
    agency: str | None
    district: str | None
    year: int
    format: str
    other_as_one_row: bool = False
    rows: dict[tuple[str, str], tuple] = field(default_factory=dict)
    null_rows: tuple[tuple[str, str], ...] = ()

    def cells(self) -> dict[tuple[str, str, str], float | None]:
        out: dict[tuple[str, str, str], float | None] = {}
        for c in taxonomy.grid(self.format, self.other_as_one_row):
            key = (c.table, c.row)
            if key in self.null_rows:
                out[(c.table, c.row, c.column)] = None
            elif key in self.rows:
                cols = taxonomy.columns_of(c.table, c.row, self.format)
                out[(c.table, c.row, c.column)] = self.rows[key][cols.index(c.column)]
            else:
                out[(c.table, c.row, c.column)] = 0
        return out


def req(natural: float, *others_then_total: float) -> tuple:
    """A requests row: 自然人, the five 法人或其他组织 columns, 总计."""
    return (natural, *others_then_total)


SEED_REPORTS = [
    Expected(
        "000_67ee20e95a2da50e.txt",
        "金林区人民政府办公室",
        "金林区",
        2024,
        "2021",
        rows={
            ("active_disclosure", "normative_documents"): (0, 0, 7),
            ("requests", "new"): req(2, 0, 0, 0, 0, 0, 2),
            ("requests", "granted"): req(1, 0, 0, 0, 0, 0, 1),
            ("requests", "partially_granted"): req(1, 0, 0, 0, 0, 0, 1),
            ("requests", "handled_total"): req(2, 0, 0, 0, 0, 0, 2),
        },
    ),
    Expected(
        "001_20ac404ea9b9f41f.txt",
        "石龙区人民政府办公室",
        "石龙区",
        2024,
        "2021",
        rows={
            ("active_disclosure", "normative_documents"): (1, 1, 20),
            ("requests", "new"): req(9, 0, 0, 0, 0, 0, 9),
            ("requests", "granted"): req(8, 0, 0, 0, 0, 0, 8),
            ("requests", "unable_not_held"): req(1, 0, 0, 0, 0, 0, 1),
            ("requests", "handled_total"): req(9, 0, 0, 0, 0, 0, 9),
        },
    ),
    Expected(
        "002_75fd27514a3859df.txt",
        None,
        None,
        2024,
        "2021",
        rows={
            ("active_disclosure", "licensing"): (126,),
            ("requests", "new"): req(10, 0, 0, 0, 0, 0, 10),
            ("requests", "granted"): req(3, 0, 0, 0, 0, 0, 3),
            ("requests", "partially_granted"): req(2, 0, 0, 0, 0, 0, 2),
            ("requests", "denied_state_secret"): req(1, 0, 0, 0, 0, 0, 1),
            ("requests", "denied_internal_affairs"): req(2, 0, 0, 0, 0, 0, 2),
            ("requests", "unable_not_held"): req(2, 0, 0, 0, 0, 0, 2),
            ("requests", "handled_total"): req(10, 0, 0, 0, 0, 0, 10),
        },
    ),
    Expected("003_da09ef5f53b79caf.txt", "西工区金水湖街道办事处", "西工区", 2024, "2021"),
    Expected(
        "004_eff542c003e52132.txt",
        "友好区人民政府办公室",
        "友好区",
        2024,
        "2021",
        rows={
            ("active_disclosure", "normative_documents"): (4, 0, 11),
            ("requests", "new"): req(2, 0, 0, 0, 0, 0, 2),
            ("requests", "unable_needs_creation"): req(2, 0, 0, 0, 0, 0, 2),
            ("requests", "handled_total"): req(2, 0, 0, 0, 0, 0, 2),
        },
        # the text keeps the labels of 2. 逾期未按收费… and 3. 其他 but lost their numbers
        null_rows=(("requests", "other_fee_unpaid"), ("requests", "other_other")),
    ),
]

HONGZE = Expected(
    "hongze-2023.pdf",
    "洪泽区人民政府",
    "洪泽区",
    2023,
    "2021",
    other_as_one_row=True,
    rows={
        ("active_disclosure", "normative_documents"): (0, 5, 5),
        ("active_disclosure", "licensing"): (550,),
        ("active_disclosure", "penalties"): (4119,),
        ("active_disclosure", "coercive_measures"): (195,),
        ("active_disclosure", "fees"): (7730.28,),
        ("requests", "new"): req(21, 0, 0, 0, 0, 0, 21),
        ("requests", "partially_granted"): req(4, 0, 0, 0, 0, 0, 4),
        ("requests", "denied_state_secret"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "denied_process_information"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "denied_enforcement_files"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "unable_not_held"): req(10, 0, 0, 0, 0, 0, 10),
        ("requests", "unable_needs_creation"): req(3, 0, 0, 0, 0, 0, 3),
        ("requests", "not_processed_petition"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "handled_total"): req(21, 0, 0, 0, 0, 0, 21),
        # printed as is: 行政复议 总计 0 although 维持 10 and 纠正 1 (the report breaks R4)
        ("appeals", "admin_review"): (10, 1, 0, 0, 0),
        ("appeals", "litigation_after_review"): (5, 0, 0, 0, 0),
    },
)

PINGTAN_2021 = Expected(
    "pingtan-2021-crawl.txt",
    "平潭综合实验区",
    "平潭综合实验区",
    2021,
    "2021",
    rows={
        ("active_disclosure", "licensing"): (2293,),
        ("active_disclosure", "penalties"): (1282,),
        ("active_disclosure", "coercive_measures"): (42,),
        ("active_disclosure", "fees"): (24252.311082,),
        ("requests", "new"): req(64, 0, 0, 2, 0, 4, 70),
        ("requests", "granted"): req(27, 0, 0, 2, 0, 1, 30),
        ("requests", "partially_granted"): req(5, 0, 0, 0, 0, 0, 5),
        ("requests", "denied_internal_affairs"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "denied_enforcement_files"): req(6, 0, 0, 0, 0, 0, 6),
        ("requests", "denied_administrative_query"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "unable_not_held"): req(22, 0, 0, 0, 0, 3, 25),
        ("requests", "other_other"): req(1, 0, 0, 0, 0, 0, 1),
        ("requests", "handled_total"): req(63, 0, 0, 2, 0, 4, 69),
        ("requests", "carried_out"): req(1, 0, 0, 0, 0, 0, 1),
        ("appeals", "admin_review"): (1, 0, 2, 0, 3),
        ("appeals", "litigation_direct"): (12, 0, 0, 0, 12),
    },
    # 行政规范性文件693665: three counts glued together, with no identity to split them
    null_rows=(("active_disclosure", "normative_documents"),),
)
