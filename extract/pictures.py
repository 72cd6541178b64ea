"""Tables printed as pictures inside a web page or a Word file: each picture recognised and its lines put
where the picture stands, so that the same table reader reads them with the text around them.

Where a page's pictures come from:

- the nightly run fetches them like any body and gives them back by URL (``Source.pictures``);
- a page read from a local file (``gongkai parse page.html``, a local catalog source) finds them as
  files under its own folder: a relative ``src`` only, a regular file within ``MAX_PICTURE_BYTES``;
- a ``data:`` URI is in the page itself.

A picture whose text has none of the tables' labels (a photo, a banner) adds nothing. Each picture's
lines carry its number in the document as their ``page``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from gongkai.extract import proof, scan
from gongkai.extract.scan import Page
from gongkai.extract.stream import Line
from gongkai.limits import MB, NotAReportFile, read_report
from gongkai.model import Extraction, Picture

MAX_PICTURES = 24  # pictures read in one document (a report's tables take a few)
MAX_PICTURE_BYTES = 20 * MB
_DATA_URI = re.compile(r"data:image/[\w.+-]+;base64,(.*)", re.S | re.I)
_TABLE_LABELS = re.compile(
    r"本年新收|上年结转|予以公开|不予公开|无法提供|行政复议|行政诉讼|第二十条|信息内容|申请人情况|结果维持|"
    r"行政许可|行政处罚|本年制发|结转下年度"
)


@dataclass(frozen=True)
class Placed:
    """A picture in a document: before line ``at`` of the document's lines; ``ref`` is the HTML ``src``
    or the DOCX relationship id."""

    at: int
    ref: str


def page_picture(src: str, page: str, given: dict[str, Picture]) -> Picture:
    """The picture a page's ``<img src>`` shows: inline, given by the run, or beside a local page.
    A picture with neither bytes nor an error is still to be fetched (its ``url``)."""
    src = src.strip()
    inline = _DATA_URI.match(src)
    if inline:
        try:
            return Picture("data:", data=base64.b64decode(inline.group(1), validate=False))
        except (binascii.Error, ValueError) as e:
            return Picture("data:", error=f"a data: URI that is not base64: {e}")
    if re.match(r"https?://", page, re.I):
        url = urljoin(page, src)
        return given.get(url, Picture(url))
    if urlsplit(src).scheme:  # an absolute URL in a page read from a file
        return given.get(src, Picture(src))
    return _beside(Path(page), src)


def _beside(page: Path, src: str) -> Picture:
    folder = page.resolve().parent
    path = (folder / unquote(urlsplit(src).path).lstrip("/")).resolve()
    if not path.is_relative_to(folder):
        return Picture(src, error=f"{src} is outside the page's folder: not read")
    try:
        return Picture(src, data=read_report(path, MAX_PICTURE_BYTES))
    except NotAReportFile as e:
        return Picture(src, error=str(e))
    except OSError as e:
        return Picture(src, error=f"cannot read {src}: {e.strerror or e}")


def in_place(
    lines: list[Line], pictures: list[tuple[Placed, bytes]]
) -> tuple[list[Line], dict[int, Page], list[str]]:
    """``lines`` with each picture's recognised lines where it stands, the pictures read (by number, for
    the proof) and what went wrong."""
    out: list[Line] = []
    pages: dict[int, Page] = {}
    problems: list[str] = []
    pos = 0
    for number, (placed, data) in enumerate(pictures[:MAX_PICTURES], start=1):
        out += lines[pos : placed.at]
        pos = max(pos, placed.at)
        try:
            found = scan.read_image(data, number)
        except ValueError as e:
            problems.append(f"picture {number} ({placed.ref[:80]}): {e}")
            continue
        if _TABLE_LABELS.search("".join(line.text for line in found.lines)):
            out += found.lines
            pages[number] = found.page
    if len(pictures) > MAX_PICTURES:
        problems.append(f"{len(pictures)} pictures: only the first {MAX_PICTURES} were read")
    return out + lines[pos:], pages, problems


def proven(extraction: Extraction, pages: dict[int, Page]) -> Extraction:
    """A reading of a document whose tables are (partly) pictures: every cell read from a picture is
    certain or proven by the identities, else NULL with the reason (``extract.proof``); ``read_by``
    is ``text+ocr`` (the page's text gave the narrative) when a cell came from a picture."""
    return proof.prove(extraction, pages, text=True)
