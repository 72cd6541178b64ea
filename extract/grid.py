"""Tables with merged cells laid out as a grid, one tab-separated line per grid row.

HTML (rowspan/colspan) and DOCX (gridSpan/vMerge) tables become ``Cell``s on a grid. Each row is
written once, left to right: a merged cell only in its first row and column, so a label or a number
is never repeated. An empty cell where a value belongs is a printed blank, written as
``EMPTY_FIELD``: that is, after the row's last label, in the value area (right of where the rows
that print numbers end their labels; for a row that ends short of where they end, as in the second
part of a table split in two that lost its merged label columns, that much further left), under a
column header of its own. Empty slots that are layout leftovers (under a header whose value this row
already printed, as with a ``colspan`` that a page forgot, or under no header at all, as with an
empty column left over at a table's right) are dropped, and so are empty rows. A blank merged across
the columns of several headers, or down several rows, is a blank in each. In a table that prints no
number at all (nobody applied), a row with a label and empty cells after it is a row of blanks, not
column headers.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from gongkai.numbers import BLANK, EMPTY_FIELD, NUMBER, UNIT, is_blank

MAX_COLSPAN = 100
_SPACE = re.compile(r"[\s\u3000\xa0\u200b\ufeff]+")
# a number (a share too: 5%) with its note, or a blank marker
_VALUE_TEXT = re.compile(rf"{NUMBER}(?:{UNIT}|%)?(?:\(.{{0,60}}\))?|{BLANK}")


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
    # the value area: right of the labels, where the rows that print numbers mostly end their labels;
    # and where those rows mostly end (a row that ends short of it is shifted left: a table split in
    # two whose second part lost the merged label columns on its left)
    edges: Counter[int] = Counter()
    ends: Counter[int] = Counter()
    for row in by_row:
        if any(kinds[i] == "value" for i in row):
            label_ends = [cells[i].col + cells[i].colspan - 1 for i in row if kinds[i] == "label"]
            edges[max(label_ends, default=-1)] += 1
            ends[max(cells[i].col + cells[i].colspan - 1 for i in row)] += 1
    edge = min(edges, key=lambda e: (-edges[e], e)) if edges else None
    right = min(ends, key=lambda e: (-ends[e], -e)) if ends else None
    value_cols = edge is not None

    def in_values(i: int, shift: int = 0) -> bool:
        return edge is not None and cells[i].col + cells[i].colspan - 1 > edge - shift

    def covering(r: int) -> list[int]:
        """The cells that rowspans from above carry into row ``r``."""
        return [i for i in tall if cells[i].row < r < cells[i].row + cells[i].rowspan]

    def owners(r: int) -> dict[int, int]:
        """Grid column -> the cell with text that covers it in row ``r`` (its own or a rowspan from above)."""
        out = {}
        for i in by_row[r] + covering(r):
            if kinds[i] != "empty":
                c = cells[i]
                for j in range(c.col, c.col + c.colspan):
                    out[j] = i
        return out

    def blanks_after(row: list[int], labels: list[int]) -> bool:
        """Empty cells right of the row's labels: in a table with no number at all (nothing printed
        in it, or one row of it in a table of its own), a row of blanks, not column headers."""
        end = max(cells[i].col + cells[i].colspan - 1 for i in labels)
        return any(kinds[i] == "empty" and cells[i].col > end for i in row)

    out: list[tuple[int, str]] = []
    # the column headers above: grid column -> the header cell over it (an empty cell in a header row
    # leaves the header above it in place; a column with no header at all is a layout leftover)
    header: dict[int, int] | None = None
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
            elif (not value_cols and not blanks_after(row, labels)) or any(in_values(i) for i in labels):
                header = {**(header or {}), **owners(r)}
                out.append((r, "\t".join(cells[i].text for i in labels)))
                continue
        last_label = max((cells[i].col for i in labels), default=-1)
        row_end = cells[row[-1]].col + cells[row[-1]].colspan - 1  # cells come left to right
        shift = right - row_end if right is not None and labels and row_end < right else 0
        # blank cells merged down from a row above: a blank in this row too
        carried = [
            i
            for i in covering(r)
            if _blank(cells[i].text, kinds[i])
            and cells[i].col > last_label
            and (not value_cols or in_values(i))
        ]
        if carried:
            row = sorted(row + carried, key=lambda i: cells[i].col)
        elif (
            not labels
            and has_value
            and all(
                kinds[i] != "empty" and (cells[i].colspan == 1 or not _blank(cells[i].text, kinds[i]))
                for i in row
            )
        ):
            out.append((r, "\t".join(cells[i].text for i in row)))  # the common row: numbers only
            continue

        def groups(i: int, header: dict[int, int] | None = header) -> list[int | None]:
            """The header groups a cell stands under (one per header cell over its columns)."""
            if header is None:
                return [-1 - i]  # no headers: every cell stands for itself
            c = cells[i]
            if c.colspan == 1:
                return [header.get(c.col)]
            return list(dict.fromkeys(header.get(j) for j in range(c.col, c.col + c.colspan)))

        printed: dict[int | None, int] = {}  # header group -> the value cell printed under it
        for i in row:
            if kinds[i] == "value" and i not in carried:
                for g in groups(i):
                    printed.setdefault(g, i)
        fields: list[str] = []
        for i in row:
            kind = kinds[i]
            if kind == "label" or (kind == "value" and i not in carried):
                fields.append(cells[i].text)
                if kind == "value" and cells[i].colspan > 1 and _blank(cells[i].text, kind):
                    # a blank merged across several headers' columns: a blank under each of them
                    under = sum(1 for g in groups(i) if g is not None and printed.get(g) == i)
                    fields += [cells[i].text] * (under - 1)
                continue
            if i not in carried and (cells[i].col <= last_label or (value_cols and not in_values(i, shift))):
                continue
            for g in groups(i):
                if g is None or g in printed:
                    continue
                printed[g] = i
                fields.append(EMPTY_FIELD if kind == "empty" else cells[i].text)
        if labels or has_value or EMPTY_FIELD in fields:
            out.append((r, "\t".join(fields)))
    return out


def _blank(text: str, kind: str) -> bool:
    """A cell printed blank: empty, or a blank marker (``/``, ``—``, ``无``)."""
    if kind == "empty":
        return True
    if kind != "value":
        return False
    return is_blank(_SPACE.sub("", unicodedata.normalize("NFKC", text)))
