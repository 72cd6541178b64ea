"""Facts from a report's narrative (the text outside its tables): quoted figures, sections, publication date.

Only figures whose meaning is clear are taken: a verb of a known row (收到/受理/新收, 办结/答复, 结转,
行政复议, 行政诉讼, 主动公开) next to a number of 件/项/条, in a sentence about this year's requests. The
patterns are data (``labels/narrative.csv``); a figure can name several readings (``cells`` split by
``|``), and R6 judges it against the tables only where none of them holds.

The narrative's sketch (``minhash``) lets the warehouse see a narrative copied from last year's report.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

# Placeholders of the patterns in labels/narrative.csv.
_PLACEHOLDERS = {
    "N": r"(?P<n>\d+|[零〇一二两三四五六七八九十百千]+)",  # the number
    "U": r"[件项]",  # its unit
    "F": r"[^\d,，。;；:：、()（）]",  # filler: no digit, no clause punctuation, no parenthesis
}
_SENTENCE_END = re.compile(r"[。;；!！?？\n]")
_CLAUSE_END = re.compile(r"[,，:：。;；]")
_YEAR = re.compile(r"(20\d{2})年")
_DIGIT_RUNS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
QUOTE_CONTEXT = 12  # characters of context kept on each side of a quoted figure
MINHASH_SIZE = 64  # bins of the one-permutation MinHash sketch
SHINGLE = 5  # characters per shingle


@dataclass(frozen=True)
class Pattern:
    kind: str  # figure | section | published | skip (a sentence) | skip_after (what follows a figure)
    code: str
    label_zh: str
    cells: str  # figure: "table.row.column + … | …" (alternatives); empty: not checked against a table
    regex: re.Pattern[str]
    requires: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    order: int


@dataclass(frozen=True)
class Figure:
    """A figure the narrative quotes: ``value`` 件 of ``metric`` at ``position`` (in ``compact`` text)."""

    ordinal: int
    metric: str
    value: int
    quote: str
    position: int
    pattern: int


@dataclass
class NarrativeFacts:
    text: str  # the compact narrative (NFKC, no whitespace)
    published_on: date | None = None
    figures: list[Figure] = field(default_factory=list)
    sections: dict[str, int | None] = field(default_factory=dict)  # code -> position, None: not found
    minhash: list[int] = field(default_factory=list)


@cache
def patterns() -> tuple[Pattern, ...]:
    """labels/narrative.csv, in file order (an earlier pattern wins where two match the same text)."""
    text = resources.files("gongkai.extract").joinpath("labels/narrative.csv").read_text(encoding="utf-8")
    out = []
    for i, row in enumerate(csv.DictReader(text.splitlines())):
        out.append(
            Pattern(
                kind=row["kind"],
                code=row["code"],
                label_zh=row["label_zh"],
                cells=row["cells"].strip(),
                regex=re.compile(row["pattern"].format(**_PLACEHOLDERS)),
                requires=re.compile(row["requires"]) if row["requires"] else None,
                exclude=re.compile(row["exclude"]) if row["exclude"] else None,
                order=i,
            )
        )
    return tuple(out)


@cache
def metrics() -> tuple[tuple[str, str, str], ...]:
    """(metric, label_zh, cells) of every figure kind, in file order; one line per metric."""
    seen: dict[str, tuple[str, str, str]] = {}
    for p in patterns():
        if p.kind != "figure":
            continue
        known = seen.setdefault(p.code, (p.code, p.label_zh, p.cells))
        if known != (p.code, p.label_zh, p.cells):
            raise ValueError(f"labels/narrative.csv: metric {p.code} has two labels or cell sets")
    return tuple(seen.values())


def metric_cells(cells: str) -> list[list[tuple[str, str, str]]]:
    """``"a.b.c + d.e.f | g.h.i"`` -> ``[[(a, b, c), (d, e, f)], [(g, h, i)]]``."""
    alternatives = []
    for alternative in cells.split("|"):
        terms = [t.strip() for t in alternative.split("+") if t.strip()]
        alternatives.append([tuple(t.split(".")) for t in terms])
    return [a for a in alternatives if a]


def compact(narrative: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", narrative or ""))


def chinese_number(text: str) -> int | None:
    """``70`` -> 70, ``两`` -> 2, ``十二`` -> 12, ``一百零五`` -> 105; None when it is not a number."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # 二三: not a number
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, text[start : m.end()]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out


def figures(text: str, year: int | None) -> list[Figure]:
    """The figures quoted in ``text`` (compact), in order of position.

    A sentence that names another year than ``year`` or compares with last year is skipped; a match
    whose clause (the text since the last comma) hits the pattern's ``exclude``, or that is followed by
    a ``skip_after`` pattern (（含上年结转 1 件）), is not a figure.
    """
    skip = [p.regex for p in patterns() if p.kind == "skip"]
    skip_after = [p.regex for p in patterns() if p.kind == "skip_after"]
    kinds = [p for p in patterns() if p.kind == "figure"]
    found: list[tuple[int, Figure]] = []
    for start, sentence in _sentences(text):
        years = {int(y) for y in _YEAR.findall(sentence)}
        if (year is not None and years - {year}) or any(s.search(sentence) for s in skip):
            continue
        taken: list[tuple[int, int]] = []
        for p in kinds:
            if p.requires and not p.requires.search(sentence):
                continue
            for m in p.regex.finditer(sentence):
                lo, hi = m.span()
                if any(lo < t_hi and t_lo < hi for t_lo, t_hi in taken):
                    continue
                clause_start = max((c.end() for c in _CLAUSE_END.finditer(sentence, 0, lo)), default=0)
                if p.exclude and p.exclude.search(sentence[clause_start:hi]):
                    continue
                if any(a.match(sentence, hi) for a in skip_after):
                    continue
                value = chinese_number(m.group("n"))
                if value is None:
                    continue
                taken.append((lo, hi))
                quote = sentence[max(0, lo - QUOTE_CONTEXT) : hi + QUOTE_CONTEXT]
                found.append((start + lo, Figure(0, p.code, value, quote, start + lo, p.order)))
    found.sort(key=lambda f: (f[0], f[1].pattern))
    return [
        Figure(i, f.metric, f.value, f.quote, f.position, f.pattern)
        for i, (_, f) in enumerate(found, start=1)
    ]


def sections(text: str) -> dict[str, int | None]:
    """Each section heading's position in ``text`` (compact), None when the heading is not found."""
    out: dict[str, int | None] = {}
    for p in patterns():
        if p.kind == "section":
            m = p.regex.search(text)
            if out.get(p.code) is None:
                out[p.code] = m.start() if m else None
    return out


def published_on(text: str) -> date | None:
    """The publication date a page states (发布时间: 2022-02-08), else None."""
    for p in patterns():
        if p.kind != "published":
            continue
        for m in p.regex.finditer(text):
            try:
                return date(int(m["y"]), int(m["m"]), int(m["d"]))
            except ValueError:
                continue
    return None


def minhash(text: str, size: int = MINHASH_SIZE) -> list[int]:
    """A one-permutation MinHash sketch of the text's 5-character shingles, digits folded (so that a copy
    with this year's figures still matches): each shingle's 63-bit hash falls in one of ``size`` bins,
    which keeps its smallest value (-1: an empty bin). Empty for a text too short to have a shingle."""
    folded = _DIGIT_RUNS.sub("0", text)
    if len(folded) < SHINGLE:
        return []
    bins = [-1] * size
    for i in range(len(folded) - SHINGLE + 1):
        h = int.from_bytes(hashlib.blake2b(folded[i : i + SHINGLE].encode(), digest_size=8).digest()) >> 1
        b, v = h % size, h // size
        if bins[b] < 0 or v < bins[b]:
            bins[b] = v
    return bins


def similarity(a: list[int], b: list[int]) -> float | None:
    """The Jaccard similarity of two texts' shingle sets estimated from their sketches (as the SQL does):
    the share of bins, among those not empty in both, where the two sketches agree."""
    if not a or not b or len(a) != len(b):
        return None
    either = sum(1 for x, y in zip(a, b, strict=True) if x >= 0 or y >= 0)
    both = sum(1 for x, y in zip(a, b, strict=True) if x >= 0 and x == y)
    return both / either if either else None


def analyse(narrative: str, year: int | None) -> NarrativeFacts:
    """Every fact the warehouse keeps from one narrative."""
    text = compact(narrative)
    return NarrativeFacts(
        text=text,
        published_on=published_on(unicodedata.normalize("NFKC", narrative or "")),
        figures=figures(text, year),
        sections=sections(text),
        minhash=minhash(text),
    )
