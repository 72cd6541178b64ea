"""The readers' own bounds: what a report file may hold once decompressed and parsed.

A file past a bound is not read: its extraction is ``failed`` with the bound in words ("the document's
XML is 1.9 GB uncompressed, more than the 64 MB allowed"). A real annual report is far inside every
bound (a document.xml of a few MB, fewer than 2,000 paragraphs, tables of 40 rows). The README's
"Limits" section lists them.
"""

from __future__ import annotations

import io
import zipfile

MB = 1024 * 1024
MAX_XML_BYTES = 64 * MB  # one XML part of a DOCX/ODT, uncompressed
MAX_ZIP_BYTES = 256 * MB  # every part of a DOCX/ODT together, uncompressed (images included)
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for a part over 1 MB (XML packs 5–20 times; a bomb, 1000)
MAX_ZIP_PARTS = 10_000  # parts in a DOCX/ODT (a report has fewer than 100)
MAX_XML_ELEMENTS = 2_000_000  # elements of one XML part (a report's document.xml: under 100,000)
MAX_LINES = 200_000  # lines of a Word document (its paragraphs and table rows)
MAX_TABLE_ROWS = 5_000  # rows of one table (DOCX or HTML)
MAX_TABLE_CELLS = 200_000  # cells of one table (DOCX or HTML)
MAX_TEXT_BYTES = 64 * MB  # a text or HTML report as served, before decoding (so as many characters at most)


class TooLarge(ValueError):
    """A file past one of the readers' bounds; its text says which, in words."""


def size(n: float) -> str:
    """A size in words: ``1.9 GB``, ``64 MB``, ``900 bytes``."""
    for unit, factor in (("GB", 1024 * MB), ("MB", MB), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.3g} {unit}"
    return f"{n:.0f} bytes"


def check_text(data: bytes, what: str) -> None:
    if len(data) > MAX_TEXT_BYTES:
        raise TooLarge(f"the {what} is {size(len(data))}, more than the {size(MAX_TEXT_BYTES)} allowed")


def check_zip(data: bytes) -> None:
    """A DOCX/ODT's parts, from the zip's directory before anything is decompressed; then the main
    XML parts' elements, counted before they are parsed."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = z.infolist()
        if len(parts) > MAX_ZIP_PARTS:
            raise TooLarge(f"the document has {len(parts):,} parts, more than the {MAX_ZIP_PARTS:,} allowed")
        total = sum(p.file_size for p in parts)
        if total > MAX_ZIP_BYTES:
            raise TooLarge(
                f"the document is {size(total)} uncompressed, more than the {size(MAX_ZIP_BYTES)} allowed"
            )
        for p in parts:
            if p.filename.endswith((".xml", ".rels")) and p.file_size > MAX_XML_BYTES:
                raise TooLarge(
                    f"the document's XML ({p.filename}) is {size(p.file_size)} uncompressed, "
                    f"more than the {size(MAX_XML_BYTES)} allowed"
                )
            if p.file_size > MB and p.file_size > MAX_ZIP_RATIO * max(p.compress_size, 1):
                raise TooLarge(
                    f"{p.filename} unpacks {p.file_size // max(p.compress_size, 1):,} times its packed size "
                    f"({size(p.file_size)}), more than the {MAX_ZIP_RATIO} times allowed: a zip bomb"
                )
        for p in parts:
            if p.filename.endswith(".xml"):
                xml = z.read(p)
                elements = xml.count(b"<") - xml.count(b"</")
                check_count(elements, MAX_XML_ELEMENTS, f"XML elements in {p.filename}")


def check_count(n: int, bound: int, what: str) -> None:
    if n > bound:
        raise TooLarge(f"the document has {n:,} {what}, more than the {bound:,} allowed")


def check_table(rows: int, cells: int) -> None:
    check_count(rows, MAX_TABLE_ROWS, "rows in one table")
    check_count(cells, MAX_TABLE_CELLS, "cells in one table")
