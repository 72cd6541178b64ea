"""Where a cell was read: its printed text, page, line and file, and the page region (PDFs) or table
snippet (HTML) it came from, rendered from the archived file and cached under ``data/evidence/``.

A region is found from the cell's box when the cells table has one (OCR), else by searching the page's
characters for the row's label and the printed value on the same line. When neither is found for sure,
the whole page is shown with nothing marked: a wrong mark is worse than none.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from gongkai.errors import Refusal
from gongkai.extract.html import decode_html
from gongkai.fetch.archive import archive_path
from gongkai.limits import read_report

MAX_WIDTH_PX = 1200  # the widest image rendered
MAX_HEIGHT_PX = 1600  # the tallest
BAND_POINTS = 40.0  # points shown above and below the cell's line
MARK = (220, 30, 30)
Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points (origin bottom left)
TopBox = tuple[float, float, float, float]  # left, top, right, bottom in PDF points from the page's top left


@dataclass(frozen=True)
class Evidence:
    """One cell as stored, with where it comes from; ``box`` and ``confidence`` only for cells read by
    OCR (the cells table's box_x0, box_top, box_x1, box_bottom: points from the page's top left)."""

    report_id: str
    sha256: str
    file_type: str | None
    source: str | None
    table_code: str
    row_code: str
    column_code: str
    row_label_zh: str | None
    column_label_zh: str | None
    value: Decimal | None
    raw: str | None
    is_blank: bool | None
    page: int | None
    line: int | None
    source_file: str | None
    box: TopBox | None = None
    confidence: float | None = None


_CELL = """
    SELECT c.report_id, r.sha256, r.file_type, r.source, c.table_code, c.row_code, c.column_code,
        l.row_label_zh, l.column_label_zh, c.value, c.raw, c.is_blank, c.page, c.line, c.source_file{ocr}
    FROM cells AS c
    INNER JOIN reports AS r USING (report_id)
    LEFT JOIN dim_cell_label AS l
        ON l.format = coalesce(c.format, '2021') AND l.table_code = c.table_code
        AND l.row_code = c.row_code AND l.column_code = c.column_code
    WHERE c.report_id = ? AND c.table_code = ? AND c.row_code = ? AND c.column_code = ?
"""


OCR_BOX = (
    "box_x0",
    "box_top",
    "box_x1",
    "box_bottom",
)  # the ocr branch's cells columns, points from the top left


def _ocr_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The OCR columns the cells table has (none in a warehouse from before OCR)."""
    found = {
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'cells'"
        ).fetchall()
    }
    return [name for name in (*OCR_BOX, "confidence") if name in found]


def cell_evidence(
    con: duckdb.DuckDBPyConnection, report_id: str, table_code: str, row_code: str, column_code: str
) -> Evidence | None:
    """The cell as stored with its provenance (None: no such cell)."""
    ocr = _ocr_columns(con)
    sql = _CELL.format(ocr="".join(f", c.{name}" for name in ocr))
    rows = con.execute(sql, [report_id, table_code, row_code, column_code]).fetchall()
    if not rows:
        return None
    plain = [f for f in Evidence.__dataclass_fields__ if f not in ("box", "confidence")]
    values = dict(zip(plain + ocr, rows[0], strict=True))
    corners = [values.pop(name, None) for name in OCR_BOX]
    box = None if None in corners else tuple(float(c) for c in corners)
    return Evidence(**values, box=box)  # type: ignore[arg-type]


def original_file(ev: Evidence, data_dir: Path) -> Path | None:
    """The report's own bytes: the raw archive's copy, else its local source if it still has the
    same sha256 (a file edited since is not the evidence)."""
    archived = archive_path(Path(data_dir) / "raw", ev.sha256)
    if archived.exists():
        return archived
    for candidate in dict.fromkeys(p for p in (ev.source_file, ev.source) if p and "://" not in p):
        path = Path(candidate)
        try:
            if path.is_file() and hashlib.sha256(read_report(path)).hexdigest() == ev.sha256:
                return path
        except (OSError, Refusal):
            continue
    return None


def cache_path(ev: Evidence, data_dir: Path, suffix: str) -> Path:
    """Where a cell's rendered evidence is kept: one name per report version, cell and what locates it
    (page, OCR box, printed text, label), so a new reading of the same file is rendered anew."""
    located = hashlib.sha256(repr((ev.page, ev.box, ev.raw, ev.row_label_zh)).encode()).hexdigest()[:12]
    name = f"{ev.sha256}-{ev.table_code}-{ev.row_code}-{ev.column_code}-{located}{suffix}"
    return Path(data_dir) / "evidence" / ev.sha256[:2] / name


_NUMBERING = re.compile(r"^[\s（(]*[一二三四五六七八九十\d]+[、.．)）]\s*")


def label_key(label: str | None, length: int = 6) -> str | None:
    """The first characters of a row label without its numbering (三、（一）予以公开 -> 予以公开)."""
    if not label:
        return None
    text = label
    while (stripped := _NUMBERING.sub("", text)) != text:
        text = stripped
    text = re.sub(r"\s+", "", text)
    return text[:length] or None


def _boxes(textpage, needle: str) -> list[Box]:  # type: ignore[no-untyped-def]
    """Every place ``needle`` is printed on the page, as one box each."""
    found = []
    searcher = textpage.search(needle, match_case=True, match_whole_word=False)
    while (hit := searcher.get_next()) is not None:
        start, count = hit
        chars = [textpage.get_charbox(i) for i in range(start, start + count)]
        found.append(
            (
                min(c[0] for c in chars),
                min(c[1] for c in chars),
                max(c[2] for c in chars),
                max(c[3] for c in chars),
            )
        )
    searcher.close()
    return found


def _same_line(a: Box, b: Box) -> bool:
    middle = (a[1] + a[3]) / 2
    return b[1] - 2 <= middle <= b[3] + 2


def locate(textpage, ev: Evidence) -> tuple[Box | None, Box | None]:  # type: ignore[no-untyped-def]
    """(the row's line, the cell) on the page: the line from the label to the last place the printed
    value appears on it, and the value when it appears there once; (None, None) when the label is not
    found exactly once."""
    key = label_key(ev.row_label_zh)
    labels = _boxes(textpage, key) if key else []
    if len(labels) != 1:
        return None, None
    label = labels[0]
    raw = (ev.raw or "").strip()
    values = [b for b in _boxes(textpage, raw) if _same_line(b, label) and b[0] > label[2]] if raw else []
    right = max((b[2] for b in values), default=label[2])
    line = (label[0], min(label[1], *(b[1] for b in values)), right, max(label[3], *(b[3] for b in values)))
    return line, values[0] if len(values) == 1 else None


def page_image(ev: Evidence, data_dir: Path) -> Path | None:
    """A PNG of the region of the page around the cell (PDFs with a page), cached; None when there is
    no page or the original file is no longer there."""
    if ev.file_type != "pdf" or not ev.page:
        return None
    out = cache_path(ev, data_dir, ".png")
    if out.exists():
        return out
    source = original_file(ev, data_dir)
    if source is None:
        return None
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    pdf = pdfium.PdfDocument(str(source))
    try:
        if ev.page > len(pdf):
            return None
        page = pdf[ev.page - 1]
        width, height = page.get_size()
        textpage = page.get_textpage()
        if ev.box:
            x0, box_top, x1, box_bottom = ev.box
            line = cell = (x0, height - box_bottom, x1, height - box_top)
        else:
            line, cell = locate(textpage, ev)
        textpage.close()
        scale = min(MAX_WIDTH_PX / width, 3.0)
        top, bottom = height, 0.0
        if line:
            top = min(height, line[3] + BAND_POINTS)
            bottom = max(0.0, line[1] - BAND_POINTS)
        bottom = max(bottom, top - MAX_HEIGHT_PX / scale)
        image = page.render(scale=scale, crop=(0, bottom, 0, height - top)).to_pil().convert("RGB")
        page.close()
    finally:
        pdf.close()
    mark = cell or line
    if mark:
        x0, y0, x1, y1 = (
            (mark[0] - 3) * scale,
            (top - mark[3] - 3) * scale,
            (mark[2] + 3) * scale,
            (top - mark[1] + 3) * scale,
        )
        ImageDraw.Draw(image).rectangle((x0, y0, x1, y1), outline=MARK, width=3)
    return _write(out, lambda path: image.save(path, format="PNG", optimize=False))


def _write(out: Path, save) -> Path:  # type: ignore[no-untyped-def]
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        save(partial)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def html_snippet(ev: Evidence, data_dir: Path) -> str | None:
    """The HTML table the cell was read from, rebuilt from its text alone (every tag and attribute of
    the page dropped, text escaped; only colspan and rowspan kept), the cell's <td> marked
    ``class="gk-cell"`` when found once on its row; None for other formats or a missing file."""
    if ev.file_type != "html":
        return None
    source = original_file(ev, data_dir)
    if source is None:
        return None
    from lxml import etree
    from lxml import html as lxml_html

    text, _, _ = decode_html(read_report(source))
    root = lxml_html.document_fromstring(text)
    key = label_key(ev.row_label_zh)
    for table in root.iter("table"):
        rows = [tr for tr in table.iter("tr") if tr.getparent() is not None]
        if key and not any(key in _text(tr) for tr in rows):
            continue
        return _rebuild(rows, key, (ev.raw or "").strip(), etree)
    return None


def _text(el) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", "", el.text_content())


def _span(value: str | None) -> str:
    return str(int(value)) if value and value.isdigit() and 1 < int(value) <= 100 else ""


def _rebuild(rows, key: str | None, raw: str, etree) -> str:  # type: ignore[no-untyped-def]
    out = ['<table class="gk-evidence">']
    for tr in rows:
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        on_row = bool(key) and key in _text(tr)
        matches = [c for c in cells if on_row and raw and _text(c) == re.sub(r"\s+", "", raw)]
        out.append("<tr>")
        for cell in cells:
            attributes = "".join(
                f' {name}="{_span(cell.get(name))}"'
                for name in ("colspan", "rowspan")
                if _span(cell.get(name))
            )
            marked = ' class="gk-cell"' if len(matches) == 1 and cell is matches[0] else ""
            out.append(f"<td{attributes}{marked}>{html.escape(cell.text_content().strip())}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)
