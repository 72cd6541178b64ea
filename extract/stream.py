"""A document's lines as one compact string that keeps provenance to page and line.

Labels wrap across lines, break into one character per line and gain stray spaces; numbers must
stay apart. So whitespace between two pieces of text is dropped, and whitespace next to a number
or a blank marker becomes one space. NFKC folds full-width digits and punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from itertools import pairwise

# A blank cell printed with a marker; "∅" stands for an empty field between two numbers in a
# tab-separated row (the printed cell was empty).
EMPTY_FIELD = "∅"
MARKERS = frozenset({"/", "-", "—", "——", "–", "无", "&nbsp;", EMPTY_FIELD})
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–]\s*\d{1,4}\s*[-—–]|第\s*\d{1,4}\s*页(?:\s*共\s*\d+\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
_VALUE_FIELD = re.compile(r"^[-+]?\d[\d,]*(?:\.\d+)?$")


@dataclass(frozen=True)
class Line:
    text: str
    page: int | None
    lineno: int


def _wordish(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _mark_empty_fields(line: str) -> str:
    """In a tab-separated row, an empty field between two values is a printed blank cell."""
    if "\t" not in line:
        return line
    fields = line.split("\t")
    filled = [i for i, f in enumerate(fields) if f.strip()]

    def is_value(i: int) -> bool:
        f = fields[i].strip()
        return bool(_VALUE_FIELD.match(f)) or f in MARKERS

    for left, right in pairwise(filled):
        if right - left > 1 and is_value(left) and is_value(right):
            for i in range(left + 1, right):
                fields[i] = EMPTY_FIELD
    return "\t".join(fields)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


class Stream:
    """The compact text of a document; ``where(i)`` maps a character back to its line."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        parts: list[str] = []
        starts: list[int] = []  # compact offset where each kept line begins
        owners: list[int] = []  # index into self.lines for each entry of starts
        size = 0
        prev = ""
        for index, line in enumerate(lines):
            text = _mark_empty_fields(unicodedata.normalize("NFKC", line.text))
            tokens = text.split()
            if not tokens:
                continue
            starts.append(size)
            owners.append(index)
            for token in tokens:
                if prev and (_wordish(prev[-1]) or _wordish(token[0]) or prev in MARKERS or token in MARKERS):
                    parts.append(" ")
                    size += 1
                parts.append(token)
                size += len(token)
                prev = token
        self.text = "".join(parts)
        self._starts = starts
        self._owners = owners

    def where(self, offset: int) -> Line | None:
        """The line that the compact character at ``offset`` came from."""
        k = bisect_right(self._starts, offset) - 1
        if k < 0:
            return None
        return self.lines[self._owners[k]]
