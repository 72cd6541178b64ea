"""Text PDFs: pypdfium2 text first, then positions on the table pages when the text order fails.

1. pypdfium2 reads every page's text (cheap). Pages without characters and glyphs without a
   Unicode mapping are counted here: a scan, or a report whose tables are unreadable glyphs, gets
   ``needs_ocr`` with the reason, never invented numbers.
2. The lines go to the table parser. A reading with all three tables, every cell, no problem and
   the identities R1–R4 holding is taken as it is.
3. Otherwise the table pages are read by position (``layout``): each ruled table row becomes one
   line, the rest is clustered by height. First from pypdfium2's characters and paths (a few
   milliseconds a page); if that reading is not complete either, from pdfplumber's (its pdfminer
   parse costs some 50 ms a page, so it runs only here, only on those pages).
4. The best reading is kept: complete first, then the fewer NULL cells, broken identities and
   problems; a tie goes to the later (positions) reading. A report that really breaks an identity
   comes out as printed.

Bad input never raises: encrypted, truncated or corrupt files, too many pages and the time limit
all give a ``failed`` Extraction with the reason.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
from dataclasses import dataclass, field

from gongkai import identities, limits, taxonomy
from gongkai.extract import layout, pdfscan
from gongkai.extract.damage import in_words
from gongkai.extract.lines import extract_lines
from gongkai.extract.stream import Line
from gongkai.extract.text import lines_of
from gongkai.model import Extraction, RawCell
from gongkai.numbers import value_of

MAX_PAGES = 200  # annual reports have fewer than 50 pages
MAX_TABLE_PAGES = 12  # pages pdfplumber may read in one report
MAX_PAGE_CHARS = 30_000  # a table page has a few thousand; more is not a table page worth parsing
MAX_PAGE_OBJECTS = 50_000  # nor is a page of that many drawing objects (pdfplumber would take long)
TIME_LIMIT = 30.0  # seconds per report for the text layer and positions
OCR_SHARE = 0.8  # of the per-report limit (gongkai.limits) that recognising pictured pages may use

_CID = re.compile(r"\(cid:\d+\)")
# words that only table pages have, many of them; a page with three is a table page
_TABLE_MARKERS = re.compile(
    r"第二十条第|信息内容|本年制发件数|本年新制作数量|处理决定数量|本年收费金额|申请人情况|本年新收|上年结转"
    r"|予以公开|部分公开|国家秘密|不掌握|另行制作|重复申请|公开出版物|其他处理|结转下年度|行政复议|行政诉讼"
    r"|尚未审结|结果维持|结果纠正|复议后起诉|直接起诉|法律服务机构|社会公益组织"
)


class NeedsOCR(ValueError):
    """The PDF has no usable text layer (image-only pages or glyphs without Unicode)."""


class BadPDF(ValueError):
    """The file is not a readable PDF (corrupt, truncated, encrypted, too long)."""


@dataclass
class PageText:
    number: int
    text: str
    chars: int  # characters other than whitespace
    unmapped: int  # glyphs without a Unicode mapping (U+FFFD, control or private-use codes, (cid:N))
    images: bool  # the page has image objects
    objects: int = 0  # page objects (text runs, paths, images)


@dataclass
class PdfText:
    pages: list[PageText] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        out: list[Line] = []
        for p in self.pages:
            out += lines_of(p.text, page=p.number)
        return out

    def image_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.chars == 0 and p.images]

    def garbled_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.chars >= 20 and p.unmapped > 0.05 * p.chars]

    def pictured_pages(self) -> list[int]:
        """Pages with images and without the table words in their text: a table may be a picture there."""
        return [
            p.number
            for p in self.pages
            if p.images and len(set(_TABLE_MARKERS.findall(re.sub(r"\s+", "", p.text)))) < 3
        ]


def _unmapped(text: str) -> int:
    bad = len(_CID.findall(text))
    for ch in text:
        if ch in "\r\n\t":
            continue
        if ch == "\ufffd" or unicodedata.category(ch) in {"Cc", "Co", "Cn"}:
            bad += 1
    return bad


def _open_error(error: Exception) -> BadPDF:
    message = str(error)
    if "password" in message.lower():
        return BadPDF("encrypted PDF (password required)")
    return BadPDF(f"unreadable PDF (corrupt or truncated): {in_words(error)}")


def read_text(data: bytes, max_pages: int = MAX_PAGES, deadline: float | None = None) -> PdfText:
    """Every page's text through pypdfium2; BadPDF for what cannot be read."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise _open_error(e) from e
    try:
        n = len(pdf)
        if n == 0:
            raise BadPDF("the PDF has no pages")
        if n > max_pages:
            raise BadPDF(f"{n} pages: more than the {max_pages} an annual report can have; not read")
        out = PdfText()
        for index in range(n):
            if deadline is not None and time.monotonic() > deadline:
                raise BadPDF(f"time limit reached after reading {index} of {n} pages")
            try:
                page = pdf[index]
            except pdfium.PdfiumError as e:
                raise BadPDF(f"page {index + 1} cannot be read: {in_words(e)}") from e
            try:
                textpage = page.get_textpage()
                text = textpage.get_text_range()
                textpage.close()
                chars = sum(1 for ch in text if not ch.isspace())
                objects = pdfium_c.FPDFPage_CountObjects(page.raw)
                images = any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)))
            except pdfium.PdfiumError as e:
                raise BadPDF(f"page {index + 1} cannot be read: {in_words(e)}") from e
            finally:
                page.close()
            out.pages.append(PageText(index + 1, text, chars, _unmapped(text), images, objects))
        return out
    finally:
        pdf.close()


def _check_text_layer(text: PdfText) -> None:
    n = len(text.pages)
    chars = sum(p.chars for p in text.pages)
    if chars == 0:
        raise NeedsOCR(f"no text layer on any of the {n} pages (a scan): OCR needed")
    unmapped = sum(p.unmapped for p in text.pages)
    if unmapped > 0.05 * chars:
        raise NeedsOCR(f"{unmapped} of {chars} glyphs have no Unicode mapping: OCR needed")


# ------------------------------------------------------------------ judging a reading


def identity_breaks(cells: list[RawCell], fmt: str | None) -> int:
    """How many of R1 and R2 (per column), R3 and R4 (per row) fail or cannot be checked."""
    value = {(c.table, c.row, c.column): value_of(c.raw) for c in cells}
    rows = tuple(r for r in taxonomy.rows_of("requests", "2021") if ("requests", r, "total") in value)
    checks = identities.checks(rows, taxonomy.rows_of("appeals", fmt or "2021"))
    return sum(1 for check in checks if not check.holds(value))


def _rank(e: Extraction) -> tuple[int, int, int, int]:
    nulls = sum(1 for c in e.cells if c.raw is None)
    return (0 if e.status == "ok" else 1, nulls, identity_breaks(e.cells, e.format), len(e.problems))


def _values(e: Extraction) -> dict[tuple[str, str, str], str | None]:
    return {(c.table, c.row, c.column): c.raw for c in e.cells}


# ------------------------------------------------------------------ the table pages


def table_pages(text: PdfText, fast: Extraction | None) -> list[int]:
    """Pages that hold the tables: three table words on them, or cells the text reading put there."""
    pages: set[int] = set()
    for p in text.pages:
        compact = re.sub(r"\s+", "", p.text)
        if len(set(_TABLE_MARKERS.findall(compact))) >= 3:
            pages.add(p.number)
    if fast is not None:
        pages |= {c.page for c in fast.cells if c.page is not None}
    if pages:
        # a table split over pages: the pages between two table pages hold it too
        pages |= set(range(min(pages), max(pages) + 1))
    else:
        pages = {p.number for p in text.pages}
    readable = [
        p
        for p in sorted(pages)
        if text.pages[p - 1].chars <= MAX_PAGE_CHARS and text.pages[p - 1].objects <= MAX_PAGE_OBJECTS
    ]
    return readable[:MAX_TABLE_PAGES]


def _positions(
    data: bytes, text: PdfText, pages: list[int], deadline: float | None, reader: str
) -> tuple[list[Line], list[str]]:
    """All lines, with those of ``pages`` rebuilt from positions by ``reader`` (pdfium or
    pdfplumber); and the problems met."""
    rebuilt: dict[int, list[Line]] = {}
    problems: list[str] = []

    def late(number: int) -> bool:
        if deadline is not None and time.monotonic() > deadline:
            problems.append(f"time limit reached: page {number} not read by position ({reader})")
            return True
        return False

    try:
        if reader == "pdfium":
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(data)
            try:
                for number in pages:
                    if late(number):
                        break
                    page = pdf[number - 1]
                    textpage = page.get_textpage()
                    try:
                        rebuilt[number] = layout.pdfium_page_lines(page, textpage, number)
                    finally:
                        textpage.close()
                        page.close()
            finally:
                pdf.close()
        else:
            import pdfplumber

            with pdfplumber.open(io.BytesIO(data)) as pdf:
                for number in pages:
                    if late(number):
                        break
                    page = pdf.pages[number - 1]
                    try:
                        rebuilt[number] = layout.page_lines(page, number)
                    finally:
                        page.close()
    except Exception as e:  # pdfminer and pdfium raise many kinds on broken files
        problems.append(f"{reader} could not read the table pages by position: {in_words(e)}")
    lines: list[Line] = []
    for p in text.pages:
        lines += rebuilt.get(p.number) or lines_of(p.text, page=p.number)
    return lines, problems


# ------------------------------------------------------------------ the extractor

METHODS = ("auto", "text", "pdfium", "pdfplumber")


def extract_pdf(
    data: bytes,
    source: str,
    sha256: str,
    year_hint: int | None = None,
    time_limit: float = TIME_LIMIT,
    max_pages: int = MAX_PAGES,
    method: str = "auto",
    ocr: bool = True,
    report_seconds: float | None = None,
) -> Extraction:
    """One PDF report into an Extraction; never raises for bad input.

    ``method``: ``auto`` (text, then positions as needed), or one reading only: ``text``,
    ``pdfium`` or ``pdfplumber`` (positions on the table pages). ``ocr``: pictured pages (a scan,
    tables as images, glyphs without Unicode) are recognised (``pdfscan``); without it such a report
    is ``needs_ocr``; recognising them may take ``OCR_SHARE`` of ``report_seconds``, the report's time
    limit (default: ``gongkai.limits``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    started = time.monotonic()
    deadline = started + time_limit

    def refuse(status: str, error: str) -> Extraction:
        return Extraction(source=source, sha256=sha256, file_type="pdf", status=status, error=error)

    def read(lines: list[Line]) -> Extraction:
        return extract_lines(lines, source=source, sha256=sha256, file_type="pdf", year_hint=year_hint)

    def scanned(pages: list[int], reason: str) -> Extraction:
        if not ocr:
            return refuse("needs_ocr", reason)
        text_lines = {p.number: lines_of(p.text, page=p.number) for p in text.pages if p.number not in pages}
        ocr_deadline = started + OCR_SHARE * (report_seconds or limits.Limits.from_env().seconds)
        return pdfscan.read_scanned(data, pages, text_lines, read, ocr_deadline)

    try:
        text = read_text(data, max_pages, deadline)
    except BadPDF as e:
        return refuse("failed", str(e))
    try:
        _check_text_layer(text)
    except NeedsOCR as e:
        return scanned(
            sorted({p.number for p in text.pages if p.chars == 0} | set(text.garbled_pages())), str(e)
        )

    def complete(e: Extraction) -> bool:
        return e.status == "ok" and not e.problems

    fast = read(text.lines)
    best = fast
    if method == "text" or (
        method == "auto" and complete(fast) and identity_breaks(fast.cells, fast.format) == 0
    ):
        return fast
    pages = table_pages(text, fast if fast.cells else None)
    readers = ("pdfium", "pdfplumber") if method == "auto" else (method,)
    if method != "auto":
        best = refuse("failed", "no table page to read by position")
    for reader in readers:
        lines, problems = _positions(data, text, pages, deadline, reader)
        reading = read(lines)
        if problems:
            reading.problems += problems
            reading.status = "partial" if reading.status == "ok" else reading.status
            reading.error = "; ".join(reading.problems)
        if method != "auto" or (_values(reading) != _values(best) and _rank(reading) <= _rank(best)):
            best = reading
        if complete(reading):
            break
    if best.status != "ok":
        unreadable = sorted(set(text.image_pages()) | set(text.garbled_pages()) | set(text.pictured_pages()))
        if unreadable:
            pages_list = ", ".join(map(str, unreadable))
            reading = scanned(
                unreadable,
                f"tables not read in full and page(s) {pages_list} have no usable text "
                "(images or glyphs without Unicode): OCR needed",
            )
            if reading.status == "needs_ocr" or _rank(reading) < _rank(best):
                return reading
    return best
