"""A cell's evidence: the page region of a PDF with the cell marked, the HTML table rebuilt safely."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pypdfium2 as pdfium
import pytest
from PIL import Image

from gongkai.flows import steps
from gongkai.load import evidence, files
from tests.expected import SEEDS
from tests.test_pipeline import run_plain, write_catalog

HTML = Path(__file__).parent / "data" / "html" / "ueditor_2021.html"


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """The sample PDF and a web page (with a <script> in its table) loaded by one plain night."""
    data = tmp_path_factory.mktemp("evidence")
    shutil.copy(SEEDS / "hongze-2023.pdf", data / "hongze-2023.pdf")
    page = HTML.read_text(encoding="utf-8").replace(
        "（一）予以公开", "（一）予以公开<script>alert(1)</script>", 1
    )
    (data / "page.html").write_text(page, encoding="utf-8")
    run_plain(write_catalog(data / "catalog.csv", [",,2023,hongze-2023.pdf", ",,2021,page.html"]), data)
    con = files.connect(steps.warehouse_path(data), read_only=True)
    yield data, con
    con.close()


def cell(con: duckdb.DuckDBPyConnection, file_type: str, *key: str) -> evidence.Evidence:
    (report_id,) = con.execute("SELECT report_id FROM reports WHERE file_type = ?", [file_type]).fetchall()[0]
    found = evidence.cell_evidence(con, report_id, *key)
    assert found is not None
    return found


def test_a_pdf_cell_is_shown_in_its_page_region(night: tuple[Path, duckdb.DuckDBPyConnection]) -> None:
    data, con = night
    ev = cell(con, "pdf", "requests", "new", "natural_person")
    assert (ev.raw, ev.page, ev.row_label_zh) == ("21", 3, "一、本年新收政府信息公开申请数量")
    assert ev.box is None and ev.confidence is None  # no OCR columns in this warehouse
    assert evidence.original_file(ev, data) == data / "hongze-2023.pdf"
    png = evidence.page_image(ev, data)
    assert png.parent == data / "evidence" / ev.sha256[:2]
    assert png.name.startswith(f"{ev.sha256}-requests-new-natural_person-") and png.suffix == ".png"
    first = png.read_bytes()
    with Image.open(png) as image:
        width, height = image.size
        marked = sum(1 for pixel in image.get_flattened_data() if pixel == evidence.MARK)
    assert width == evidence.MAX_WIDTH_PX and height < 300  # the band around the row, not the page
    assert marked > 100
    png.unlink()
    assert evidence.page_image(ev, data).read_bytes() == first  # deterministic


def test_an_html_cell_is_shown_in_its_table_rebuilt_from_text(
    night: tuple[Path, duckdb.DuckDBPyConnection],
) -> None:
    data, con = night
    ev = cell(con, "html", "requests", "granted", "total")
    snippet = evidence.html_snippet(ev, data)
    assert snippet is not None and snippet.startswith('<table class="gk-evidence">')
    assert "<script" not in snippet and "&lt;script&gt;" not in snippet  # scripts are not text
    marked = snippet.split('class="gk-cell">', 1)[1].split("<", 1)[0]
    assert marked == ev.raw
    assert evidence.page_image(ev, data) is None


def test_an_ocr_box_is_used_when_the_cells_table_has_one(
    night: tuple[Path, duckdb.DuckDBPyConnection], tmp_path: Path
) -> None:
    data, _ = night
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(steps.warehouse_path(data), copy)
    writable = files.connect(copy)
    key = ("requests", "new", "natural_person")
    writable.execute(
        "UPDATE cells SET box_x0 = 300, box_top = 100, box_x1 = 340, box_bottom = 120, confidence = 0.93"
        " WHERE table_code = ? AND row_code = ? AND column_code = ?",
        list(key),
    )
    ev = cell(writable, "pdf", *key)
    writable.close()
    assert (ev.box, ev.confidence) == ((300.0, 100.0, 340.0, 120.0), 0.93)
    with Image.open(evidence.page_image(ev, data)) as image:
        marked = [i for i, pixel in enumerate(image.get_flattened_data()) if pixel == evidence.MARK]
        width, height = image.size
    assert height < 300 and marked
    pdf = pdfium.PdfDocument(str(data / "hongze-2023.pdf"))
    scale = width / pdf[ev.page - 1].get_size()[0]
    pdf.close()
    assert abs(min(i % width for i in marked) - (300 - 3) * scale) < 4  # the box's left edge
