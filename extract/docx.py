"""Word documents into lines: DOCX read with python-docx; DOC, WPS and RTF converted to DOCX first.

The body is walked in document order: paragraphs (with their automatic numbering, ``1.``, ``（一）``,
computed from numbering.xml), tables (gridSpan and vMerge expanded into a grid, one tab-separated
line per grid row, as ``extract/grid.py`` writes them), and text boxes (``w:txbxContent``, once:
the VML fallback copy of a DrawingML text box is skipped). Tables nested in table cells make the
outer table a layout table, whose cells are read as blocks of their own.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from gongkai.extract import grid, limits, pictures
from gongkai.extract.damage import in_words
from gongkai.extract.lines import extract_lines
from gongkai.extract.office import ConversionError, convert, inspect_ole
from gongkai.extract.pictures import Placed
from gongkai.extract.stream import Line
from gongkai.model import Extraction
from gongkai.titles import LEGAL_DIGITS, LEGAL_DIGITS_TRADITIONAL, chinese_numeral

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = f"{{{W}}}"
_P, _TBL, _TR, _TC, _T = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "t"
_TXBX = _W + "txbxContent"
_CONTAINERS = frozenset({_W + "sdt", _W + "sdtContent", _W + "customXml", _TXBX, _W + "body"})
_SKIP = frozenset(
    _W + name
    for name in (
        "pPr",
        "rPr",
        "tblPr",
        "trPr",
        "tcPr",
        "tblGrid",
        "del",
        "moveFrom",
        "delText",
        "instrText",
        "fldChar",
        "footnoteReference",
        "endnoteReference",
        "commentReference",
        "annotationRef",
        "sectPr",
        "bookmarkStart",
        "bookmarkEnd",
        "proofErr",
        "lastRenderedPageBreak",
    )
)
_IMAGES = frozenset(
    {
        "{http://schemas.openxmlformats.org/drawingml/2006/main}blip",
        "{urn:schemas-microsoft-com:vml}imagedata",
    }
)


class NotDocx(ValueError):
    """The bytes are not a Word document that can be read."""


# ------------------------------------------------------------------ automatic numbering

_TRADITIONAL = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"


def _roman(n: int) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = []
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def _letters(n: int) -> str:
    if n <= 0:
        return str(n)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """A list counter as Word prints it in format ``fmt`` (w:numFmt)."""
    if fmt in ("bullet", "none"):
        return ""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "japaneseCounting",
        "ideographDigital",
    ):
        return chinese_numeral(n)
    if fmt == "chineseLegalSimplified":
        return chinese_numeral(n, LEGAL_DIGITS, "拾")
    if fmt == "ideographLegalTraditional":
        return chinese_numeral(n, LEGAL_DIGITS_TRADITIONAL, "拾")
    if fmt == "ideographTraditional":
        return _TRADITIONAL[(n - 1) % 10] if n > 0 else str(n)
    if fmt == "ideographZodiac":
        return _ZODIAC[(n - 1) % 12] if n > 0 else str(n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperRoman", "lowerRoman"):
        r = _roman(n)
        return r if fmt == "upperRoman" else r.lower()
    if fmt in ("upperLetter", "lowerLetter"):
        s = _letters(n)
        return s if fmt == "upperLetter" else s.lower()
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False


def _val(el: etree._Element | None, name: str = "val") -> str | None:
    return None if el is None else el.get(_W + name)


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class Numbering:
    """The labels Word draws in front of numbered paragraphs (``1.``, ``（一）``), counted in order."""

    def __init__(self, numbering: etree._Element | None, styles: etree._Element | None) -> None:
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}
        self.counters: dict[str, list[int | None]] = {}
        self.style_num: dict[str, tuple[str | None, int]] = {}
        if numbering is not None:
            for a in numbering.iterchildren(_W + "abstractNum"):
                levels = {}
                for lvl in a.iterchildren(_W + "lvl"):
                    levels[_int(lvl.get(_W + "ilvl"))] = _Level(
                        start=_int(_val(lvl.find(_W + "start")), 1),
                        fmt=_val(lvl.find(_W + "numFmt")) or "decimal",
                        text=_val(lvl.find(_W + "lvlText")) or "",
                        legal=lvl.find(_W + "isLgl") is not None,
                    )
                self.abstract[a.get(_W + "abstractNumId") or ""] = levels
            for num in numbering.iterchildren(_W + "num"):
                overrides = {}
                for o in num.iterchildren(_W + "lvlOverride"):
                    start = o.find(_W + "startOverride")
                    if start is not None:
                        overrides[_int(o.get(_W + "ilvl"))] = _int(_val(start), 1)
                self.nums[num.get(_W + "numId") or ""] = (
                    _val(num.find(_W + "abstractNumId")) or "",
                    overrides,
                )
        if styles is not None:
            based: dict[str, str] = {}
            own: dict[str, tuple[str | None, int]] = {}
            for s in styles.iterchildren(_W + "style"):
                sid = s.get(_W + "styleId") or ""
                parent = _val(s.find(_W + "basedOn"))
                if parent:
                    based[sid] = parent
                num_pr = s.find(f"{_W}pPr/{_W}numPr")
                if num_pr is not None:
                    own[sid] = (_val(num_pr.find(_W + "numId")), _int(_val(num_pr.find(_W + "ilvl"))))
            for sid in {*based, *own}:
                seen, cur = set(), sid
                while cur and cur not in own and cur not in seen:
                    seen.add(cur)
                    cur = based.get(cur, "")
                if cur in own:
                    self.style_num[sid] = own[cur]

    def label(self, p: etree._Element) -> str:
        num_pr = p.find(f"{_W}pPr/{_W}numPr")
        num_id: str | None = None
        ilvl = 0
        if num_pr is not None:
            num_id = _val(num_pr.find(_W + "numId"))
            ilvl = _int(_val(num_pr.find(_W + "ilvl")))
        if num_id is None:
            style = _val(p.find(f"{_W}pPr/{_W}pStyle"))
            if style and style in self.style_num:
                num_id, style_lvl = self.style_num[style]
                ilvl = ilvl if num_pr is not None else style_lvl
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.abstract.get(abstract_id, {})
        if ilvl not in levels:
            return ""
        key = num_id if overrides else f"a{abstract_id}"
        counters = self.counters.setdefault(key, [None] * 10)
        if not 0 <= ilvl < 10:
            return ""
        start = overrides.get(ilvl, levels[ilvl].start)
        counters[ilvl] = start if counters[ilvl] is None else counters[ilvl] + 1  # type: ignore[operator]
        for deeper in range(ilvl + 1, 10):
            counters[deeper] = None
        level = levels[ilvl]
        text = level.text
        for k in range(9, -1, -1):
            token = f"%{k + 1}"
            if token in text:
                lv = levels.get(k, _Level())
                n = counters[k] if counters[k] is not None else overrides.get(k, lv.start)
                fmt = "decimal" if level.legal and k != ilvl else lv.fmt
                text = text.replace(token, format_number(n or 0, fmt))  # type: ignore[arg-type]
        return "" if level.fmt in ("bullet", "none") else text


# ------------------------------------------------------------------ the body


@dataclass
class Document:
    """A Word document's lines and what else the extractor reports."""

    lines: list[Line]
    images: int = 0
    tables: int = 0
    problems: list[str] = field(default_factory=list)
    pictures: list[tuple[Placed, bytes]] = field(default_factory=list)  # the images, where they stand


class _Walker:
    def __init__(self, numbering: Numbering) -> None:
        self.numbering = numbering
        self.lines: list[Line] = []
        self.images = 0
        self.tables = 0
        self.pictures: list[Placed] = []

    def emit(self, text: str) -> None:
        for piece in text.split("\n"):
            piece = piece.strip()
            if piece.strip("\t \u3000\xa0"):
                self.line(piece)

    def line(self, text: str) -> None:
        limits.check_count(len(self.lines) + 1, limits.MAX_LINES, "lines")
        self.lines.append(Line(text, None, len(self.lines) + 1))

    def block(self, el: etree._Element) -> None:
        if el.tag == _P:
            text, boxes = self.paragraph(el)
            self.emit(text)
            for box in boxes:
                self.block(box)
        elif el.tag == _TBL:
            self.table(el)
        elif el.tag in _CONTAINERS:
            for child in el:
                self.block(child)

    def paragraph(self, p: etree._Element) -> tuple[str, list[etree._Element]]:
        pieces = [self.numbering.label(p)]
        boxes: list[etree._Element] = []
        self._runs(p, pieces, boxes)
        return "".join(pieces), boxes

    def _runs(self, el: etree._Element, pieces: list[str], boxes: list[etree._Element]) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIP:
                continue
            if tag == _T:
                pieces.append(child.text or "")
            elif tag == _W + "tab" or tag == _W + "ptab":
                pieces.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                pieces.append("\n")
            elif tag == _W + "noBreakHyphen":
                pieces.append("-")
            elif tag == _TXBX:
                boxes.append(child)
            elif tag == f"{{{MC}}}AlternateContent":
                choice = child.find(f"{{{MC}}}Choice")
                self._runs(choice if choice is not None else child, pieces, boxes)
            elif tag == f"{{{MC}}}Fallback":
                continue
            elif tag in _IMAGES:
                self.images += 1
                ref = child.get(_R + "embed") or child.get(_R + "id") or ""
                self.pictures.append(Placed(len(self.lines), ref))
            else:
                self._runs(child, pieces, boxes)

    def cell_text(self, tc: etree._Element) -> str:
        texts: list[str] = []
        for el in _blocks(tc):
            if el.tag == _P:
                text, boxes = self.paragraph(el)
                texts.append(text)
                for box in boxes:
                    texts.extend(self.paragraph(p)[0] for p in box.iter(_P))
        return grid.clean(" ".join(texts))

    def table(self, tbl: etree._Element) -> None:
        rows = [tr for tr in _blocks(tbl) if tr.tag == _TR]
        limits.check_table(len(rows), sum(1 for _ in tbl.iter(_TC)))
        if any(inner is not tbl for inner in tbl.iter(_TBL)):
            for tr in rows:
                for tc in _cells(tr):
                    for child in tc:
                        self.block(child)
            return
        self.tables += 1
        cells: list[grid.Cell] = []
        top: dict[int, grid.Cell] = {}  # the cell that a vertical merge in this grid column continues
        for r, tr in enumerate(rows):
            col = _int(_val(tr.find(f"{_W}trPr/{_W}gridBefore")))
            previous: grid.Cell | None = None
            for tc in _cells(tr):
                props = tc.find(_W + "tcPr")
                span = max(1, _int(_val(props.find(_W + "gridSpan")) if props is not None else None, 1))
                v_merge = props.find(_W + "vMerge") if props is not None else None
                h_merge = props.find(_W + "hMerge") if props is not None else None
                if h_merge is not None and _val(h_merge) != "restart" and previous is not None:
                    previous.colspan += span
                    col += span
                    continue
                above = top.get(col)
                if v_merge is not None and _val(v_merge) != "restart" and above is not None:
                    above.rowspan = r - above.row + 1
                    col += span
                    continue
                cell = grid.Cell(self.cell_text(tc), r, col, 1, span)
                cells.append(cell)
                top[col] = cell
                previous = cell
                col += span
        for _, text in grid.grid_rows(cells):
            self.line(text)


def _blocks(el: etree._Element) -> Iterator[etree._Element]:
    """Children, looking through content controls and custom XML wrappers."""
    for child in el:
        if child.tag in (_W + "sdt", _W + "sdtContent", _W + "customXml"):
            yield from _blocks(child)
        else:
            yield child


def _cells(tr: etree._Element) -> Iterator[etree._Element]:
    return (tc for tc in _blocks(tr) if tc.tag == _TC)


def read_docx(data: bytes) -> Document:
    """The lines of a DOCX file, in document order; raises NotDocx."""
    import docx

    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise NotDocx(f"a damaged or truncated Word file (DOCX): {in_words(e)}") from e
    if "word/document.xml" not in names and not any(n.endswith("/document.xml") for n in names):
        raise NotDocx(_zip_kind(names))
    try:
        limits.check_zip(data)
        document = docx.Document(io.BytesIO(data))
        part = document.part
        walker = _Walker(Numbering(_numbering_element(part), document.styles.element))
        walker.block(document.element.body)
        parts = part.related_parts
        shown = [(p, parts[p.ref].blob) for p in walker.pictures if p.ref in parts]
    except limits.TooLarge as e:
        raise NotDocx(str(e)) from e
    except Exception as e:  # zipfile, zlib, lxml and python-docx raise many kinds on a damaged file
        raise NotDocx(f"a damaged Word file (DOCX): {in_words(e)}") from e
    return Document(walker.lines, walker.images, walker.tables, pictures=shown)


def _numbering_element(part: Any) -> Any:
    """The document's numbering.xml element, or None when it has none (automatic numbers unused)."""
    numbering = next(
        (r.target_part for r in part.rels.values() if r.reltype == RT.NUMBERING and not r.is_external),
        None,
    )
    return getattr(numbering, "element", None)


def _zip_kind(names: set[str]) -> str:
    if "xl/workbook.xml" in names:
        return "an Excel workbook (XLSX), not a report document"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint file (PPTX), not a report document"
    if "OFD.xml" in names:
        return "an OFD document: not supported by this extractor version"
    shown = ", ".join(sorted(names)[:5]) or "nothing"
    return f"a zip file with no Word document in it (word/document.xml missing; it holds {shown})"


_ODF_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.text"


def extract_docx(
    data: bytes,
    source: str,
    sha256: str,
    year_hint: int | None = None,
    file_type: str = "docx",
    ocr: bool = True,
) -> Extraction:
    """One DOCX into an Extraction; never raises for bad input. When its text lacks some of the three
    tables, its pictures are read where they stand with ``ocr`` (``extract.pictures``): tables pasted
    as images."""
    try:
        document = read_docx(data)
    except NotDocx as e:
        return Extraction(source=source, sha256=sha256, file_type=file_type, status="failed", error=str(e))
    extraction = _extraction(document, source, sha256, year_hint, file_type)
    if not ocr or not document.pictures or len({c.table for c in extraction.cells if c.raw is not None}) == 3:
        return extraction
    document.lines, recognised, document.problems = pictures.in_place(document.lines, document.pictures)
    return pictures.proven(_extraction(document, source, sha256, year_hint, file_type), recognised)


def _extraction(
    document: Document, source: str, sha256: str, year_hint: int | None, file_type: str
) -> Extraction:
    if not document.lines:
        if document.images:
            error = f"no text, and {document.images} images: a scan, OCR needed"
            return Extraction(source, sha256, file_type, "needs_ocr", error)
        return Extraction(source, sha256, file_type, "failed", "no text in the document")
    extraction = extract_lines(
        document.lines, source=source, sha256=sha256, file_type=file_type, year_hint=year_hint
    )
    extraction.problems = document.problems + extraction.problems
    if extraction.status == "failed" and document.images and not document.tables:
        extraction.status = "needs_ocr"
        extraction.error = (
            f"no tables in the text, and {document.images} images: the tables are images, OCR needed"
        )
    if extraction.status in ("failed", "needs_ocr"):  # the text is kept all the same
        extraction.narrative = extraction.narrative or "\n".join(line.text for line in document.lines)
    return extraction


def extract_office(
    data: bytes, kind: str, source: str, sha256: str, year_hint: int | None = None, ocr: bool = True
) -> Extraction:
    """A zip (DOCX, or ODT), OLE (DOC, WPS) or RTF file: DOCX read directly, the others converted first."""

    def refuse(file_type: str, error: str) -> Extraction:
        return Extraction(source=source, sha256=sha256, file_type=file_type, status="failed", error=error)

    if kind == "zip":
        if data[30:77] == _ODF_MIMETYPE:
            suffix, file_type = ".odt", "odt"
            try:
                limits.check_zip(data)
            except limits.TooLarge as e:
                return refuse(file_type, str(e))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
                return refuse(file_type, f"a damaged or truncated OpenDocument file (ODT): {in_words(e)}")
        else:
            return extract_docx(data, source, sha256, year_hint, ocr=ocr)
    elif kind == "ole":
        found = inspect_ole(data)
        if found.reason:
            return refuse(found.file_type, found.reason)
        suffix, file_type = (".wps", "wps") if found.kind == "works" else (".doc", "doc")
    else:
        suffix, file_type = ".rtf", "rtf"
    try:
        converted = convert(data, suffix, "docx")
    except ConversionError as e:
        return refuse(file_type, str(e))
    return extract_docx(converted, source, sha256, year_hint, file_type=file_type, ocr=ocr)
