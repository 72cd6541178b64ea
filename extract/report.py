"""One report file into an Extraction: sniff the type, read its lines, find the tables and the metadata."""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

from gongkai.extract import limits, scan
from gongkai.extract.docx import extract_office
from gongkai.extract.html import extract_html
from gongkai.extract.lines import extract_lines
from gongkai.extract.pdf import extract_pdf
from gongkai.extract.text import NotText, decode, lines_of
from gongkai.model import Extraction, Picture
from gongkai.numbers import absurd

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
    (b"II*\x00", "image"),
    (b"MM\x00*", "image"),
    (b"{\\rtf", "rtf"),
)
_HTML_HINTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta ")
_FRAGMENT_HINTS = (b"<div", b"<table", b"<p>", b"<p ", b"<span")  # an article saved without <html>


def _head(data: bytes) -> bytes:
    """The first bytes as UTF-8, so that a page saved as UTF-16 (with its byte-order mark) is told by its
    tags as well."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data[:4096].decode("utf-16", errors="ignore").encode("utf-8")[:2048]
    return data[:2048]


def sniff(data: bytes) -> str:
    """The kind of file from its first bytes: pdf, zip (DOCX), ole (DOC/WPS), rtf, image, html or text."""
    head = _head(data).lstrip()
    for magic, kind in _MAGIC:
        if data.startswith(magic) or (kind == "pdf" and magic in data[:1024]):
            return kind
    lowered = head[:2048].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or any(h in lowered for h in _HTML_HINTS):
        return "html"
    if lowered.startswith(b"<") and any(h in lowered for h in _FRAGMENT_HINTS):
        return "html"
    return "text"


def extract_bytes(
    data: bytes,
    source: str,
    year_hint: int | None = None,
    content_type: str | None = None,
    ocr: bool = True,
    pictures: dict[str, Picture] | None = None,
    seconds: float | None = None,
) -> Extraction:
    """Extract one report; never raises for bad input: the status and error say what went wrong.

    ``content_type`` is the HTTP header the page was served with (its charset is used for HTML).
    ``ocr``: recognise pictured pages of a PDF, and tables printed as pictures in a web page or a Word
    file (else such a report is ``needs_ocr``); ``pictures``: the pictures fetched for a page, by URL
    (``extract.pictures``); ``seconds``: the report's time limit, of which recognition may take
    ``pdf.OCR_SHARE`` (default: ``gongkai.limits``, the environment's).
    """
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(data) if data else "empty"
    if kind == "text" and content_type and "html" in content_type.lower():
        kind = "html"

    def refuse(status: str, error: str) -> Extraction:
        return Extraction(source=source, sha256=sha, file_type=kind, status=status, error=error)

    if not data:
        return refuse("failed", "empty file (0 bytes)")
    if kind == "image":
        if not ocr:
            return refuse("needs_ocr", "an image, not a document with text: OCR needed")
        return _without_absurd_values(_read_image(data, source, sha, year_hint))
    if kind in ("html", "text"):
        try:
            limits.check_text(data, "page" if kind == "html" else "text")
        except limits.TooLarge as e:
            return refuse("failed", str(e))
    if kind == "html":
        extraction = extract_html(data, source, sha, year_hint, content_type, pictures, ocr)
    elif kind in {"zip", "ole", "rtf"}:
        extraction = extract_office(data, kind, source=source, sha256=sha, year_hint=year_hint, ocr=ocr)
    elif kind == "pdf":
        extraction = extract_pdf(
            data, source=source, sha256=sha, year_hint=year_hint, ocr=ocr, report_seconds=seconds
        )
    else:
        try:
            text, _encoding = decode(data)
            lines = lines_of(text)
        except NotText as e:
            return refuse("failed", str(e))
        extraction = extract_lines(lines, source=source, sha256=sha, file_type=kind, year_hint=year_hint)
    return _without_absurd_values(extraction)


def _read_image(data: bytes, source: str, sha256: str, year_hint: int | None) -> Extraction:
    """A report published as one picture (a scanned page): recognised and proven like a scanned PDF."""
    try:
        page = scan.read_image(data, page=1)
    except ValueError as e:  # scan.load_image says why: not a picture, or too many pixels
        return Extraction(source, sha256, "image", "failed", f"unreadable image: {e}")
    return scan.extract_scans([page], source, sha256, "image", year_hint)


def _without_absurd_values(extraction: Extraction) -> Extraction:
    """Say which printed numbers no cell can believably hold: the transform leaves them NULL
    (``numbers.largest_believable``), and the report is not ``ok``."""
    found = [
        f"{c.table}.{c.row}.{c.column}: {reason}"
        for c in extraction.cells
        if (reason := absurd(c.table, c.column, c.raw))
    ]
    if found:
        extraction.problems = [*extraction.problems, *found]
        if extraction.status == "ok":
            extraction.status = "partial"
        extraction.error = "; ".join(extraction.problems)
    return extraction


def extract_file(path: Path | str, year_hint: int | None = None) -> Extraction:
    path = Path(path)
    return extract_bytes(path.read_bytes(), source=str(path), year_hint=year_hint)
