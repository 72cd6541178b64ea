"""Text lines rebuilt from where the characters are on a page, for the table parser.

A PDF's text order is the order its producer drew things in: column by column, a number before its
label, a wrapped label around its row's numbers, every glyph twice for fake bold. Positions do not
lie, so here each table row becomes one line: with ruling lines, the characters of each cell (found
from the visible lines and rectangles: white ones are ignored, as are white characters), cells
joined by tabs, a merged cell's text on the row where it starts, an empty value cell marked as a
printed blank; without ruling lines, characters clustered into lines by height, a wrapped
label's or number's rest joined to its row. The lines go to the same ``parse_tables`` as any text.

Characters and edges come from pypdfium2 (``pdfium_page_lines``: cheap) or from pdfplumber
(``page_lines``: its pdfminer parse is some 50 ms a page); tables are found from the edges with
pdfplumber's own algorithm either way.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gongkai.extract.stream import Line, Mark, is_page_number
from gongkai.numbers import EMPTY_FIELD, is_value

Obj = dict[str, Any]
Text = tuple[str, tuple[Mark, ...]]  # a line's text and, for characters read by OCR, its tokens' marks

TABLE_SETTINGS = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
    "edge_min_length": 3,
}
SPLIT_CLEAR = 0.15  # of a column's width: how far from a cut a character's middle must stand
MISREAD_CHARS = 3  # read by OCR right of a row's first value, a non-number this short is no label
# a label that starts a row of its own: （一） 1. 一、 and the like, or a parenthesis
_ENUMERATED = re.compile(r"^(?:[（(]|\d{1,2}\s?[.．、]|[一二三四五六七八九十]{1,3}[、.．]|第)")


def _is_white(color: Any) -> bool:
    if color is None:
        return False
    if isinstance(color, int | float):
        return float(color) >= 0.98
    values = [v for v in color if isinstance(v, int | float)]
    if len(values) != len(color) or not values:
        return False  # pattern colours and the like: treat as visible
    if len(values) == 4:  # CMYK
        return all(v <= 0.02 for v in values)
    return all(v >= 0.98 for v in values)


def visible(obj: Obj) -> bool:
    """False for white characters and for rules and rectangles that draw nothing visible."""
    kind = obj.get("object_type")
    if kind == "char":
        return not _is_white(obj.get("non_stroking_color"))
    if kind in {"rect", "line", "curve"}:
        stroked = obj.get("stroke", True) and not _is_white(obj.get("stroking_color"))
        filled = obj.get("fill", False) and not _is_white(obj.get("non_stroking_color"))
        return bool(stroked or filled)
    return True


def _join(chars: Sequence[Obj]) -> str:
    """One line's characters, left to right; a gap wider than a third of the size is a space."""
    out: list[str] = []
    prev: Obj | None = None
    for ch in chars:
        if prev is not None:
            gap = ch["x0"] - prev["x1"]
            if gap > 0.33 * max(ch["size"], 1.0):
                out.append(" ")
        out.append(ch["text"])
        prev = ch
    return "".join(out).strip()


def cluster_lines(chars: Iterable[Obj]) -> list[list[Obj]]:
    """Characters grouped into text lines by their vertical middle, each line sorted by x."""
    ordered = sorted(chars, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"]))
    lines: list[list[Obj]] = []
    middle = 0.0
    for ch in ordered:
        mid = (ch["top"] + ch["bottom"]) / 2
        if lines and abs(mid - middle) <= 0.45 * max(ch["size"], 1.0):
            lines[-1].append(ch)
        else:
            lines.append([ch])
            middle = mid
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


@dataclass
class _Word:
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    text: str
    confidence: float | None = None  # OCR: the least of its characters'

    @property
    def is_value(self) -> bool:
        return is_value(self.text)


def _words(line: list[Obj]) -> list[_Word]:
    """A line's characters cut into words at every gap wider than a third of the size."""
    words: list[_Word] = []
    for ch in line:
        w = words[-1] if words else None
        if w is not None and ch["x0"] - w.x1 <= 0.33 * max(ch["size"], 1.0):
            w.text += ch["text"]
            w.x1 = max(w.x1, ch["x1"])
            w.top, w.bottom = min(w.top, ch["top"]), max(w.bottom, ch["bottom"])
            w.confidence = _least(w.confidence, ch.get("confidence"))
        else:
            words.append(
                _Word(
                    ch["x0"], ch["x1"], ch["top"], ch["bottom"], ch["size"], ch["text"], ch.get("confidence")
                )
            )
    return words


def _least(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _mark(x0: float, top: float, x1: float, bottom: float, chars: Iterable[Obj]) -> Mark:
    confidence: float | None = None
    for ch in chars:
        confidence = _least(confidence, ch.get("confidence"))
    return Mark(round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1), confidence)


def _number_above(w: _Word, row: list[_Word]) -> _Word | None:
    return next((r for r in row if r.is_value and r.x0 - w.size <= (w.x0 + w.x1) / 2 <= r.x1 + w.size), None)


def _goes_on(line: list[_Word], row: list[_Word], bottom: float) -> bool:
    """A line that goes on the row just above it in a borderless table: the rest of a wrapped label
    (left of the row's numbers; the numbers sit on the label's first or middle line) and the rest
    of numbers too wide for their cells (digits right under a number: ``16676`` / ``5``)."""
    first_value = min((w.x0 for w in row if w.is_value), default=None)
    if first_value is None or line[0].top - bottom > 0.8 * max(w.size for w in line):
        return False
    digits = [w for w in line if w.text.isdigit() and _number_above(w, row)]
    if len(digits) >= sum(1 for w in row if w.is_value):
        return False  # numbers under every number: a row of its own
    labels = [w for w in line if w not in digits]
    return all(not w.is_value and w.x1 < first_value and not _ENUMERATED.match(w.text) for w in labels)


def free_lines(chars: list[Obj]) -> list[tuple[float, Text]]:
    """Lines of the text outside ruled tables, with the top of each; fields apart by a wide gap
    are separated by tabs. A wrapped label's or number's rest joins its row's line, word under word."""
    rows: list[tuple[list[_Word], float]] = []  # words, bottom of the last line merged in
    for line in cluster_lines(chars):
        words = _words(line)
        if not (rows and _goes_on(words, *rows[-1])):
            rows.append((words, max(w.bottom for w in words)))
            continue
        row, _ = rows[-1]
        for w in words:
            number = _number_above(w, row) if w.text.isdigit() else None
            if number is not None:
                number.text += w.text
                number.confidence = _least(number.confidence, w.confidence)
                continue
            above = [r for r in row if not r.is_value and r.x0 - 1 <= (w.x0 + w.x1) / 2 <= r.x1 + 1]
            if above:
                above[0].text += w.text
                above[0].x1 = max(above[0].x1, w.x1)
                above[0].confidence = _least(above[0].confidence, w.confidence)
            else:
                row.append(w)
        row.sort(key=lambda w: w.x0)
        rows[-1] = (row, max(w.bottom for w in words))
    ocr = any("confidence" in ch for ch in chars)
    out: list[tuple[float, Text]] = []
    for words, _ in rows:
        parts: list[str] = []
        for i, w in enumerate(words):
            if i:
                gap = w.x0 - words[i - 1].x1
                parts.append("\t" if gap > 1.2 * max(w.size, 1.0) else " ")
            parts.append(w.text)
        marks = tuple(Mark(w.x0, w.top, w.x1, w.bottom, w.confidence) for w in words) if ocr else ()
        out.append((min(w.top for w in words), ("".join(parts), marks)))
    return out


class _CellIndex:
    """Find the cell of a point through the grid of all cell edges (merged cells cover several slots)."""

    def __init__(self, cells: Sequence[tuple[float, float, float, float]]):
        self.xs = sorted({round(v, 1) for c in cells for v in (c[0], c[2])})
        self.ys = sorted({round(v, 1) for c in cells for v in (c[1], c[3])})
        self.slots: dict[tuple[int, int], int] = {}
        for k, (x0, top, x1, bottom) in enumerate(cells):
            for i in range(bisect_right(self.xs, round(x0, 1)) - 1, bisect_right(self.xs, round(x1, 1)) - 1):
                for j in range(
                    bisect_right(self.ys, round(top, 1)) - 1, bisect_right(self.ys, round(bottom, 1)) - 1
                ):
                    self.slots.setdefault((i, j), k)

    def find(self, x: float, y: float) -> int | None:
        i = bisect_right(self.xs, x) - 1
        j = bisect_right(self.ys, y) - 1
        return self.slots.get((i, j))


def _cell_text(lines: list[list[Obj]]) -> str:
    """A cell's lines; a number that wrapped in a narrow cell (``16400`` / ``1``) is joined again."""
    text = ""
    for line in lines:
        part = _join(line)
        if text and part:
            glued = text[-1].isdigit() and (part[0].isdigit() or part[0] == ".")
            text += "" if glued else " "
        text += part
    return text


def _table_rows(table: Any, chars: list[Obj]) -> list[Text]:
    """One tab-separated line per table row; a merged cell's text on the row where it starts. Read by
    OCR, each token is marked with its cell's box and the least confidence of the cell's characters."""
    rows = table.rows
    cells = [c for row in rows for c in row.cells if c is not None]
    index = _CellIndex(cells)
    content: dict[int, list[Obj]] = {}
    loose: list[Obj] = []  # in no cell
    for ch in chars:
        k = index.find((ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2)
        if k is not None:
            content.setdefault(k, []).append(ch)
        else:
            loose.append(ch)
    texts = [_cell_text(cluster_lines(content.get(k, []))) for k in range(len(cells))]
    ocr = any("confidence" in ch for ch in chars)
    placed: list[list[_Part]] = []
    k = 0
    for row in rows:
        parts: list[_Part] = []
        for cell in row.cells:
            if cell is None:
                continue
            parts.append(_Part(texts[k], cells[k], content.get(k, [])))
            k += 1
        placed.append(parts)
    if ocr:
        tops = [row.bbox[1] for row in rows]
        placed = _below_lost_rules(placed, tops)
        bands = list(zip(tops, [*tops[1:], rows[-1].bbox[3]], strict=True))
        placed = _cells_without_rules(placed, bands, index, loose)
    out: list[Text] = []
    for parts in placed:
        if ocr:
            parts = _split_wide(parts, index.xs)
        fields = [p.text.replace("\t", " ") for p in parts]
        marks = [_mark(*p.box, p.chars) for p in parts] if ocr else []
        if ocr:
            fields = _misread_as_empty(_two_in_one(fields, parts))
        labels = [i for i, f in enumerate(fields) if f and not is_value(f)]
        if any(is_value(f) for f in fields):
            # an empty cell right of the row's labels is a value printed blank
            first = labels[-1] + 1 if labels else 0
            fields = [f or (EMPTY_FIELD if i >= first else f) for i, f in enumerate(fields)]
        line = "\t".join(f for f in fields if f)
        if line:
            kept = tuple(m for f, m in zip(fields, marks, strict=True) for _ in f.split()) if ocr else ()
            out.append((line, kept))
    return out


@dataclass
class _Part:
    """A table cell of one row: its text, its box (points) and its characters."""

    text: str
    box: tuple[float, float, float, float]
    chars: list[Obj]


def _below_lost_rules(rows: list[list[_Part]], tops: list[float]) -> list[list[_Part]]:
    """A table's rows read by OCR, where a cell reaches down over rows below it (the scan lost the rule
    under it: a seal's ring faded over it). Each of its text lines that stands in a lower row right of
    its first value, where that row has no cell of its own, and is numbers or a short misreading, goes
    to that row, in its place left to right; the rest (a header's words, a label's wrapped lines) stays
    where the cell starts."""
    out = [list(parts) for parts in rows]
    for r, parts in enumerate(rows):
        for p in parts:
            x0, _, x1, bottom = p.box
            lower = [j for j in range(r + 1, len(rows)) if tops[j] < bottom - 1.0]
            kept = list(p.chars)
            for line in cluster_lines(p.chars) if lower else []:
                middle = sum(ch["top"] + ch["bottom"] for ch in line) / (2 * len(line))
                j = max((j for j in lower if tops[j] <= middle), default=None)
                text = _join(line)
                below = out[j] if j is not None else []
                values = [q.box[0] for q in below if q.text and is_value(q.text)]
                short = all(is_value(t) for t in text.split()) or _misread(text)
                covered = not any(q.box[0] < x1 - 1.0 and q.box[2] > x0 + 1.0 for q in below)
                if j is None or not values or x0 < min(values) or not short or not covered:
                    continue
                band = (tops[j], min(bottom, tops[j + 1] if j + 1 < len(tops) else bottom))
                moved = _Part(_cell_text([line]), (x0, band[0], x1, band[1]), line)
                out[j].insert(bisect_right([q.box[0] for q in out[j]], x0), moved)
                gone = {id(ch) for ch in line}
                kept = [ch for ch in kept if id(ch) not in gone]
            if len(kept) < len(p.chars):
                i = next(i for i, q in enumerate(out[r]) if q is p)
                out[r][i] = _Part(_cell_text(cluster_lines(kept)), p.box, kept)
    return out


def _cells_without_rules(
    rows: list[list[_Part]], bands: list[tuple[float, float]], index: _CellIndex, loose: list[Obj]
) -> list[list[_Part]]:
    """A table's rows read by OCR, each place between the table's column edges that no cell covers, right
    of a row's first value and under the rows above (as far right as one of their cells reaches: the
    header cell over the lost one may have lost its rules too), made a cell of its own with the
    characters in it: the scan lost the rules around the cell (a seal over it), and the row keeps its
    count of values (a cell without a readable value is then read again by the proof)."""
    out: list[list[_Part]] = []
    for r, (parts, (top, bottom)) in enumerate(zip(rows, bands, strict=True)):
        values = [p.box[0] for p in parts if p.text and is_value(p.text)]
        if not values or not r or not rows[r - 1]:
            out.append(parts)
            continue
        left, right = min(values) - 1.0, max(p.box[2] for above in rows[:r] for p in above) + 1.0
        added: list[_Part] = []
        for a, b in itertools.pairwise(index.xs):
            if a < left or b > right or index.find((a + b) / 2, (top + bottom) / 2) is not None:
                continue
            inside = [
                ch
                for ch in loose
                if a <= (ch["x0"] + ch["x1"]) / 2 < b and top <= (ch["top"] + ch["bottom"]) / 2 < bottom
            ]
            added.append(_Part(_cell_text(cluster_lines(inside)), (a, top, b, bottom), inside))
        out.append(sorted([*parts, *added], key=lambda p: p.box[0]) if added else parts)
    return out


def _usual_width(parts: list[_Part]) -> float | None:
    """The median width of a row's value cells; None with fewer than three to go by."""
    widths = sorted(p.box[2] - p.box[0] for p in parts if p.text and is_value(p.text))
    return widths[len(widths) // 2] if len(widths) >= 3 else None


def _split_wide(parts: list[_Part], xs: Sequence[float]) -> list[_Part]:
    """A row's cells read by OCR, a value cell about twice as wide as the row's others (or thrice…)
    cut again into columns: the scan lost the rule between two values (a seal's ring faded over
    it). The cut is along the table's column edges inside it (else evenly), and each character goes
    back to the column it stands in; a character astride a cut leaves the cell whole. A misread digit
    (``_misread``) goes back to its column too, to be read again there."""
    usual = _usual_width(parts)
    first = _first_value([p.text for p in parts])
    if usual is None:
        return parts
    out = parts[:first]
    for p in parts[first:]:
        x0, top, x1, bottom = p.box
        columns = round((x1 - x0) / usual)
        inner = [x for x in xs if x0 + 0.3 * usual < x < x1 - 0.3 * usual]
        if len(inner) != columns - 1:
            inner = [x0 + (x1 - x0) * j / columns for j in range(1, columns)]
        centres = [(ch["x0"] + ch["x1"]) / 2 for ch in p.chars]
        astride = any(abs(c - x) < SPLIT_CLEAR * usual for c in centres for x in inner)
        if columns < 2 or astride or not all(is_value(t) or _misread(t) for t in p.text.split()):
            out.append(p)
            continue
        for a, b in itertools.pairwise([x0, *inner, x1]):
            chars = [ch for ch, c in zip(p.chars, centres, strict=True) if a <= c < b]
            out.append(_Part(_cell_text(cluster_lines(chars)), (a, top, b, bottom), chars))
    return out


def _two_in_one(fields: list[str], parts: list[_Part]) -> list[str]:
    """A row's cells read by OCR, a value cell no wider than the row's others that holds two numbers (a
    seal's speck read as a digit beside its value) made an empty cell: the proof then reads it again,
    and the row keeps its other values in their columns."""
    usual = _usual_width(parts)
    if usual is None:
        return fields

    def two(f: str, p: _Part) -> bool:
        numbers = f.split()
        return len(numbers) > 1 and all(map(is_value, numbers)) and p.box[2] - p.box[0] < 1.5 * usual

    first = next((i for i, f in enumerate(fields) if f and all(map(is_value, f.split()))), len(fields))
    pairs = enumerate(zip(fields, parts, strict=True))
    return [EMPTY_FIELD if i >= first and two(f, p) else f for i, (f, p) in pairs]


def _first_value(fields: Sequence[str]) -> int:
    """The place of a row's first value cell (the row's length when it has none)."""
    return next((i for i, f in enumerate(fields) if f and is_value(f)), len(fields))


def _misread_as_empty(fields: list[str]) -> list[str]:
    """A row's cells read by OCR, each short non-number right of a value (a digit a seal's ring cut,
    read as ``(`` or as a seal's word) made an empty cell: the proof then finds ink in it and reads it
    again, and the row keeps its other values in their columns."""
    first = _first_value(fields)
    return [EMPTY_FIELD if i > first and _misread(f) else f for i, f in enumerate(fields)]


def _misread(text: str) -> bool:
    """Whether a cell's text read by OCR is a non-number short enough to be a digit misread (a 0 a
    seal's ring cut read as ``o`` or ``(``, a seal's word), not a label."""
    return bool(text) and not is_value(text) and len(text.replace(" ", "")) <= MISREAD_CHARS


def find_tables(edges: list[Obj]) -> list[Any]:
    """Ruled tables from visible edges, with pdfplumber's own algorithm (snap, join, intersect, cells)."""
    from pdfplumber.table import (
        Table,
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
        merge_edges,
    )
    from pdfplumber.utils import filter_edges

    s = TABLE_SETTINGS
    merged = merge_edges(
        edges, s["snap_tolerance"], s["snap_tolerance"], s["join_tolerance"], s["join_tolerance"]
    )
    merged = filter_edges(merged, min_length=s["edge_min_length"])
    cells = intersections_to_cells(
        edges_to_intersections(merged, s["intersection_tolerance"], s["intersection_tolerance"])
    )
    return [Table(None, group) for group in cells_to_tables(cells) if len(group) > 1]  # type: ignore[arg-type]


def lines_from_objects(chars: list[Obj], edges: list[Obj], page_number: int) -> list[Line]:
    """A page's lines in reading order from its visible characters and ruling edges (top-down
    coordinates, as pdfplumber gives them): each ruled table row one line, the rest by height."""
    blocks: list[tuple[float, list[Text]]] = []
    rest = [c for c in chars if c["text"].strip()]
    for table in find_tables(edges):
        x0, top, x1, bottom = table.bbox
        inside: list[Obj] = []
        outside: list[Obj] = []
        for ch in rest:
            mx, my = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
            (inside if x0 <= mx <= x1 and top <= my <= bottom else outside).append(ch)
        rest = outside
        blocks.append((top, _table_rows(table, inside)))
    for top, text in free_lines(rest):
        blocks.append((top, [text]))
    blocks.sort(key=lambda b: b[0])
    lines: list[Line] = []
    for _, texts in blocks:
        for text, marks in texts:
            if text and not is_page_number(text):
                lines.append(Line(text, page_number, len(lines) + 1, marks))
    return lines


# ------------------------------------------------------------------ pdfplumber


def page_lines(page: Any, page_number: int) -> list[Line]:
    """The lines of one pdfplumber page, rebuilt from positions: white objects dropped, fake-bold
    duplicates removed."""
    clean = page.filter(visible).dedupe_chars(tolerance=1)
    return lines_from_objects(list(clean.chars), list(clean.edges), page_number)


# ------------------------------------------------------------------ pypdfium2


def _white_rgba(r: int, g: int, b: int, a: int) -> bool:
    return a == 0 or (r >= 250 and g >= 250 and b >= 250)


def dedupe(chars: list[Obj], tolerance: float = 1.0) -> list[Obj]:
    """Drop a character drawn again at (almost) the same place: fake bold."""
    kept: list[Obj] = []
    seen: dict[tuple[str, int, int], list[Obj]] = {}
    for ch in chars:
        kx, ky = int(ch["x0"] // tolerance), int(ch["top"] // tolerance)
        twins = [
            o
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for o in seen.get((ch["text"], kx + dx, ky + dy), ())
            if abs(o["x0"] - ch["x0"]) <= tolerance and abs(o["top"] - ch["top"]) <= tolerance
        ]
        if twins:
            continue
        seen.setdefault((ch["text"], kx, ky), []).append(ch)
        kept.append(ch)
    return kept


def pdfium_chars(textpage: Any, height: float) -> list[Obj]:
    """Visible characters of a pypdfium2 text page with their loose boxes, top-down like pdfplumber."""
    import ctypes

    import pypdfium2.raw as c

    raw = textpage.raw
    n = c.FPDFText_CountChars(raw)
    rect = c.FS_RECTF()
    r, g, b, a = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
    text = textpage.get_text_range(0, n) if n else ""
    out: list[Obj] = []
    for i in range(min(n, len(text))):
        ch = text[i]
        if ch.isspace() or c.FPDFText_IsGenerated(raw, i) == 1:
            continue
        if not c.FPDFText_GetLooseCharBox(raw, i, rect):
            continue
        if c.FPDFText_GetFillColor(raw, i, r, g, b, a) and _white_rgba(r.value, g.value, b.value, a.value):
            continue
        top, bottom = height - rect.top, height - rect.bottom
        out.append(
            {
                "text": ch,
                "x0": rect.left,
                "x1": rect.right,
                "top": top,
                "bottom": bottom,
                "size": max(bottom - top, 1.0) * 0.85,
            }
        )
    return dedupe(out)


def _edge(x0: float, top: float, x1: float, bottom: float, orientation: str) -> Obj:
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
        "object_type": "line",
    }


def pdfium_edges(page: Any, height: float) -> list[Obj]:
    """Straight visible ruling edges of the page's path objects (thin filled rectangles count as rules)."""
    import ctypes

    import pypdfium2.raw as c

    edges: list[Obj] = []
    r, g, b, a = (ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint())
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    matrix = c.FS_MATRIX()
    px, py = ctypes.c_float(), ctypes.c_float()
    raw = page.raw
    for k in range(c.FPDFPage_CountObjects(raw)):
        obj = c.FPDFPage_GetObject(raw, k)
        if c.FPDFPageObj_GetType(obj) != c.FPDF_PAGEOBJ_PATH:
            continue
        if not c.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
            continue
        stroked = (
            bool(stroke.value)
            and c.FPDFPageObj_GetStrokeColor(obj, r, g, b, a)
            and not _white_rgba(r.value, g.value, b.value, a.value)
        )
        filled = (
            fill_mode.value != 0
            and c.FPDFPageObj_GetFillColor(obj, r, g, b, a)
            and not _white_rgba(r.value, g.value, b.value, a.value)
        )
        if not (stroked or filled):
            continue
        if not c.FPDFPageObj_GetMatrix(obj, matrix):
            continue
        points: list[tuple[float, float, int, bool]] = []
        for i in range(c.FPDFPath_CountSegments(obj)):
            seg = c.FPDFPath_GetPathSegment(obj, i)
            c.FPDFPathSegment_GetPoint(seg, px, py)
            x = matrix.a * px.value + matrix.c * py.value + matrix.e
            y = matrix.b * px.value + matrix.d * py.value + matrix.f
            points.append(
                (x, height - y, c.FPDFPathSegment_GetType(seg), bool(c.FPDFPathSegment_GetClose(seg)))
            )
        segments: list[tuple[float, float, float, float]] = []
        start = current = None
        for x, y, kind, close in points:
            if kind == c.FPDF_SEGMENT_MOVETO:
                start = current = (x, y)
                continue
            if current is not None and kind == c.FPDF_SEGMENT_LINETO:
                segments.append((*current, x, y))
            current = (x, y)
            if close and start is not None:
                segments.append((x, y, *start))
                current = start
        if not stroked and segments:
            # a filled shape: a thin one is a rule, a wide one (cell shading) gives its four sides
            xs = [v for s in segments for v in (s[0], s[2])]
            ys = [v for s in segments for v in (s[1], s[3])]
            x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
            if bottom - top <= 2.5:
                edges.append(_edge(x0, (top + bottom) / 2, x1, (top + bottom) / 2, "h"))
                continue
            if x1 - x0 <= 2.5:
                edges.append(_edge((x0 + x1) / 2, top, (x0 + x1) / 2, bottom, "v"))
                continue
        for x0, y0, x1, y1 in segments:
            if abs(y1 - y0) <= 0.5 and abs(x1 - x0) > 0.5:
                edges.append(_edge(min(x0, x1), y0, max(x0, x1), y0, "h"))
            elif abs(x1 - x0) <= 0.5 and abs(y1 - y0) > 0.5:
                edges.append(_edge(x0, min(y0, y1), x0, max(y0, y1), "v"))
    return edges


def pdfium_page_lines(page: Any, textpage: Any, page_number: int) -> list[Line]:
    """The lines of one pypdfium2 page, rebuilt from positions (much cheaper than pdfplumber's parse)."""
    height = page.get_height()
    return lines_from_objects(pdfium_chars(textpage, height), pdfium_edges(page, height), page_number)
