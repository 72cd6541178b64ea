"""Text PDFs through pypdfium2: page text into lines; scans and unmapped glyphs need OCR."""

from __future__ import annotations

import re

from gongkai.extract.stream import Line
from gongkai.extract.text import lines_of

_CID = re.compile(r"\(cid:\d+\)|\ufffd")


class NeedsOCR(ValueError):
    """The PDF has no usable text layer (image-only pages or glyphs without Unicode)."""


class BadPDF(ValueError):
    """The file is not a readable PDF (corrupt, truncated, encrypted)."""


def pdf_lines(data: bytes, max_pages: int = 200) -> list[Line]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        raise BadPDF(f"unreadable PDF: {e}") from e
    try:
        n = len(pdf)
        if n == 0:
            raise BadPDF("the PDF has no pages")
        if n > max_pages:
            raise BadPDF(f"{n} pages: more than the {max_pages} an annual report can have")
        lines: list[Line] = []
        chars = 0
        unmapped = 0
        for index in range(n):
            page = pdf[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
            chars += len(text.strip())
            unmapped += len(_CID.findall(text))
            lines += lines_of(text, page=index + 1)
        if chars == 0:
            raise NeedsOCR(f"no text layer on any of the {n} pages (a scan): OCR needed")
        if unmapped > 0.05 * max(chars, 1):
            raise NeedsOCR(f"{unmapped} glyphs have no Unicode mapping: OCR needed")
        return lines
    finally:
        pdf.close()
