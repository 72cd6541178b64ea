"""HTML and Word reports rendered from known cells, to check that extract(render(cells)) == cells.

``report.build_report`` lays the cells out as the national templates do; ``render_html`` draws the
report as several CMS page templates (UTF-8 or GBK); ``render_docx`` as DOCX (merged cells, automatic
numbering, a text box) and, through LibreOffice, as DOC. The cell values come from the PDF fixtures'
generator (``tests.fixtures.cells``, used read-only).
"""

from __future__ import annotations

import random

from gongkai.model import Extraction
from gongkai.transform.cells import tidy_frame
from tests.fixtures.cells import Cells, Key, build_cells

AGENCY = "金林区人民政府办公室"
YEAR = 2024
# (format, （六）其他处理 printed as one row)
SHAPES = (("2021", False), ("2021", True), ("2019", True))


def make_cells(fmt: str, one_row: bool, consistent: bool, seed: int) -> Cells:
    """Every cell of a report with values drawn from ``seed``; ``consistent`` makes R1–R4 hold."""
    return build_cells(fmt, consistent, one_row, random.Random(seed).randint)


def values(extraction: Extraction) -> dict[Key, float | None]:
    """The extracted cells as the warehouse will hold them (blanks 0, NULL None), in taxonomy order."""
    frame = tidy_frame(extraction)
    return {(r["table"], r["row"], r["column"]): r["value"] for r in frame.iter_rows(named=True)}


def raws(extraction: Extraction) -> dict[Key, str | None]:
    return {(c.table, c.row, c.column): c.raw for c in extraction.cells}


def expected(cells: Cells) -> dict[Key, float]:
    return {key: float(value) for key, value in cells.items()}
