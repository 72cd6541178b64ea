"""extract(scan(render(cells))): every cell of a scanned report is exact or NULL, never a wrong value.

Random consistent and inconsistent values in both formats, scanned at several resolutions, in grey
and colour, skewed, noisy, blurred, JPEG-compressed, with the red seal over table cells. OCR costs
seconds a page: few examples, derandomized (the same ones on every run), marked slow.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.extract.report import extract_bytes, extract_file
from gongkai.model import Extraction
from tests.fixtures.cells import Cells
from tests.fixtures.document import build_document
from tests.fixtures.render import render_pdf
from tests.fixtures.strategies import report_cells
from tests.scans.check import exact_or_null
from tests.scans.pictures import docx_document, html_page
from tests.scans.scanner import PRESETS, scan_pdf

pytestmark = pytest.mark.slow
FEW = settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def scanned(cells: Cells, fmt: str, preset: str, layout: str = "reportlab_ruled") -> Extraction:
    pdf = render_pdf(cells, fmt, layout, narrative_paragraphs=1)
    return extract_bytes(scan_pdf(pdf, PRESETS[preset]), f"scan-{preset}.pdf")


@FEW
@given(cells=report_cells("2021"), preset=st.sampled_from(sorted(PRESETS)))
def test_a_scanned_2021_report_is_exact_or_null(cells: Cells, preset: str) -> None:
    exact, _ = exact_or_null(scanned(cells, "2021", preset), cells)
    assert exact >= len(cells) // 2


@FEW
@given(cells=report_cells("2019"), preset=st.sampled_from(sorted(PRESETS)))
def test_a_scanned_2019_report_is_exact_or_null(cells: Cells, preset: str) -> None:
    exact, _ = exact_or_null(scanned(cells, "2019", preset), cells)
    assert exact >= len(cells) // 2


@settings(FEW, max_examples=2)
@given(cells=report_cells("2021", consistent=False))
def test_a_table_split_over_scanned_pages_is_one_table(cells: Cells) -> None:
    exact, _ = exact_or_null(scanned(cells, "2021", "grey_150", "split_pages"), cells)
    assert exact >= len(cells) // 2


@settings(FEW, max_examples=2)
@given(
    cells=report_cells("2021"),
    preset=st.sampled_from(["clean_300", "grey_150", "rough_120"]),
    as_docx=st.booleans(),
)
def test_tables_printed_as_pictures_are_exact_or_null(cells: Cells, preset: str, as_docx: bool) -> None:
    document = build_document(cells, "2021", "金林区人民政府办公室", 2024, narrative_paragraphs=1)
    scan = PRESETS[preset].but(dpi=min(PRESETS[preset].dpi, 150))
    if as_docx:
        extraction = extract_bytes(docx_document(document, scan), "pictures.docx")
    else:
        with tempfile.TemporaryDirectory() as folder:
            page, files = html_page(document, scan)
            for name, png in files.items():
                (Path(folder) / name).write_bytes(png)
            (Path(folder) / "page.html").write_bytes(page)
            extraction = extract_file(Path(folder) / "page.html")
    exact, _ = exact_or_null(extraction, cells)
    assert exact >= len(cells) // 2
    assert extraction.read_by == "text+ocr"  # the page's text gave the narrative, its pictures the tables
