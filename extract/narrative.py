"""Facts from a report's narrative (the text outside its tables): quoted figures, sections, publication date.

Only figures whose meaning is clear are taken: a verb of a known row (收到/受理/新收, 办结/答复, 结转,
行政复议, 行政诉讼, 主动公开) next to a number of 件/项/个/份/条, in a sentence (and a part of the report)
about this year's requests. A part (其中网上申请 40 件), a result row (同意公开答复 9 件), another year's
figure (2023 年收到…, 上一年度…), a comparison (较上年增加 5 件), an approximation (约 20 件), another kind
of application (不动产登记申请) or a letter, hotline or consultation count is not taken. The patterns, and
the words that mark a period or a comparison, are data (``labels/narrative.csv``); a figure can name
several readings (``cells`` split by ``|``), and R6 judges it against the tables only where none of them
holds.

The narrative's sketch (``minhash``) lets the warehouse see a narrative copied from last year's report.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from gongkai.numbers import MAX_REQUESTS
from gongkai.titles import YEAR_OF, arabic_years, chinese_number

_SENTENCE_END = re.compile(r"[。;；!！?？\n]")
_CLAUSE_END = re.compile(r"[,，:：。;；]")  # where the words an exclusion reads begin
_CLAUSE_STOP = re.compile(r"[,，:：。;；、()（）]")  # where they end
_SCOPE_END = re.compile(r"[,，:：。;；)）]")  # where a comparison's scope ends
_TITLE = re.compile(r"《[^》]*》")  # a title's year (《2023年政务公开工作要点》) sets no period
_DIGIT_RUNS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
QUOTE_CONTEXT = 12  # characters of context kept on each side of a quoted figure
CLAUSE_REACH = 40  # at most this many characters on each side of a figure are read by its exclusions
MINHASH_SIZE = 64  # bins of the one-permutation MinHash sketch
SHINGLE = 5  # characters per shingle


@dataclass(frozen=True)
class Pattern:
    # figure | section | published | placeholder (a part of the figures' patterns: {N}, {U}…) | heading
    # (where a part begins) | year (a year that sets the period) | this_period, other_period (words that
    # set it) | compare (a comparison, to the end of its clause) | skip_after (what, following a figure,
    # makes it not one)
    kind: str
    code: str
    label_zh: str
    cells: str  # figure: "table.row.column + … | …" (alternatives); empty: not checked against a table
    regex: re.Pattern[str]
    requires: re.Pattern[str] | None  # the sentence (or, with ``context``, one before it) must have it
    exclude: re.Pattern[str] | None  # the figure's clause must not have it
    order: int
    context: int = 0  # how many sentences before the figure's ``requires`` may also be found in
    topic: re.Pattern[str] | None = None  # the figure's part, from its heading to the sentence, must have it

    @property
    def topic_words(self) -> tuple[str, ...]:
        """The topic's words: it is plain words separated by ``|`` (labels/narrative.csv)."""
        return tuple(self.topic.pattern.split("|")) if self.topic else ()


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
    """labels/narrative.csv, in file order (an earlier pattern wins where two match the same text), with
    the ``placeholder`` rows ({N} the number, {U} its unit, {F} filler…) filled into the other patterns."""
    text = resources.files("gongkai.extract").joinpath("labels/narrative.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    placeholders = {row["code"]: row["pattern"] for row in rows if row["kind"] == "placeholder"}
    out = []
    for i, row in enumerate(rows):
        source = row["pattern"] if row["kind"] == "placeholder" else row["pattern"].format(**placeholders)
        out.append(
            Pattern(
                kind=row["kind"],
                code=row["code"],
                label_zh=row["label_zh"],
                cells=row["cells"].strip(),
                regex=re.compile(source),
                requires=re.compile(row["requires"]) if row["requires"] else None,
                exclude=re.compile(row["exclude"]) if row["exclude"] else None,
                order=i,
                context=int(row.get("context") or 0),
                topic=_topic(row["topic"]) if row.get("topic") else None,
            )
        )
    return tuple(out)


def _topic(words: str) -> re.Pattern[str]:
    if any(re.escape(w) != w or not w for w in words.split("|")):
        raise ValueError(f"a topic is plain words separated by |, not {words!r}")
    return re.compile(words)


class TopicIndex:
    """Where a text names each topic word, so that whether a part names a pattern's topic before a given
    end costs a bisection, not a scan of the part (the scan made the analysis quadratic in length)."""

    def __init__(self, text: str, kinds: Iterable[Pattern]):
        self._starts = {w: _occurrences(text, w) for p in kinds for w in p.topic_words}
        self._first_end: dict[tuple[int, int], float] = {}

    def named(self, p: Pattern, part: int, end: int) -> bool:
        """Whether ``text[part:end]`` has one of ``p``'s topic words (``p.topic.search(text, part, end)``)."""
        key = (p.order, part)
        if key not in self._first_end:
            ends = [math.inf]
            for w in p.topic_words:
                starts = self._starts[w]
                k = bisect.bisect_left(starts, part)
                if k < len(starts):
                    ends.append(starts[k] + len(w))
            self._first_end[key] = min(ends)
        return self._first_end[key] <= end


def _occurrences(text: str, word: str) -> list[int]:
    out, k = [], text.find(word)
    while k >= 0:
        out.append(k)
        k = text.find(word, k + 1)
    return out


def _placeholder(code: str) -> re.Pattern[str]:
    return next(p.regex for p in patterns() if p.kind == "placeholder" and p.code == code)


@cache
def _counted() -> re.Pattern[str]:
    """A number with its unit ({N}{U}): where the words of the next figure's clause begin."""
    return re.compile(_placeholder("N").pattern + _placeholder("U").pattern)


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


def _sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, text[start : m.end()]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out


def _other_period(sentence: str, year: int | None) -> tuple[list[int], list[bool], bytearray]:
    """Where the sentence's period changes, and what its comparisons cover.

    The markers are a year (2023年: another period unless it is ``year``), 今年/本年 (this year) and
    上一年度/去年/同期… (another period): their positions, in order, and whether each is another period's.
    A comparison (同比, 较上年, 比 2023 年, 增加…) covers the rest of its clause: 1 in the mask.
    """
    masked = _TITLE.sub(lambda m: "《" + "_" * (len(m.group()) - 2) + "》", sentence)
    compared = bytearray(len(sentence))
    for p in patterns():
        if p.kind == "compare":
            for m in p.regex.finditer(masked):
                if compared[m.start()]:
                    continue  # within an earlier comparison's clause, which reaches the same end
                end = _SCOPE_END.search(masked, m.end())
                stop = end.start() if end else len(masked)
                compared[m.start() : stop] = b"\x01" * (stop - m.start())
    markers: list[tuple[int, bool]] = []
    for p in patterns():
        if p.kind not in ("year", "this_period", "other_period"):
            continue
        for m in p.regex.finditer(masked):
            if compared[m.start()]:
                continue
            if p.kind == "year":
                if year is not None:
                    markers.append((m.start(), int(m["y"]) != year))
            else:
                markers.append((m.start(), p.kind == "other_period"))
    markers.sort()
    return [pos for pos, _ in markers], [other for _, other in markers], compared


def _clause(sentence: str, lo: int, hi: int) -> str:
    """The words around a match that its exclusions read: from the last comma (or the last counted
    number: 行政复议 1 件、行政诉讼 0 件) before it to the next comma, 、 or parenthesis after it."""
    reach = max(0, lo - CLAUSE_REACH)
    start = max((c.end() for c in _CLAUSE_END.finditer(sentence, reach, lo)), default=reach)
    start = max([start, *(c.end() for c in _counted().finditer(sentence, start, lo))])
    stop = _CLAUSE_STOP.search(sentence, hi, hi + CLAUSE_REACH)
    return sentence[start : stop.start() if stop else min(len(sentence), hi + CLAUSE_REACH)]


def _named_years_agree(m: re.Match[str], year: int | None) -> bool:
    """Whether the years a figure's own words name are the ones they mean: ``prev`` the year before the
    report's (2023 年度结转的 5 件), ``next`` the year after (结转至 2025 年). Not when they name another
    year, or when the report's year is unknown."""
    named = [int(y) for y in YEAR_OF.findall(m.group())]
    if not named:
        return True
    if year is None:
        return False
    groups = m.groupdict()
    meant = {int(groups[g]): year + offset for g, offset in (("prev", -1), ("next", 1)) if groups.get(g)}
    return all(meant.get(y) == y for y in named)


def figures(text: str, year: int | None) -> list[Figure]:
    """The figures quoted in ``text`` (compact), in order of position.

    A figure is not taken when, in its sentence, another period precedes it (2023 年…, 上一年度…; until
    今年/本年 or this year names it again) or a comparison covers it (，较上年增加 5 件); when its clause
    (see ``_clause``) hits the pattern's ``exclude``; when its sentence (or, with ``context``, one before)
    lacks the pattern's ``requires``, or its part (from the last heading, （二）依申请公开情况) lacks the
    pattern's ``topic``; when a ``skip_after`` pattern follows it (20 件左右); or when a year its own words
    name is not the one they mean (结转至 2025 年); or when it is beyond any believable count (more than
    ``numbers.MAX_REQUESTS``). A year in Chinese numerals (二〇二三年) is a year too.
    """
    written = text
    text = arabic_years(text)  # 二〇二三年 is a year as 2023年 is (and as long: positions hold)
    skip_after = [p.regex for p in patterns() if p.kind == "skip_after"]
    kinds = [p for p in patterns() if p.kind == "figure"]
    headings = [
        0,
        *sorted(m.start() for p in patterns() if p.kind == "heading" for m in p.regex.finditer(text)),
    ]
    found: list[tuple[int, Figure]] = []
    sentences = _sentences(text)
    topics = TopicIndex(text, kinds)
    for k, (start, sentence) in enumerate(sentences):
        marker_at, marker_other, compared = _other_period(sentence, year)
        taken = bytearray(len(sentence))  # 1 where an earlier figure of the sentence was read
        for p in kinds:
            if p.requires and not any(
                p.requires.search(s) for _, s in sentences[max(0, k - p.context) : k + 1]
            ):
                continue
            for m in p.regex.finditer(sentence):
                lo, hi = m.span()
                end = max(hi, m.end("n"))  # a pattern may read its number in a lookahead (…均为 0 件)
                if any(taken[lo:hi]):
                    continue
                if any(compared[lo:end]):
                    continue
                last = bisect.bisect_left(marker_at, lo) - 1
                if last >= 0 and marker_other[last]:
                    continue
                if p.exclude and p.exclude.search(_clause(sentence, lo, end)):
                    continue
                if p.topic:
                    part = headings[bisect.bisect_right(headings, start + lo) - 1]
                    if not topics.named(p, part, start + len(sentence)):
                        continue
                if any(a.match(sentence, hi) for a in skip_after):
                    continue
                if not _named_years_agree(m, year):
                    continue
                value = chinese_number(m.group("n"))
                if value is None or value > MAX_REQUESTS:
                    continue
                taken[lo:hi] = b"\x01" * (hi - lo)
                quote = written[
                    start + max(0, lo - QUOTE_CONTEXT) : start + min(len(sentence), end + QUOTE_CONTEXT)
                ]
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
