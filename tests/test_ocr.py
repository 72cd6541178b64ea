"""Scanned reports read by OCR: the real hongze report rasterised and read back, the proof that keeps
a doubtful digit out of the warehouse, the seal and skew preparation, and ``--no-ocr``.

One engine is loaded for the module; the scans are made here from the bundled text PDF."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from gongkai.cli import main
from gongkai.extract import proof, scan
from gongkai.extract.lines import extract_lines
from gongkai.extract.report import extract_bytes
from gongkai.model import Extraction
from tests.expected import SEEDS
from tests.fixtures.bad import rasterize

HONGZE = SEEDS / "hongze-2023.pdf"
DPI = 150


def _values(e: Extraction) -> dict[tuple[str, str, str], str | None]:
    return {(c.table, c.row, c.column): c.raw for c in e.cells}


@pytest.fixture(scope="module")
def printed() -> Extraction:
    return extract_bytes(HONGZE.read_bytes(), "hongze-2023.pdf")


@pytest.fixture(scope="module")
def scanned_pdf() -> bytes:
    return rasterize(HONGZE.read_bytes(), scale=DPI / 72)


@pytest.fixture(scope="module")
def scanned(scanned_pdf: bytes) -> Extraction:
    return extract_bytes(scanned_pdf, "hongze-scan.pdf")


@pytest.fixture(scope="module")
def pages() -> list[scan.ScanPage]:
    """The table pages of hongze (2–4), rendered and recognised."""
    import pypdfium2 as pdfium

    from gongkai.extract.pdfscan import render

    pdf = pdfium.PdfDocument(HONGZE.read_bytes())
    try:
        return [scan.read_image(render(pdf, n, DPI), n, DPI) for n in (2, 3, 4)]
    finally:
        pdf.close()


@pytest.mark.slow
def test_hongze_scan_reads_back_every_printed_cell(printed: Extraction, scanned: Extraction) -> None:
    assert scanned.read_by == "ocr" and printed.read_by == "text"
    want, got = _values(printed), _values(scanned)
    assert set(got) == set(want)
    wrong = {k: (got[k], want[k]) for k in want if got[k] is not None and got[k] != want[k]}
    assert not wrong
    nulls = [k for k in want if got[k] is None and want[k] is not None]
    assert len(nulls) <= len(want) // 100
    for k in nulls:
        assert any(p.startswith(f"{proof.UNPROVEN}: {'.'.join(k)}:") for p in scanned.problems)
    assert scanned.agency == printed.agency and scanned.year == 2023
    # every OCR cell keeps its page, its box and its confidence
    for c in scanned.cells:
        if c.raw is not None:
            assert c.page in (2, 3, 4) and c.box is not None and c.confidence is not None
            x0, top, x1, bottom = c.box
            assert 0 <= x0 < x1 <= 595 and 0 <= top < bottom <= 842
    # its table 四 really breaks R4: the printed reading is kept and said to be the report's own
    assert got[("appeals", "admin_review", "total")] == "0"
    assert any(p.startswith("R4 broken as printed") and "not an OCR error" in p for p in scanned.problems)


def test_no_ocr_keeps_needs_ocr(scanned_pdf: bytes, tmp_path, capsys) -> None:
    assert extract_bytes(scanned_pdf, "scan.pdf", ocr=False).status == "needs_ocr"
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned_pdf)
    assert main(["parse", str(path), "--json", "--no-ocr"]) == 1  # a report without cells
    doc = json.loads(capsys.readouterr().out)
    assert doc["status"] == "needs_ocr" and not doc["cells"]


def _read(pages: list[scan.ScanPage]) -> Extraction:
    lines = [line for p in pages for line in p.lines]
    return extract_lines(lines, "scan", "0" * 64, "pdf", 2023)


@pytest.mark.slow
def test_a_misread_digit_is_corrected_only_by_the_identities(pages: list[scan.ScanPage]) -> None:
    """A digit read wrong with low confidence: re-read from its crop, kept only as the one reading
    under which R1–R4 hold."""
    reading = _read(pages)
    key = ("requests", "partially_granted", "natural_person")
    cells = [
        replace(c, raw="7", confidence=0.41) if (c.table, c.row, c.column) == key else c
        for c in reading.cells
    ]
    proven = proof.prove(replace(reading, cells=cells), {p.number: p.page for p in pages})
    assert _values(proven)[key] == "4"
    said = "requests.partially_granted.natural_person: read '7', re-read '4'"
    assert any(said in p for p in proven.problems)


@pytest.mark.slow
def test_a_doubtful_digit_no_identity_proves_is_null(pages: list[scan.ScanPage]) -> None:
    """Table 二 has no identity: a low-confidence reading that the crop does not confirm is NULL,
    with the reason, never kept."""
    reading = _read(pages)
    key = ("active_disclosure", "penalties", "decisions")
    target = next(c for c in reading.cells if (c.table, c.row, c.column) == key)
    page = next(p.page for p in pages if p.number == target.page)
    blank = replace(page, grey=page.grey.copy())
    x0, top, x1, bottom = (round(v / page.scale) for v in target.box)
    blank.grey[top:bottom, x0:x1] = 255  # the crop shows nothing now
    cells = [replace(c, raw="4179", confidence=0.6) if c is target else c for c in reading.cells]
    pages_now = {p.number: (blank if p.number == target.page else p.page) for p in pages}
    proven = proof.prove(replace(reading, cells=cells), pages_now)
    assert _values(proven)[key] is None
    assert proven.status == "partial"
    said = [
        p
        for p in proven.problems
        if p.startswith(f"{proof.UNPROVEN}: active_disclosure.penalties.decisions:")
    ]
    assert said and "confidence 0.60" in said[0]


def _page_with_text() -> np.ndarray:
    import cv2

    page = np.full((800, 600, 3), 255, np.uint8)
    for k in range(12):
        y = 80 + 50 * k
        cv2.line(page, (40, y), (560, y), (0, 0, 0), 2)
        cv2.putText(page, f"{k} 123 4567", (60, y + 35), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    return page


def test_seal_ink_is_removed_and_the_text_under_it_kept() -> None:
    import cv2

    page = _page_with_text()
    black = page[:, :, 0] < 100
    sealed = page.copy()
    cv2.circle(sealed, (300, 400), 150, (220, 30, 40), 12)
    cv2.putText(sealed, "SEAL", (220, 420), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (210, 40, 40), 6)
    red = (sealed[:, :, 0] > 150) & (sealed[:, :, 1] < 90) & ~black
    grey, found = scan.remove_seal(sealed)
    assert found
    assert (grey[red] == 255).all()  # the seal's ink is gone
    assert (grey[black] < 100).mean() > 0.95  # the black text, under the seal too, stays
    _, none = scan.remove_seal(page)
    assert not none


def test_a_grey_seals_ring_is_faded_and_the_print_under_it_kept() -> None:
    import cv2

    page = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    black = page < 100
    sealed = page.copy()
    ring = np.zeros_like(page)
    cv2.circle(ring, (300, 400), 150, 1, 12)  # a 42 mm seal at 200 dpi: 330 pixels across
    sealed[(ring > 0) & ~black] = 115  # red ink in a grey scan: mid-grey
    faded, found = scan.fade_grey_seal(sealed, 200.0)
    assert found
    assert (faded[(ring > 0) & ~black] > 200).mean() > 0.9  # the ring is gone
    assert (faded[black] < 100).mean() > 0.95  # the print, under the seal too, stays
    _, none = scan.fade_grey_seal(page, 200.0)
    assert not none
    prepared = scan.prepare(sealed, 200.0)
    assert prepared.seal and prepared.unfaded is not None  # the proof re-reads the unfaded page


@pytest.mark.parametrize("angle", [-1.8, -0.7, 1.2, 2.0])
def test_deskew_finds_the_angle_and_straightens(angle: float) -> None:
    import cv2

    grey = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    turned = scan.rotate(grey, angle)
    found = scan.skew_angle(turned)
    assert abs(found + angle) <= 0.15
    straight, _ = scan.deskew(turned)
    rows = (straight < 160).sum(axis=1)
    assert rows.max() >= 0.9 * (grey < 160).sum(axis=1).max()  # the rules are horizontal again


def test_ruling_edges_are_the_drawn_rules() -> None:
    import cv2

    grey = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    cv2.line(grey, (40, 80), (40, 630), 0, 2)
    cv2.line(grey, (560, 80), (560, 630), 0, 2)
    edges = scan.ruling_edges(grey, 72 / 200)
    horizontal = sorted(e["top"] for e in edges if e["orientation"] == "h")
    vertical = sorted(e["x0"] for e in edges if e["orientation"] == "v")
    assert len(horizontal) == 12 and len(vertical) == 2
    assert abs(horizontal[0] - 81 * 72 / 200) < 1 and abs(vertical[1] - 561 * 72 / 200) < 1


@pytest.mark.slow
def test_an_opaque_seal_over_the_rules_gives_null_never_a_wrong_value(
    printed: Extraction, pages: list[scan.ScanPage]
) -> None:
    """A seal whose red covers table 四's rules: the lost rules merge cells; the values whose column
    is no longer certain are NULL with the reason, none is put in another column."""
    import cv2
    import pypdfium2 as pdfium

    from gongkai.extract.pdfscan import render

    pdf = pdfium.PdfDocument(HONGZE.read_bytes())
    try:
        rgb = render(pdf, 4, 300).copy()
    finally:
        pdf.close()
    h, w = rgb.shape[:2]
    cv2.circle(rgb, (int(w * 0.6), int(h * 0.45)), int(w * 0.12), (215, 35, 40), 12)
    sealed = scan.read_image(rgb, 4, 300)
    assert sealed.page.seal
    reading = scan.extract_scans([*pages[:2], sealed], "scan", "0" * 64, "pdf", 2023)
    want, got = _values(printed), _values(reading)
    assert not {k: (got[k], want[k]) for k in want if got[k] is not None and got[k] != want[k]}
    for k in (k for k in want if got[k] is None and want[k] is not None):
        assert any(p.startswith(f"{proof.UNPROVEN}: {'.'.join(k)}:") for p in reading.problems)


def test_ocr_cells_keep_their_box_and_confidence_and_the_unproven_ones_are_flagged(con, seed) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import load_extraction

    key = ("active_disclosure", "penalties", "decisions")
    extraction = seed({key: None})
    extraction.cells = [
        replace(c, page=3, box=(231.3, 122.2, 516.5, 157.9), confidence=0.99)
        if (c.table, c.row, c.column) == ("active_disclosure", "licensing", "decisions")
        else c
        for c in extraction.cells
    ]
    extraction.read_by = "ocr"
    extraction.status = "partial"
    extraction.problems = [
        f"{proof.UNPROVEN}: active_disclosure.penalties.decisions: read '4179' …: left NULL"
    ]
    extraction.error = extraction.problems[0]
    load_extraction(con, extraction)
    assert con.sql("select read_by from stg_reports").fetchall() == [("ocr",)]
    box = con.sql(
        "select page, box_x0, box_top, box_x1, box_bottom, confidence from stg_cells"
        " where row_code = 'licensing'"
    ).fetchall()
    assert box == [(3, 231.3, 122.2, 516.5, 157.9, 0.99)]
    assert con.sql("select count(*) from stg_cells where confidence is null").fetchall()[0][0] > 100
    flagged = con.sql(
        "select rule, table_code, row_code, column_code, severity from consistency_flags"
        " where rule = 'ocr_unproven'"
    ).fetchall()
    assert flagged == [("ocr_unproven", "active_disclosure", "penalties", "decisions", "warning")]
