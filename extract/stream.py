"""A document's lines as one compact string that keeps provenance to page and line.

Labels wrap across lines, break into one character per line and gain stray spaces; numbers must
stay apart. So whitespace between two pieces of text is dropped, and whitespace next to a number
or a blank marker becomes one space. NFKC folds full-width digits and punctuation; circled numbers
(``①``) become enumerators (``1.``), not values. A running header (the report's title printed again
at the top of every page) inside or after the tables is dropped: its year is no cell.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from gongkai.numbers import EMPTY_FIELD, NUMBER, is_blank_marker
from gongkai.titles import REPORT_NAME, YEAR

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－―一]\s*\d{1,4}\s*[-—–－―一]"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?"
    r"|共\s*\d+\s*页\s*[,，/／]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*[/／]\s*\d{1,4})\s*$"
)
# A line that is only the report's title (its running header): agency, year, 政府信息公开…报告.
_RUNNING_HEADER = re.compile(
    rf"^[^\d,，。:：;；!！?？《》“”()（）]{{0,40}}\s*{YEAR}\s*年度?\s*[^\s\d,，。:：;；《》]{{0,30}}?{REPORT_NAME}"
    r"\s*(?:[-—–－―]\s*\d{1,4}\s*[-—–－―]|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?)?\s*$"
)
# The tables have begun (table 二's article header or column header, table 三's first row).
_TABLES_BEGUN = re.compile(r"第二十条|信息内容|本年新收")
# Circled numbers are enumerators (①属于国家秘密); NFKC would make them bare digits, read as values.
_CIRCLED = {0x2460 + i: f"{i + 1}." for i in range(20)} | {0x2212: "-"}  # and the minus sign
_HAS_CIRCLED = re.compile("[\u2460-\u2473\u2212]")
# 无 is a blank marker, but also the first character of 无法提供 and 无正当理由 printed one per line.
_WORD_AFTER_WU = ("法", "正")
_VALUE_FIELD = re.compile(NUMBER + "$")


@dataclass(frozen=True)
class Mark:
    """Where a token of a line was read on a scanned page: its box (PDF points, top-down) and the OCR
    engine's confidence (0–1; None for an empty cell)."""

    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float | None


@dataclass(frozen=True)
class Line:
    text: str
    page: int | None
    lineno: int
    marks: tuple[Mark, ...] = ()  # one per whitespace-separated token of ``text`` (read by OCR), or none


_WORDISH = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _mark_empty_fields(line: str) -> str:
    """In a tab-separated or markdown (``| a | b |``) row, an empty field between two values is a printed
    blank cell."""
    if "\t" in line:
        sep = "\t"
    elif "|" in line and line.lstrip().startswith("|"):
        sep = "|"
    else:
        return line
    fields = line.split(sep)
    filled = [i for i, f in enumerate(fields) if f.strip()]

    def is_value(i: int) -> bool:
        f = fields[i].strip()
        return bool(_VALUE_FIELD.match(f)) or is_blank_marker(f)

    for left, right in pairwise(filled):
        if right - left > 1 and is_value(left) and is_value(right):
            for i in range(left + 1, right):
                fields[i] = EMPTY_FIELD if sep == "\t" else f" {EMPTY_FIELD} "
    return sep.join(fields)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text))


def is_running_header(text: str) -> bool:
    """A line that is only a report title (``金林区人民政府办公室 2024 年政府信息公开工作年度报告``)."""
    return "报" in text and len(text) <= 90 and bool(_RUNNING_HEADER.match(text.strip()))


class Stream:
    """The compact text of a document; ``where(i)`` maps a character back to its line."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        parts: list[str] = []
        starts: list[int] = []  # compact offset where each kept line begins
        owners: list[int] = []  # index into self.lines for each entry of starts
        self._token_starts: list[int] = []  # compact offset of each token of a line with marks
        self._token_ends: list[int] = []
        self._token_marks: list[Mark | None] = []
        size = 0
        spaced = None  # whether the previous token wants a space after it (None: no token yet)
        begun = False
        for index, tokens in self._tokens(lines):
            if begun and is_running_header(lines[index].text):
                continue
            begun = begun or bool(_TABLES_BEGUN.search(lines[index].text))
            starts.append(size)
            owners.append(index)
            for k, token in enumerate(tokens):
                marker = is_blank_marker(token)
                if marker and token == "无":
                    following = tokens[k + 1] if k + 1 < len(tokens) else self._next_token(index)
                    marker = not following.startswith(_WORD_AFTER_WU)
                if spaced or (spaced is not None and (marker or token[0] in _WORDISH)):
                    parts.append(" ")
                    size += 1
                if lines[index].marks:
                    self._mark_token(lines[index], tokens, k, size)
                parts.append(token)
                size += len(token)
                spaced = marker or token[-1] in _WORDISH
        self.text = "".join(parts)
        self._starts = starts
        self._owners = owners

    def _tokens(self, lines: list[Line]) -> Iterator[tuple[int, list[str]]]:
        """Each line's whitespace-separated tokens, normalised; lines without any are skipped."""
        circled = any(_HAS_CIRCLED.search(line.text) for line in lines)
        self._token_lists: list[list[str]] = []
        for line in lines:
            text = line.text
            if not text.isascii():
                if circled:
                    text = text.translate(_CIRCLED)
                if not unicodedata.is_normalized("NFKC", text):
                    text = unicodedata.normalize("NFKC", text)
            if "\t" in text or "|" in text:
                text = _mark_empty_fields(text)
            self._token_lists.append(text.split())
        for index, tokens in enumerate(self._token_lists):
            if tokens:
                yield index, tokens

    def _mark_token(self, line: Line, tokens: list[str], k: int, start: int) -> None:
        self._token_starts.append(start)
        self._token_ends.append(start + len(tokens[k]))
        self._token_marks.append(line.marks[k] if len(line.marks) == len(tokens) else None)

    def mark(self, offset: int) -> Mark | None:
        """Where the token at compact ``offset`` was read on a scanned page (None: not read by OCR)."""
        k = bisect_right(self._token_starts, offset) - 1
        return self._token_marks[k] if k >= 0 and offset < self._token_ends[k] else None

    def _next_token(self, index: int) -> str:
        """The first token of the lines after line ``index``, or ``""``."""
        for tokens in self._token_lists[index + 1 : index + 40]:
            if tokens:
                return tokens[0]
        return ""

    def where(self, offset: int) -> Line | None:
        """The line that the compact character at ``offset`` came from."""
        k = bisect_right(self._starts, offset) - 1
        if k < 0:
            return None
        return self.lines[self._owners[k]]
