"""A PDF's pictured pages read by OCR: the table pages found cheaply, only those recognised in full.

1. Each candidate page (no text, glyphs without Unicode, or images beside text) is rendered at
   ``PROBE_DPI`` and its ruling lines are found (``scan.ruling_edges``, a few milliseconds): a page
   with a grid of rules is a table page. No rules anywhere (a borderless table): every candidate is.
2. Page 1 (the title: agency and year) and the table pages are rendered at ``scan.WORK_DPI`` and
   recognised, in page order, until the tables are read in full, ``MAX_OCR_PAGES`` or the deadline.
   Of each, only the lines of its ruled tables and of page 1's title are recognised
   (``scan.tables_and_title``): the narrative around them is not, which is most of the time saved.
3. The lines of the pages with text come from their text layer; the recognised pages' lines take
   their place; the whole goes to the one table reader, then ``proof.prove``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from gongkai.extract import proof, scan
from gongkai.extract.stream import Line
from gongkai.model import Extraction

PROBE_DPI = 50.0
PROBE_INK = 230  # at PROBE_DPI a thin rule is a light grey line
LONG_RULE_PT = 300.0  # a rule this long is a table's (text at PROBE_DPI blurs into bars, but short ones)
MAX_OCR_PAGES = 12  # pages recognised in full in one report


def render(pdf: object, number: int, dpi: float) -> np.ndarray:
    """Page ``number`` (1-based) of a pypdfium2 document as RGB pixels at ``dpi``."""
    page = pdf[number - 1]  # type: ignore[index]
    try:
        bitmap = page.render(scale=dpi / 72.0)
        return np.asarray(bitmap.to_pil().convert("RGB"))
    finally:
        page.close()


def is_ruled(rgb: np.ndarray, dpi: float) -> bool:
    """Whether a page image holds (a part of) a ruled table: four horizontal rules crossed by a vertical
    one, three vertical rules, or two horizontal rules across most of the text's width (a short
    table's, whose vertical rules are too short to be seen at ``PROBE_DPI``)."""
    grey, _ = scan.remove_seal(rgb)
    edges = scan.ruling_edges(grey, 72.0 / dpi, PROBE_INK)
    horizontal = sum(1 for e in edges if e["orientation"] == "h" and e["width"] >= 40)
    long = sum(1 for e in edges if e["orientation"] == "h" and e["width"] >= LONG_RULE_PT)
    vertical = sum(1 for e in edges if e["orientation"] == "v" and e["height"] >= 12)
    return (horizontal >= 4 and vertical >= 1) or vertical >= 3 or long >= 2


def read_scanned(
    data: bytes,
    candidates: list[int],
    text_lines: dict[int, list[Line]],
    read: Callable[[list[Line]], Extraction],
    deadline: float,
) -> Extraction:
    """The report read with ``candidates`` (1-based pages) recognised where they hold tables, the other
    pages from ``text_lines``; ``read`` turns lines into an Extraction (the table reader)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    problems: list[str] = []
    try:
        probed: list[int] = []  # the pages looked at before the time limit: each costs a rendering
        ruled: list[int] = []
        for n in candidates:
            if time.monotonic() >= deadline:
                break
            probed.append(n)
            if is_ruled(render(pdf, n, PROBE_DPI), PROBE_DPI):
                ruled.append(n)
        chosen = ruled or candidates
        order = sorted(({1} & set(candidates)) | set(chosen))
        recognised: dict[int, scan.ScanPage] = {}
        reading: Extraction | None = None
        read_pages: set[int] = set()  # the pages ``reading`` was made from
        for number in order:
            stop = (
                f"{MAX_OCR_PAGES} pages recognised already"
                if len(recognised) >= MAX_OCR_PAGES
                else "the report's time limit for recognition reached"
                if time.monotonic() > deadline
                else None
            )
            if stop:
                problems.append(f"page {number} and after not recognised: {stop}")
                break
            recognised[number] = scan.read_image(
                render(pdf, number, scan.WORK_DPI), number, scan.WORK_DPI, narrative=not ruled
            )
            if number in ruled or not ruled:
                reading, read_pages = read(_lines(text_lines, recognised)), set(recognised)
                if reading.status == "ok" and number != 1:
                    break
    finally:
        pdf.close()
    if reading is None or read_pages != set(recognised):
        reading = read(_lines(text_lines, recognised))
    skipped = sorted(set(probed) - set(ruled) - set(recognised))
    if ruled and skipped:
        problems.append(
            f"page(s) {', '.join(map(str, skipped))} are pictures without a table's rules: not recognised, "
            "their text is not in the narrative"
        )
    if ruled:
        problems.append(
            "the scanned pages' narrative is not recognised (only their tables and the title): "
            "the narrative's figures (R6) are not compared"
        )
    reading.problems = [*reading.problems, *problems]
    if reading.status != "ok":
        reading.error = "; ".join(reading.problems)
    pages = {n: page.page for n, page in recognised.items()}
    return proof.prove(reading, pages, text=any(text_lines.values()))


def _lines(text_lines: dict[int, list[Line]], recognised: dict[int, scan.ScanPage]) -> list[Line]:
    out: list[Line] = []
    for number in sorted(set(text_lines) | set(recognised)):
        out += recognised[number].lines if number in recognised else text_lines.get(number, [])
    return out
