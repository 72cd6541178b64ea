"""Scanned reports read by OCR: the real hongze report rasterised and read back, the proof that keeps
a doubtful digit out of the warehouse, the seal and skew preparation, and ``--no-ocr``.

One engine is loaded for the module; the scans are made here from the bundled text PDF."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pytest

from gongkai.cli import main
from gongkai.extract import layout, proof, scan
from gongkai.extract.lines import extract_lines
from gongkai.extract.report import extract_bytes
from gongkai.model import Extraction
from tests.expected import SEEDS
from tests.fixtures.bad import rasterize

if TYPE_CHECKING:
    from tests.scans.scanner import Scan

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


def test_recognition_keeps_to_the_time_limit_the_report_is_given(
    scanned_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's own time limit (``gongkai parse --time-limit``, sent to the reader by its guard)
    bounds the recognition, not the environment's: with none of it left, no page is recognised, and
    the problems say why."""
    monkeypatch.setenv("GONGKAI_TIME_LIMIT", "600")
    reading = extract_bytes(scanned_pdf, "hongze-scan.pdf", seconds=0.001)
    assert reading.status == "failed"
    stop = "page 1 and after not recognised: the report's time limit for recognition reached"
    assert stop in reading.problems


def test_looking_for_the_table_pages_keeps_to_the_time_limit(scanned_pdf: bytes) -> None:
    """A 50-page scan (hongze ten times over) with 0.1 s left: each page's cheap look for a table's rules
    costs a rendering (some 20 ms), so only the first few pages are looked at before the limit, and the
    pages named as pictures without rules are among them. Before, every page was looked at whatever
    the time."""
    import functools
    import io

    import pypdfium2 as pdfium

    from gongkai.extract import pdfscan

    once = pdfium.PdfDocument(scanned_pdf)
    many = pdfium.PdfDocument.new()
    for _ in range(10):
        many.import_pages(once)
    buffer = io.BytesIO()
    many.save(buffer)
    pages = list(range(1, len(many) + 1))
    read = functools.partial(extract_lines, source="many.pdf", sha256="", file_type="pdf")
    reading = pdfscan.read_scanned(buffer.getvalue(), pages, {}, read, time.monotonic() + 0.1)
    named = [p for p in reading.problems if "are pictures without a table's rules" in p]
    looked_at = [int(n) for p in named for n in p.split(" are ")[0].removeprefix("page(s) ").split(", ")]
    assert looked_at and all(n <= len(pages) // 2 for n in looked_at), named
    assert any("the report's time limit for recognition reached" in p for p in reading.problems)


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


def test_grey_seals_are_faded_and_the_print_and_rules_under_them_kept() -> None:
    """Two overlapping 42 mm seals (ring and words, mid-grey as red ink scans in grey) over text and
    rules: each is found by its ring, and everything of them away from print turns white."""
    import cv2

    page = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    cv2.line(page, (300, 60), (300, 700), 0, 2)  # a vertical rule through both seals
    black = page < 100
    sealed = page.copy()
    seal = np.zeros_like(page)
    for centre in ((300, 330), (330, 520)):  # 190 pixels apart: the seals overlap
        cv2.circle(seal, centre, 150, 1, 12)  # a 42 mm seal at 200 dpi: 330 pixels across
        cv2.putText(seal, "GONGZHANG", (centre[0] - 110, centre[1] - 70), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 1, 2)
    sealed[(seal > 0) & ~black] = 115  # red ink in a grey scan: mid-grey
    faded, found, kept = scan.fade_grey_seal(sealed, 200.0)
    assert found and kept  # the print is darker than the seals: told apart, and none of it faded
    assert len(scan.seal_rings(((sealed == 115).astype(np.uint8)), 200 / 25.4)) == 2
    away = (seal > 0) & ~cv2.dilate(black.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert (faded[away] > 200).mean() > 0.97  # rings and words gone where no print is near
    assert (faded[black] < 100).mean() > 0.95  # the print and the rules, under the seals too, stay
    assert (faded[60:700, 299:301] < 100).all()  # the rule through both seals is whole
    _, none, _ = scan.fade_grey_seal(page, 200.0)
    assert not none
    prepared = scan.prepare(sealed, 200.0)
    assert prepared.seal and prepared.unfaded is not None  # the proof re-reads the unfaded page


def test_a_seal_as_dark_as_blurred_print_loses_only_its_ring() -> None:
    """A rough low-resolution scan: the print is blurred to the seal's own grey, so fading the seal's
    grey would take the print too. Only the ring goes (found by its geometry); the print stays whole,
    the seal's words too (nothing tells them from print)."""
    import cv2

    page = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    printed = page < 100
    page[printed] = 105  # print as grey as a seal's red in a grey scan
    ring, words = np.zeros_like(page), np.zeros_like(page)
    cv2.circle(ring, (300, 400), 150, 1, 12)
    cv2.putText(words, "GONGZHANG", (190, 330), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 1, 2)
    sealed = page.copy()
    sealed[((ring | words) > 0) & ~printed] = 115
    faded, found, kept = scan.fade_grey_seal(sealed, 200.0)
    assert found and not kept  # the ring's stroke went with whatever print was in it
    near_print = cv2.dilate(printed.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    assert (faded[(ring > 0) & ~near_print] > 200).mean() > 0.97  # the ring is gone
    band = np.zeros_like(page)  # the band the ring is looked for in, and a stroke either side
    cv2.circle(band, (300, 400), 150, 1, round(scan.SEAL_BAND_MM * 200 / 25.4) + 10)
    assert (faded[printed & ~(band > 0)] == 105).all()  # the print off the ring's band is as it was
    assert (faded[(words > 0) & ~printed & ~(ring > 0)] == 115).all()  # the words stay


def test_a_rings_fading_keeps_the_print_it_crosses_and_takes_its_blurred_edges() -> None:
    """Where print crosses a seal's ring, the scan multiplies their greys: darker than either, it is
    print and stays, though print off the ring is no darker than the ring. The ring's blurred edges,
    lighter than its stroke, go with it: left beside the faded band, they were read as a 1 beside a 0."""
    import cv2

    page = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    page[page < 100] = 105  # print as grey as a seal's red in a grey scan
    ring, edges = np.zeros_like(page), np.zeros_like(page)
    cv2.circle(edges, (300, 400), 150, 1, 14)  # a pixel either side
    cv2.circle(ring, (300, 400), 150, 1, 12)
    crossing = np.zeros_like(page)
    crossing[530:560, 296:302] = 1  # a digit's stroke across the ring's bottom
    sealed = page.copy()
    sealed[(edges > 0) & (ring == 0)] = 190
    sealed[ring > 0] = 115
    sealed[crossing > 0] = 105 * 115 // 255  # print under the ring
    faded, found, kept = scan.fade_grey_seal(sealed, 200.0)
    assert found and not kept
    on_ring = (crossing > 0) & (ring > 0)
    assert (faded[on_ring] == sealed[on_ring]).all()  # the print the ring crosses stays
    away = np.ones_like(page)
    cv2.rectangle(away, (280, 100), (320, 700), 0, -1)  # not beside the crossing, nor the rules
    for y in range(80, 700, 50):
        away[y - 6 : y + 8, :] = 0
    assert (faded[(edges > 0) & (away > 0)] == 255).mean() > 0.999  # the ring and its edges are gone


def test_a_seals_faint_words_below_a_tall_cells_number_are_not_read_with_it() -> None:
    """A tall cell (its label wraps over three lines) holds its 0 on its first line; a grey seal's
    words, which a blurred scan's fading leaves, run through its bottom. Read with them, the 0 was 7.
    or TUK; a number is printed on one line, and a line of ink much fainter than it is none."""
    import cv2
    from PIL import Image, ImageDraw

    from gongkai.extract import ocr
    from tests.scans.seal import _font

    image = Image.new("L", (64, 120), 240)  # a tall cell's inside at 200 dpi
    draw = ImageDraw.Draw(image)
    draw.text((22, 4), "0", font=_font(26), fill=60)
    draw.text((0, 62), "政府", font=_font(34), fill=130)  # the seal's words, as grey as its ink
    crop = cv2.GaussianBlur(np.asarray(image), (0, 0), 0.8)
    mm = 200 / 25.4
    assert [r.text for r in ocr.read_crops(proof._variants(crop, mm))] == ["0", "0"]


def test_a_confident_reading_with_more_than_a_number_in_it_is_not_that_number() -> None:
    """The page's recognition reads 2t with confidence where a seal's ring took the 1 of a 21: the
    number it leads with is no reading of the cell, however sure. It is doubtful, its crop (which
    shows a 2) cannot confirm it, and with no identity to prove it, it is NULL, not 2."""
    from PIL import Image, ImageDraw

    from gongkai.model import RawCell
    from tests.scans.seal import _font

    image = Image.new("L", (400, 200), 245)
    ImageDraw.Draw(image).text((180, 80), "2", font=_font(30), fill=30)
    page = scan.Page(1, np.asarray(image), 200.0)
    box = tuple(v * page.scale for v in (140, 60, 260, 140))
    cell = RawCell("requests", "granted", "natural_person", "2t", 1, box=box, confidence=0.99)  # type: ignore[arg-type]
    read = proof.prove(Extraction("x.pdf", "0" * 64, "pdf", "ok", cells=[cell], format="2021"), {1: page})
    assert [c.raw for c in read.cells] == [None]
    assert any(
        p.startswith("ocr_unproven: requests.granted.natural_person: read '2t': more than a number")
        for p in read.problems
    )


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


def test_a_rule_a_seal_cut_short_of_the_tables_border_reaches_it() -> None:
    """Table 四's last column under a red seal (report 0, LibreOffice, colour 120 dpi, seed 21): the
    rules above and below its values stopped 16 pt short of the table's right border (one of them in
    two pieces), so its 总计 cell had no corners and its 0 stood outside the table. A flat rule, long
    or with an end at a column's rule, that ends short of a column's rule, and at none, reaches it; one
    that ends at a column's rule, or far from any, stays as drawn, and so does a short loose piece (a
    seal's ring is flat at its top)."""
    import cv2

    grey = np.full((330, 700), 240, np.uint8)  # 200 dpi
    for x in (100, 400, 600):
        cv2.line(grey, (x, 50), (x, 300), 0, 2)
    cv2.line(grey, (100, 50), (600, 50), 0, 2)  # whole
    cv2.line(grey, (100, 150), (560, 150), 0, 2)  # cut 40 pixels (14 pt) short of the border
    cv2.line(grey, (100, 200), (300, 200), 0, 2)  # ends 100 pixels (36 pt) short: a cell's own rule
    cv2.line(grey, (100, 250), (400, 250), 0, 2)  # ends at a rule: a merged cell's
    cv2.line(grey, (100, 275), (430, 275), 0, 2)  # in two pieces 17 pixels (6 pt) apart, cut short
    cv2.line(grey, (447, 275), (560, 275), 0, 2)
    cv2.line(grey, (505, 100), (580, 100), 0, 2)  # a seal's ring, flat for 27 pt near the border
    cv2.line(grey, (440, 225), (600, 225), 0, 2)  # 58 pt from the border, cut 40 pixels short of a column
    scale = 72 / 200
    ends = {
        round(e["top"] / scale / 5) * 5: (e["x0"] / scale, e["x1"] / scale)  # to the nearest 5 pixels
        for e in scan.ruling_edges(grey, scale)
        if e["orientation"] == "h"
    }
    found = {50: 600, 100: 580, 150: 600, 200: 300, 225: 600, 250: 400, 275: 600}
    assert ends.keys() == found.keys()
    assert all(abs(ends[y][1] - x) <= 3 for y, x in found.items()), ends
    assert abs(ends[225][0] - 400) <= 3 and abs(ends[100][0] - 505) <= 3, ends


def test_a_rule_a_seals_star_touches_is_found_where_it_runs() -> None:
    """A grey seal's star touching a column rule joins it into one blob of ink: the rule is placed
    where its ink runs, not in the middle of the blob (which moved it into the next cell's digits). A
    star on its own is no rule, though its solid middle holds long runs of ink both ways."""
    import cv2

    grey = cv2.cvtColor(_page_with_text(), cv2.COLOR_RGB2GRAY)
    before = scan.ruling_edges(grey, 72 / 200)
    cv2.line(grey, (300, 80), (300, 630), 0, 2)
    star = np.array([(300, 330), (330, 360), (360, 330), (340, 375), (355, 420), (300, 390)], np.int32)
    for dx in (0, 200):
        cv2.fillPoly(grey, [star + np.array([dx, 0], np.int32)], 90)
    edges = scan.ruling_edges(grey, 72 / 200)
    vertical = [e["x0"] for e in edges if e["orientation"] == "v"]
    assert len(vertical) == 1 and abs(vertical[0] - 301 * 72 / 200) < 0.5
    assert len(edges) == len(before) + 1


def test_a_short_misreading_right_of_a_value_is_an_empty_cell_the_proof_reads_again() -> None:
    """A 0 that a seal's ring cut, read as ``(``, and a seal's word read in a cell: right of the row's
    first value, each is an empty cell (which the proof finds ink in and reads again), so the row
    keeps seven cells in their columns. Labels before the values stay."""
    empty = layout.EMPTY_FIELD
    row = ["四、结转下年度继续办理", "2797", "22", "", "0", "(", "有", "2826"]
    assert layout._misread_as_empty(row) == [row[0], "2797", "22", "", "0", empty, empty, "2826"]
    labelled = ["（三）不予公开", "1.属于国家秘密", "1", "0", "不予公开的理由说明"]
    assert layout._misread_as_empty(labelled) == labelled


def test_a_value_cell_a_lost_rule_merged_is_cut_again_into_its_columns() -> None:
    """Table 四's value row as a rough scan gave it: a seal's ring faded over two rules, so two cells
    each span two columns and hold ``0 0``. Each is cut again (along the table's edge inside it, else
    in the middle) and each digit goes back to its column; a lone digit leaves the other column
    empty (the proof reads it again). A character astride the cut leaves the cell whole."""

    def char(text: str, x: float) -> layout.Obj:
        return {"text": text, "x0": x - 3, "x1": x + 3, "top": 10, "bottom": 20, "confidence": 0.9}

    def part(x0: float, x1: float, *chars: layout.Obj) -> layout._Part:
        return layout._Part(" ".join(c["text"] for c in chars), (x0, 8.0, x1, 22.0), list(chars))

    row = [part(0, 30, char("18", 15)), part(30, 60, char("24", 45)), part(60, 90, char("0", 75))]
    row += [part(90, 150, char("0", 105), char("0", 135)), part(150, 210, char("3", 165))]
    row += [part(210, 270, char("7", 240))]
    cut = layout._split_wide(row, [0, 30, 60, 90, 150, 180, 210, 270])
    assert [p.text for p in cut] == ["18", "24", "0", "0", "0", "3", "", "7"]
    assert [p.box[0] for p in cut] == [0, 30, 60, 90, 120, 150, 180, 210]
    # a ring-cut 0 read as "o" beside a 0: cut again too, the "o" left to be read again in its column
    row[3] = part(90, 150, char("o", 105), char("0", 135))
    cut = layout._split_wide(row, [0, 30, 60, 90, 150, 180, 210, 270])
    assert [p.text for p in cut][3:5] == ["o", "0"]
    assert layout._misread_as_empty([p.text for p in cut])[3] == layout.EMPTY_FIELD


def test_a_row_with_a_value_too_many_keeps_each_kept_value_in_its_own_place() -> None:
    """Eight values for seven cells, the last seven adding up: each cell keeps its own value's place
    (its box, by OCR), not the first value's. Before, every cell had the stray's place, so the proof
    found the row out of column order and left it NULL."""
    from gongkai.extract import tables

    tokens = [tables.Token(text, 10 * i) for i, text in enumerate(["9", "1", "0", "2", "0", "0", "0", "3"])]
    read = tables._read_row("carried_out", tokens, 7, lambda v: sum(map(int, v[:-1])) == int(v[-1]))
    assert read.candidates == [["1", "0", "2", "0", "0", "0", "3"]]
    assert [read.token_for(i, 7) for i in range(7)] == tokens[1:]


@pytest.mark.slow
def test_a_seal_remnant_read_as_an_eighth_value_leaves_the_row_its_cells() -> None:
    """Seed 004's values (（六） printed as one row), 200 dpi colour with the red seal over table 三's
    last rows: the seal's removed ink left a speck read as an eighth value in 结转下年度. The seven
    that add up are kept, each with its own box; before, all seven had the first one's and were
    NULL as out of column order."""
    from tests.expected import SEED_REPORTS
    from tests.fixtures.render import render_pdf
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import PRESETS, scan_pdf

    report = SEED_REPORTS[4]
    cells = {k: v for k, v in report.cells().items() if v is not None}
    pdf = render_pdf(cells, report.format, "reportlab_ruled", seed=7)
    reading = extract_bytes(scan_pdf(pdf, PRESETS["colour_200_seal"].but(seed=7)), "colour.pdf")
    _, null = exact_or_null(reading, cells)
    assert not any(p.startswith(f"{proof.UNPROVEN}: requests.carried_out.") for p in reading.problems)
    assert null <= 1


@pytest.mark.slow
@pytest.mark.parametrize(
    ("report", "layout_name", "table"),
    [
        (1, "libreoffice_docx", "appeals"),
        (0, "split_repeat_header", "requests"),
        (4, "libreoffice_docx", "appeals"),
    ],
    ids=["header-rule-lost", "speck-beside-a-value", "cell-without-rules"],
)
def test_a_red_seal_at_120_dpi_costs_a_cell_or_two_not_a_row(
    report: int, layout_name: str, table: str
) -> None:
    """Seed reports' values, scanned at 120 dpi in colour with the red seal over the tables:
    - header-rule-lost: over table 四 the scan lost the rule under the header's last cells, so two values
      and a third's misreading stood in header cells. They go down to their row, in their columns;
      before, all fifteen were NULL as out of column order.
    - speck-beside-a-value: a speck of the seal, read as ``7``, stood beside a value in its cell (3.其他
      had eight values for seven cells). That cell is read again and proven or left NULL; before, the
      whole row was NULL.
    - cell-without-rules: the seal took every rule around two of table 四's cells, so the table had no
      cell there and the row thirteen values. The places between the columns' edges that no cell
      covers are cells of their own; before, all fifteen were NULL."""
    from tests.expected import SEED_REPORTS
    from tests.fixtures.render import render_pdf
    from tests.fixtures_office import values
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import Scan, scan_pdf

    seed = SEED_REPORTS[report]
    cells = {k: v for k, v in seed.cells().items() if v is not None}
    pdf = render_pdf(cells, seed.format, layout_name, seed=8)
    scan = Scan(dpi=120, colour=True, skew=2.0, noise=15, blur=0.6, quality=60, seed=8)
    reading = extract_bytes(scan_pdf(pdf, scan), "colour_120.pdf")
    exact_or_null(reading, cells)
    got = values(reading)
    lost = sorted(k for k in cells if k[0] == table and got.get(k) is None)
    assert len(lost) <= 2, lost


@pytest.mark.slow
@pytest.mark.parametrize(
    ("report", "seed", "skew"), [(4, 8, 2.0), (0, 21, -1.6)], ids=["header-cell-lost-too", "rules-cut-short"]
)
def test_table_fours_last_cell_under_the_red_seal_is_a_cell(report: int, seed: int, skew: float) -> None:
    """Seed reports' values as LibreOffice prints them, scanned at 120 dpi in colour, the red seal
    over table 四's last column. Before, the row kept fourteen values and all fifteen were NULL:
    - header-cell-lost-too: the seal took the rules round the last cell and round the 总计 header cell
      above it (its 0 read ``n``), and no row right above reached that column. The rows above reach it
      (行政诉讼 spans it): it is a cell, read again by the proof.
    - rules-cut-short: the rules above and below the values stopped 16 pt short of the table's border,
      so the cell had no corners and its 0 stood outside the table. They reach the border now."""
    from tests.fixtures_office import values
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import Scan

    scan = Scan(dpi=120, colour=True, skew=skew, noise=15, blur=0.6, quality=60, seed=seed)
    cells, reading = _seed_report_scanned(report, "libreoffice_docx", scan)
    exact_or_null(reading, cells)
    lost = sorted(k for k in cells if k[0] == "appeals" and values(reading).get(k) is None)
    assert len(lost) <= 2, lost


def test_table_fours_values_are_its_one_row_of_fifteen_not_a_digit_in_a_header() -> None:
    """A seal over table 四's header made the engine read 总计 as ``2i计``: that 2 is no value. Read
    by OCR, the values are the one table row that holds fifteen, not the first fifteen numbers."""
    from gongkai.extract import tables
    from gongkai.extract.stream import Line, Mark, Stream

    def line(n: int, cells: list[str]) -> Line:
        marks = tuple(Mark(40.0 * i, 20.0 * n, 40.0 * i + 30, 20.0 * n + 15, 0.99) for i in range(len(cells)))
        return Line("\t".join(cells), 4, n, marks)

    values = ["30", "7", "0", "20", "57", "19", "0", "22", "18", "59", "28", "11", "0", "16", "35"]
    stream = Stream(
        [
            Line("四、政府信息公开行政复议、行政诉讼情况", 4, 1),
            line(2, ["结果维持", "结果纠正", "其他结果", "尚未审结", "2i计"]),
            line(3, values),
        ]
    )
    tokens = tables._appeals_tokens(stream.text, 0, len(stream.text), stream.where)
    assert [t.text for t in tokens] == values


def _seed_report_scanned(index: int, layout_name: str, how: Scan) -> tuple[dict, Extraction]:
    """A seed report's real values (those it shows), printed in ``layout_name`` under its agency and
    year, scanned as ``how`` says, and read."""
    from tests.expected import SEED_REPORTS
    from tests.fixtures.render import render_pdf
    from tests.scans.scanner import scan_pdf

    report = SEED_REPORTS[index]
    cells = {k: v for k, v in report.cells().items() if v is not None}
    agency = report.agency or "金林区人民政府办公室"
    pdf = render_pdf(cells, report.format, layout_name, agency, report.year)
    return cells, extract_bytes(scan_pdf(pdf, how), f"{layout_name}.pdf")


def _benchmarks_fourth_report(seed: int) -> tuple[dict, Extraction]:
    """The fourth report of ``bench/ocr_throughput.py``'s ``generate(…, seed, 0.25)`` (its cells drawn
    as it draws them: table 三 split over pages, the rough 120 dpi preset), scanned and read."""
    import random

    from tests.fixtures.cells import random_cells
    from tests.fixtures.render import render_pdf
    from tests.scans.scanner import PRESETS, scan_pdf

    rng = random.Random(seed)
    for _ in range(4):
        fmt = "2019" if rng.random() < 0.3 else "2021"
        consistent = rng.random() >= 0.25
        one_row = fmt == "2021" and rng.random() < 0.2
        cells = random_cells(rng, fmt, consistent, other_as_one_row=one_row, big=3000)
        year = rng.randint(2019, 2020) if fmt == "2019" else rng.randint(2021, 2025)
    pdf = render_pdf(cells, fmt, "split_pages", "金林区人民政府办公室", year, seed=3)
    return cells, extract_bytes(scan_pdf(pdf, PRESETS["rough_120"].but(seed=seed + 3)), "rough.pdf")


@pytest.mark.slow
def test_a_confident_misreading_under_a_seals_star_that_breaks_a_sum_is_null() -> None:
    """A rough 120 dpi scan (the benchmark's fourth report of seed 9): the grey seal's star hides the
    1 of 195 and its words touch a 27, and the engine reads 95 and 37 with confidence, on a second
    reading too. R1 breaks; taken for the report's own, they were kept. Under a seal, a broken sum's
    parts are proven by the identities or NULL, however sure their re-readings: 195 (a re-reading) is
    proven by its row's and its column's sums, 37 is left NULL. Every cell is exact or NULL."""
    from tests.scans.check import exact_or_null

    cells, reading = _benchmarks_fourth_report(seed=9)
    exact, _ = exact_or_null(reading, cells)
    assert exact > 0.9 * len(cells)
    assert cells[("requests", "handled_total", "legal_service_org")] == 195
    assert "ocr: requests.handled_total.legal_service_org: read '95', re-read '195': proven by R1–R4" in (
        reading.problems
    )
    assert cells[("requests", "carried_out", "legal_service_org")] == 27
    # NULL: read with confidence, in R1 which the readings break under a seal (since the ring's edges
    # fade too, the first reading of 37 is less sure, and it is NULL as doubtful)
    assert any(
        p.startswith(f"{proof.UNPROVEN}: requests.carried_out.legal_service_org: ") for p in reading.problems
    )


@pytest.mark.slow
def test_hongze_scanned_grey_under_a_grey_seal_keeps_its_cells() -> None:
    """Hongze printed, stamped over table 四 and scanned in grey at 150 dpi: under the faded seal, a
    0's unfaded crop reads only the seal's ink (an O, a 八). That is no number to compare, so the
    faded crop's confident 0 stands, and at most 1 % of the cells is NULL (two were, before)."""
    from tests.expected import HONGZE as PRINTED
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import PRESETS, scan_pdf

    cells = {k: v for k, v in PRINTED.cells().items() if v is not None}
    reading = extract_bytes(scan_pdf(HONGZE.read_bytes(), PRESETS["grey_150"].but(seed=11)), "grey.pdf")
    _, null = exact_or_null(reading, cells)
    assert null <= len(cells) // 100


@pytest.mark.slow
def test_a_grey_seals_star_over_table_fours_zeros_keeps_them() -> None:
    """A real report's values (seed 000: table 四 all zeros), printed with its header repeated over
    pages, stamped and scanned in grey at 150 dpi: the seal's star lies over table 四's last cells.
    Its print is darker than the seal, so fading takes none of it, and the unfaded crop's readings
    (the star's edge read as a 1 or a 7 beside a 0: '01', '70') are no rivals. Every cell is exact
    (three of table 四's were NULL before: one sum over five cells cannot choose among rivals)."""
    from tests.expected import SEED_REPORTS
    from tests.fixtures.render import render_pdf
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import PRESETS, scan_pdf

    report = SEED_REPORTS[0]
    cells = {k: v for k, v in report.cells().items() if v is not None}
    pdf = render_pdf(cells, report.format, "split_repeat_header", seed=6)
    reading = extract_bytes(scan_pdf(pdf, PRESETS["grey_150"].but(seed=6)), "grey.pdf")
    _, null = exact_or_null(reading, cells)
    assert null == 0, [p for p in reading.problems if p.startswith(proof.UNPROVEN)]


@pytest.mark.slow
def test_zeros_a_grey_seals_ring_runs_through_at_120_dpi_are_proven() -> None:
    """A real report's values (seed 000) scanned in grey at 120 dpi, blurred: its print is no darker
    than the seal, so only the ring is faded, and it cut the 0s it ran through. The ring's blurred
    edges go with it now (beside the cut they were read as a 1: '91'), and what is left of a 0 read
    'C' offers 0, which the row's and the column's sums prove. Table 四's 0 that the ring passes a
    digit's width off is no longer read in its unfaded crop, with the ring as a 1 beside it ('01',
    which one sum over five cells cannot tell from the truth). 7 NULL cells before, then 2, now none."""
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import Scan

    grey = Scan(dpi=120, skew=2.0, noise=15, blur=0.6, quality=60, seed=8)
    cells, reading = _seed_report_scanned(0, "reportlab_ruled", grey)
    _, null = exact_or_null(reading, cells)
    assert null == 0, [p for p in reading.problems if p.startswith(proof.UNPROVEN)]
    cut = "ocr: requests.handled_total.other_org: read '', re-read '0' (a cut 0 read 'C'): proven by R1–R4"
    assert cut in reading.problems


@pytest.mark.slow
def test_a_0_the_ring_ran_through_offers_0_whatever_it_was_read_as() -> None:
    """Report 0's values as LibreOffice prints them, scanned in grey at 120 dpi: the grey seal's ring
    ran through two 0s of table 三, and fading it cut them; read again, they were ``7`` and ``a``, not a
    shape ``CUT_ZEROS`` lists. Where the fading took ink in or beside a cell's print, any re-reading may
    be a cut 0, and offers 0: a rival reading, which the row's and the column's sums both prove."""
    from tests.scans.check import exact_or_null
    from tests.scans.scanner import Scan

    grey = Scan(dpi=120, skew=2.0, noise=15, blur=0.6, quality=60, seed=8)
    cells, reading = _seed_report_scanned(0, "libreoffice_docx", grey)
    _, null = exact_or_null(reading, cells)
    assert null <= 2, [p for p in reading.problems if p.startswith(proof.UNPROVEN)]
    seven = "ocr: requests.other_other.other_org: read '2', re-read '0' (a cut 0 read '7'): proven by R1–R4"
    assert seven in reading.problems


@pytest.mark.slow
def test_a_number_a_ring_cut_a_digit_from_is_not_confirmed_by_readings_with_a_letter_for_it() -> None:
    """The benchmark's r003 (seed 2026: split pages, rough 120 dpi): a grey seal's ring runs through
    the 1 of a 21. The page reads 2 with confidence; its faded crop reads 2t (the 1's remnant), its
    unfaded crop 2Y (the ring over the 1). Taken for the number they lead with, all agreed on 2 and
    a wrong value was stored; a reading with more than a number in it agrees with none."""
    from tests.scans.check import exact_or_null

    assert not proof._same("2t", "2") and not proof._same("2Y", "2") and proof._same("2件", "2")
    cells, reading = _benchmarks_fourth_report(seed=2026)
    assert cells[("requests", "other_handling", "research_institution")] == 21
    exact, _ = exact_or_null(reading, cells)
    assert exact > 0.9 * len(cells)


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


def test_without_the_narrative_only_the_tables_and_the_title_are_recognised() -> None:
    """Hongze page 2 holds the end of the narrative and table 二: read without its narrative, its table
    rows are the same and the narrative lines are gone (never recognised, not just dropped)."""
    import pypdfium2 as pdfium

    from gongkai.extract.pdfscan import render

    pdf = pdfium.PdfDocument(HONGZE.read_bytes())
    try:
        image = render(pdf, 2, DPI)
    finally:
        pdf.close()
    whole = scan.read_image(image, 2, DPI)
    tables = scan.read_image(image, 2, DPI, narrative=False)
    rows = [line.text for line in whole.lines if "\t" in line.text]
    assert rows and [line.text for line in tables.lines if "\t" in line.text] == rows
    assert len(tables.boxes) < len(whole.boxes)
    table_top = min(line.marks[0].top for line in whole.lines if "\t" in line.text)
    far = table_top - scan.HEADING_MM * 72 / 25.4 - 30  # above the table, its heading, and a line more
    narrative = [line.text for line in whole.lines if line.marks and line.marks[0].bottom < far]
    assert len(narrative) >= 5 and not any(line.text in narrative for line in tables.lines)


def test_a_page_with_only_a_short_tables_long_rules_is_a_table_page() -> None:
    """At the probe's 50 dpi a three-row table's vertical rules are too short to see; its two long
    horizontal rules make it a table page. A page of text lines is not."""
    import cv2

    from gongkai.extract.pdfscan import PROBE_DPI, is_ruled

    page = np.full((585, 413, 3), 255, np.uint8)  # A4 at 50 dpi
    for y in (200, 260):
        cv2.line(page, (40, y), (373, y), (90, 90, 90), 1)
    assert is_ruled(page, PROBE_DPI)
    text = np.full((585, 413, 3), 255, np.uint8)
    for k in range(20):
        cv2.putText(text, "text " * 6, (40, 60 + 24 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    assert not is_ruled(text, PROBE_DPI)


def test_a_re_reading_says_how_near_another_digit_came() -> None:
    """``read_crops`` gives each crop's text, confidence and rival: a clean digit has no rival near it;
    a 5 and a 6 printed over each other is read as one digit with the other close behind."""
    import cv2

    from gongkai.extract import ocr

    def digit(text: str, grey: int) -> np.ndarray:
        crop = np.full((60, 120), 255, np.uint8)
        cv2.putText(crop, text, (45, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.4, grey, 3)
        return crop

    clean, blended = ocr.read_crops([digit("0", 0), np.minimum(digit("5", 60), digit("6", 80))])
    assert clean.text == "0" and clean.rival <= proof.NO_RIVAL
    assert blended.text in ("5", "6") and blended.rival > 0.3


def test_short_lines_read_side_by_side_keep_their_own_characters() -> None:
    """Numbers read in one strip: each crop gets its own digits, in order, placed within it."""
    import cv2

    from gongkai.extract import ocr

    numbers = ["0", "12", "305", "7", "0", "0", "4096", "88"]
    crops = []
    for text in numbers:
        crop = np.full((40, 30 + 22 * len(text)), 255, np.uint8)
        cv2.putText(crop, text, (12, 30), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
        crops.append(crop)
    read = ocr._read_strips(ocr.engine(), crops)
    assert [text for text, _, _ in read] == numbers
    for _text, score, chars in read:
        assert score > 0.9
        places = [at for _, _, at in chars]
        assert places == sorted(places) and all(0.0 <= at <= 1.0 for at in places)


def _carried_out(**cells: float) -> dict[tuple[str, str, str], float | None]:
    """Table 三's 结转下年度 row alone (every other row unknown, so only its own sum can be judged)."""
    return {("requests", "carried_out", column): value for column, value in cells.items()}


def _two_unknown_in_carried_out(total: int) -> tuple[tuple, dict[tuple[str, str, str], float | None]]:
    """The identities, and 结转下年度 alone: 10 + 5 + ? + ? + 0 + 0 = ``total``."""
    from gongkai import identities, taxonomy

    checks = identities.checks(
        tuple(taxonomy.rows_of("requests", "2021")), taxonomy.rows_of("appeals", "2021")
    )
    value = _carried_out(
        natural_person=10, commercial_enterprise=5, research_institution=None, social_welfare_org=None,
        legal_service_org=0, other_org=0, total=total,
    )  # fmt: skip
    return checks, value


def test_one_sum_never_picks_among_readings() -> None:
    """Two doubtful cells of one row, judged by its total alone: 4 + 1 and 3 + 2 both add up, and the
    truth may be a reading the engine did not offer, so the one combination that fits proves nothing."""
    checks, value = _two_unknown_in_carried_out(total=20)
    doubts = {
        ("requests", "carried_out", "research_institution"): proof.Doubt("low", ["4", "9"]),
        ("requests", "carried_out", "social_welfare_org"): proof.Doubt("low", ["1", "8"]),
    }
    assert proof._solve(doubts, checks, value) == {}
    # one doubtful cell in the same row: the sum fixes it, and confirms the engine's first reading
    value[("requests", "carried_out", "social_welfare_org")] = 2
    cell = ("requests", "carried_out", "research_institution")
    assert proof._solve({cell: proof.Doubt("low", ["3", "8"], first="3")}, checks, value) == {cell: "3"}
    # but it does not choose a re-reading over the first: one sum may be the report's own error
    assert proof._solve({cell: proof.Doubt("low", ["8", "3"], first="8")}, checks, value) == {}


def test_a_sum_whose_known_parts_balance_leaves_its_doubtful_parts_at_zero() -> None:
    """结转下年度's known parts already make its total: its two doubtful cells, read 0 with little
    confidence, can be nothing but 0 (counts are never negative), though no sum has either alone. A
    cell first read 3 is not made 0 by it (one sum never picks a re-reading over the first)."""
    checks, value = _two_unknown_in_carried_out(total=15)
    research = ("requests", "carried_out", "research_institution")
    social = ("requests", "carried_out", "social_welfare_org")
    doubts = {
        research: proof.Doubt("low", ["0"], first="0"),
        social: proof.Doubt("low", ["0", "8"], first="0"),
    }
    assert proof._solve(doubts, checks, value) == {research: "0", social: "0"}
    doubts[research] = proof.Doubt("low", ["3", "0"], first="3")
    assert proof._solve(doubts, checks, value) == {social: "0"}
    # the known parts short of the total: the doubtful ones share the rest, and nothing is proven
    assert proof._solve(doubts, checks, value | {("requests", "carried_out", "total"): 16}) == {}


def _hongze_table_three() -> tuple[tuple, dict[tuple[str, str, str], float]]:
    """Hongze's printed cells (its table 三 adds up; （六） is one row) and their identities."""
    from gongkai import identities, taxonomy
    from tests.expected import HONGZE as PRINTED

    value = {k: v for k, v in PRINTED.cells().items() if v is not None}
    rows = tuple(r for r in taxonomy.rows_of("requests", "2021") if ("requests", r, "total") in value)
    return identities.checks(rows, taxonomy.rows_of("appeals", "2021")), value


def test_a_cell_with_no_reading_leaves_the_rest_of_its_group_to_be_proven() -> None:
    """Under a seal, 办理结果总计's 科研机构 has no reading at all. It stays NULL (no value is made
    for it), but 上年结转 + 新收 = 总计 + 结转 still fixes it, so its column's sum still judges four
    doubtful 0s, two in each of two rows and two columns (no sum has one alone), and proves them."""
    checks, value = _hongze_table_three()
    doubts = {("requests", "handled_total", "research_institution"): proof.Doubt("nothing read")}
    for row, column, rival in (
        ("granted", "research_institution", "8"),
        ("granted", "social_welfare_org", "3"),
        ("other_handling", "research_institution", "6"),
        ("other_handling", "social_welfare_org", "9"),
    ):
        doubts[("requests", row, column)] = proof.Doubt("low", ["0", rival])
    proven = proof._solve(doubts, checks, value)
    assert proven == {k: "0" for k, d in doubts.items() if d.readings}


def test_a_misread_cell_is_left_unknown_and_its_row_still_proves_the_others() -> None:
    """A ring-cut 0 read as 9 (no reading fits) and a doubtful 0 beside it in one row: the 9 is the
    one reading left unknown (its value, fixed by the sums, is never stored), and the other 0 is
    proven. With two more cells unknown below them, the four make a rectangle whose sums hold whatever
    the 0 is (+1 and −1 in each row and column): then nothing is proven."""
    checks, value = _hongze_table_three()
    misread = ("requests", "not_processed_confirmation", "social_welfare_org")
    beside = ("requests", "not_processed_confirmation", "legal_service_org")
    doubts = {misread: proof.Doubt("low", ["9"]), beside: proof.Doubt("low", ["0", "6"])}
    assert proof._solve(doubts, checks, value) == {beside: "0"}
    for column in ("social_welfare_org", "legal_service_org"):
        doubts[("requests", "unable_not_held", column)] = proof.Doubt("nothing read")
    assert proof._solve(doubts, checks, value) == {}


def test_a_rule_under_a_red_seals_star_stays() -> None:
    """A scan tints the rule under a seal's solid star red; darker than the seal's ink, it stays."""
    import cv2

    page = np.full((400, 400, 3), 255, np.uint8)
    cv2.circle(page, (200, 200), 80, (214, 38, 48), -1)  # the star's solid red
    page[:, 199:202] = (150, 20, 30)  # the rule where the red ink covers it: dark red
    page[:, 199:202][:120] = 0  # and black above the seal
    grey, found = scan.remove_seal(page)
    assert found
    assert (grey[130:270, 199:202] < 100).all()  # the rule is whole under the seal
    assert (grey[140:260, 150:190] == 255).all()  # the seal's ink is gone


def test_a_numbers_characters_touch_unless_the_engine_read_a_space() -> None:
    """The engine's character boxes are uneven: widened to meet, a number stays one number; where the
    engine's own text has a space, the gap stays."""
    from gongkai.extract import ocr

    def box(text: str, lefts: list[float]) -> ocr.TextBox:
        chars = [ch for ch in text if not ch.isspace()]
        glyphs = tuple(ocr.Glyph(ch, x, 0, x + 6, 20, 0.99) for ch, x in zip(chars, lefts, strict=True))
        return ocr.TextBox(text, lefts[0], 0, lefts[-1] + 6, 20, 0.99, glyphs)

    uneven = box("7730.28", [0, 20, 30, 40, 50, 56, 66])  # a wide gap after the first 7
    assert layout._join(scan.chars_of([uneven], 1.0)) == "7730.28"
    apart = box("12 5", [0, 10, 40])
    assert layout._join(scan.chars_of([apart], 1.0)) == "12 5"


def test_the_detector_sees_the_printed_part_at_the_whole_pages_scale() -> None:
    """Only the part of a page that holds print (within the rows asked for) goes to the detector, grown
    to whole 32-pixel steps of the scale the whole page is seen at; the lines found there come back in
    the page's own pixels."""
    import cv2

    from gongkai.extract import ocr

    page = np.full((2339, 1654), 255, np.uint8)  # A4 at 200 dpi
    cv2.putText(page, "2024", (700, 1200), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)
    cv2.putText(page, "777", (300, 300), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)  # outside the rows asked for
    rgb = ocr._rgb(page)
    left, top, part = ocr._printed_area(rgb, (1000, 1400))
    ys, xs = np.nonzero(page[1000:1400] < ocr.INK)
    inside = (
        xs.min() - left,
        ys.min() + 1000 - top,
        left + part.shape[1] - xs.max(),
        top + part.shape[0] - ys.max() - 1000,
    )
    assert min(inside) >= ocr.PRINT_MARGIN - 4  # all of its print, with a margin
    assert part.shape[0] < 400 and part.shape[1] < 600  # and little more
    steps = np.array(part.shape[:2]) * ocr._detect_scale(page.shape) / 32
    assert np.allclose(steps, np.round(steps), atol=0.05)
    boxes = ocr.recognise(page, lambda found: [True] * len(found), (1000, 1400))
    assert [b.text for b in boxes] == ["2024"]
    whole = {b.text: b for b in ocr.recognise(page)}  # the engine's own reading of the whole page
    assert set(whole) == {"777", "2024"}
    at = np.array([boxes[0].x0, boxes[0].top, boxes[0].x1, boxes[0].bottom])
    assert (
        np.abs(at - [whole["2024"].x0, whole["2024"].top, whole["2024"].x1, whole["2024"].bottom]).max()
        < 10  # a few of the detector pixels
    )


def test_a_long_label_narrowed_for_recognition_reads_the_same() -> None:
    """Long lines (labels, headings) are narrowed to ``LONG_SQUEEZE`` of their width before recognition
    (its cost is by width): a table's row label still reads the same, and its characters keep their
    places."""
    from PIL import Image, ImageDraw

    from gongkai.extract import ocr
    from tests.scans.seal import _font

    label = "5.要求行政机关确认或重新出具已获取信息"
    image = Image.new("L", (900, 48), 255)
    ImageDraw.Draw(image).text((10, 8), label, font=_font(30), fill=0)
    crop = ocr._rgb(np.asarray(image))
    assert ocr._width(crop) >= ocr.LONG_LINE
    narrowed = ocr._narrowed(crop)
    assert narrowed.shape[1] == round(crop.shape[1] * ocr.LONG_SQUEEZE)
    read = ocr.engine().recognize_txt([narrowed])
    assert read.txts[0].replace(" ", "") == label


def test_a_blurred_cells_binarised_re_reading_keeps_its_digits_loops() -> None:
    """A rough 120 dpi scan's cell, blurred and enlarged to 200 dpi: the proof's second re-reading,
    binarised against each pixel's neighbourhood, reads the printed number; one threshold for the
    whole crop closed the loops (29 read 20, 68 read 8, 9 read as nothing)."""
    import cv2
    from PIL import Image, ImageDraw

    from gongkai.extract import ocr
    from tests.scans.seal import _font

    def cell(text: str) -> np.ndarray:
        image = Image.new("L", (60, 24), 245)  # a cell's inside at 120 dpi
        ImageDraw.Draw(image).text((14, 3), text, font=_font(15), fill=70)
        blurred = cv2.GaussianBlur(np.asarray(image), (0, 0), 1.2)
        return cv2.resize(blurred, None, fx=200 / 120, fy=200 / 120, interpolation=cv2.INTER_CUBIC)

    printed = ["29", "68", "9"]
    binarised = [proof._variants(cell(text), 200 / 25.4)[1] for text in printed]
    assert [reading.text for reading in ocr.read_crops(binarised)] == printed


def test_a_digit_in_a_tall_noisy_cell_is_re_read_from_its_ink() -> None:
    """A rough 120 dpi scan's 0 in a cell three lines tall (its label wraps), with the paper's grain:
    read again from the whole cell, the recogniser scales the cell to its line height and reads a
    small ring (。, °), and from an enlarged grey crop it reads the grain as strokes. The proof's
    re-readings are cut to the ink (with a margin), the paper around it made white: both read 0."""
    import cv2
    from PIL import Image, ImageDraw

    from gongkai.extract import ocr
    from tests.scans.seal import _font

    image = Image.new("L", (42, 58), 240)  # a tall cell's inside at 120 dpi
    ImageDraw.Draw(image).text((15, 20), "0", font=_font(15), fill=60)
    grain = np.random.default_rng(3).integers(-20, 21, size=(58, 42))
    noisy = np.clip(cv2.GaussianBlur(np.asarray(image), (0, 0), 0.8) + grain, 0, 255).astype(np.uint8)
    crop = cv2.resize(noisy, None, fx=200 / 120, fy=200 / 120, interpolation=cv2.INTER_CUBIC)
    inked, _ = proof._printed(crop, 200 / 25.4)
    assert inked.shape[0] < crop.shape[0] / 2 and inked.shape[1] < crop.shape[1]
    assert [reading.text for reading in ocr.read_crops(proof._variants(crop, 200 / 25.4))] == ["0", "0"]
    # a speck alone is no digit: the crop is read whole
    speck = np.full((60, 60), 240, np.uint8)
    speck[30:32, 30:32] = 40
    assert proof._printed(speck, 200 / 25.4)[0].shape == speck.shape


def test_a_grey_seals_ring_beside_a_digit_is_not_read_with_it_in_the_seals_disc() -> None:
    """A cell in a grey seal's disc, its ring running on past the cell beside a 0: read with the
    digit, the ring is a 1 (``01``), which one sum cannot tell from the truth. In the disc, ink that
    reaches the crop's edge is the seal's (print stays inside its cell): the re-readings read 0."""
    import cv2
    from PIL import Image, ImageDraw

    from gongkai.extract import ocr
    from tests.scans.seal import _font

    image = Image.new("L", (72, 42), 240)  # a cell's inside at 200 dpi
    draw = ImageDraw.Draw(image)
    draw.text((22, 6), "0", font=_font(26), fill=70)
    draw.arc((40, -150, 340, 150), 150, 210, fill=120, width=6)  # a 42 mm ring's stroke
    crop = cv2.GaussianBlur(np.asarray(image), (0, 0), 0.8)
    mm = 200 / 25.4
    assert all("1" in r.text for r in ocr.read_crops(proof._variants(crop, mm)))
    assert [r.text for r in ocr.read_crops(proof._variants(crop, mm, sealed=True))] == ["0", "0"]


def test_the_unfaded_crop_is_read_only_when_the_fading_took_ink_in_or_beside_the_print() -> None:
    """A grey seal's fading may take print with the ring; the unfaded crop is read to catch that.
    But a ring that passes a 0 a digit's width off took nothing of the number, and read with it,
    unfaded, it is a 1 ('01'): one sum cannot then tell the 0 from its rival. The unfaded crop is
    read when the fading took ink in the print (a stroke), beside it (a whole digit), or all of it."""
    from PIL import Image, ImageDraw

    from tests.scans.seal import _font

    def cell(text: str, ring_at: int | None) -> np.ndarray:
        image = Image.new("L", (84, 42), 240)  # a cell's inside at 200 dpi
        draw = ImageDraw.Draw(image)
        draw.text((14, 6), text, font=_font(26), fill=70)
        if ring_at is not None:
            draw.arc((ring_at, -150, ring_at + 300, 150), 150, 210, fill=120, width=6)
        return np.asarray(image)

    mm = 200 / 25.4
    zero = cell("0", None)
    assert not proof._took_beside_print(zero, cell("0", 56), mm, sealed=False)  # the ring passing
    assert proof._took_beside_print(zero, cell("0", 34), mm, sealed=False)  # a ring at the 0's side
    assert proof._took_beside_print(zero, cell("01", None), mm, sealed=False)  # a 1 taken whole
    assert proof._took_beside_print(cell("", None), cell("0", None), mm, sealed=False)  # all of it
