"""Tables with merged cells laid out as a grid, one tab-separated line per grid row.

HTML (rowspan/colspan) and DOCX (gridSpan/vMerge) tables become ``Cell``s on a grid. Each row is
written once, left to right: a merged cell only in its first row and column, so a label or a number
is never repeated. An empty cell where a value belongs is a printed blank, written as
``EMPTY_FIELD``: that is, after the row's last label, in the value area (right of where the rows
that print numbers end their labels), under a column header of its own. Empty slots that are layout
leftovers (under a header whose value this row already printed, as with a ``colspan`` that a page
forgot) are dropped, and so are empty rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from gongkai.extract.stream import EMPTY_FIELD

MAX_COLSPAN = 100
_SPACE = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
_VALUE_TEXT = re.compile(
    r"[-+]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|条|个|项|次|%)?(?:\(.{0,60}\))?"
    r"|/|-|—+|–|─|无|&nbsp;|" + EMPTY_FIELD
)


@dataclass
class Cell:
    """One table cell placed on the grid: its first row and column and how far it spans."""

    text: str
    row: int = 0
    col: int = 0
    rowspan: int = 1
    colspan: int = 1


def clean(text: str) -> str:
    """Whitespace (also non-breaking and ideographic spaces, tabs) collapsed to single spaces."""
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", " ").replace("\ufeff", " ")
    return " ".join(text.split())  # str.split() knows \xa0 and \u3000 as spaces


def kind_of(text: str) -> str:
    """``empty``, ``value`` (a number as printed, or a blank marker) or ``label``."""
    if not text:
        return "empty"
    if text.isascii() and text.isdigit():
        return "value"
    if "\u4e00" <= text[0] <= "\u9fff" and text != "无":
        return "label"  # a Han character first: a label (无 alone is a blank marker)
    compact = _SPACE.sub("", unicodedata.normalize("NFKC", text))
    if not compact:
        return "empty"
    return "value" if _VALUE_TEXT.fullmatch(compact) else "label"


def place(rows: Sequence[Sequence[tuple[str, int, int]]]) -> list[Cell]:
    """HTML placement: ``(text, rowspan, colspan)`` per row, each at the first free column.

    A rowspan of 0 or past the table's end reaches its last row.
    """
    n_rows = len(rows)
    below: list[set[int]] = [set() for _ in range(n_rows)]  # columns taken by rowspans from above
    cells: list[Cell] = []
    for r, row in enumerate(rows):
        c = 0
        taken = below[r]
        for text, rowspan, colspan in row:
            while c in taken:
                c += 1
            cs = colspan if 1 <= colspan <= MAX_COLSPAN else (1 if colspan < 1 else MAX_COLSPAN)
            rs = 1
            if rowspan != 1:
                rs = n_rows - r if rowspan <= 0 else min(rowspan, n_rows - r)
                for i in range(r + 1, r + rs):
                    below[i].update(range(c, c + cs))
            cells.append(Cell(text, r, c, rs, cs))
            c += cs
    return cells


def grid_rows(cells: Sequence[Cell]) -> list[tuple[int, str]]:
    """``(grid row, line text)`` for each row that prints something, top to bottom.

    ``cells`` come row by row, left to right, as ``place`` and the DOCX reader give them.
    """
    if not cells:
        return []
    n_rows = max(c.row + c.rowspan for c in cells)
    by_row: list[list[int]] = [[] for _ in range(n_rows)]
    kinds = [kind_of(c.text) for c in cells]
    tall = [i for i, c in enumerate(cells) if c.rowspan > 1]
    for i, c in enumerate(cells):
        by_row[c.row].append(i)
    # the value area: right of the labels, where the rows that print numbers mostly end their labels
    edges: Counter[int] = Counter()
    for row in by_row:
        if any(kinds[i] == "value" for i in row):
            ends = [cells[i].col + cells[i].colspan - 1 for i in row if kinds[i] == "label"]
            edges[max(ends, default=-1)] += 1
    edge = min(edges, key=lambda e: (-edges[e], e)) if edges else None
    value_cols = edge is not None

    def in_values(i: int) -> bool:
        return edge is not None and cells[i].col + cells[i].colspan - 1 > edge

    def owners(r: int) -> dict[int, int]:
        """Grid column -> the cell that covers it in row ``r`` (its own cells and rowspans from above)."""
        out = {}
        for i in by_row[r] + [i for i in tall if cells[i].row < r < cells[i].row + cells[i].rowspan]:
            c = cells[i]
            for j in range(c.col, c.col + c.colspan):
                out[j] = i
        return out

    out: list[tuple[int, str]] = []
    header: dict[int, int] | None = None  # the owners of the last row of column headers above
    for r, row in enumerate(by_row):
        if not row:
            continue
        labels = [i for i in row if kinds[i] == "label"]
        has_value = any(kinds[i] == "value" for i in row)
        if not has_value:
            if not labels:
                # an empty row: printed blanks only in a table with no number at all, under its headers
                if value_cols or header is None:
                    continue
            elif not value_cols or any(in_values(i) for i in labels):
                header = owners(r)
                out.append((r, "\t".join(cells[i].text for i in labels)))
                continue
        if not labels and has_value and all(k != "empty" for k in (kinds[i] for i in row)):
            out.append((r, "\t".join(cells[i].text for i in row)))  # the common row: numbers only
            continue
        last_label = max((cells[i].col for i in labels), default=-1)

        def group(i: int, header: dict[int, int] | None = header) -> int | None:
            if header is None:
                return -1 - i  # no headers: every empty cell stands for itself
            return header.get(cells[i].col)

        printed = {group(i) for i in row if kinds[i] == "value"}
        fields: list[str] = []
        for i in row:
            if kinds[i] != "empty":
                fields.append(cells[i].text)
                continue
            if cells[i].col <= last_label or (value_cols and not in_values(i)):
                continue
            g = group(i)
            if g is None or g in printed:
                continue
            printed.add(g)
            fields.append(EMPTY_FIELD)
        if labels or has_value or EMPTY_FIELD in fields:
            out.append((r, "\t".join(fields)))
    return out
