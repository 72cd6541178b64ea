"""Find the three statistical tables in a report's compact text and read every cell.

Rows are found by their labels (variants in ``labels/rows.csv``), in template order; the values of
a row are the numbers between its label and the next row's label. Where a crawler glued numbers
together (``801000081``), the format's own identities decide how to split them; where they cannot
decide, the cells stay NULL. A row that prints one value fewer than its cells has lost a cell: the
column identities may tell which one (it stays NULL), else the whole row stays NULL. Where labels got
detached from their numbers (a converter's work), table 三's rows may be read by position instead, and
only when the identities and every row read by its label confirm that reading. Nothing is ever guessed.
"""

from __future__ import annotations

import csv
import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import regex

from gongkai import identities, taxonomy
from gongkai.extract.stream import Line, Stream
from gongkai.model import RawCell
from gongkai.numbers import BLANK, DASH_SIGNED_NUMBER, EMPTY_FIELD, MINUS_SIGNS, UNIT, signed, value_of

REQUESTS_ROWS_2021 = taxonomy.rows_of("requests", "2021")
SPLIT_OTHER = taxonomy.OTHER_SPLIT_ROWS
MAX_CANDIDATES = 64
MAX_COMBINATIONS = 200_000
APPEALS_VALUES = 15  # table 四: 行政复议 and two kinds of 行政诉讼, five results each
FUZZY_SPAN = 20_000  # a whole table 三 prints fewer than 5,000 characters
MAX_TABLE_COPIES = 4  # places where table 三 may begin again that are read as copies of it

# a number's sign may be a dash (−2, –2); a negative number glued to the one before it (35-15) is a value
# of its own (35 and -15)
_VALUE = re.compile(
    rf"(?:(?<![\d.,])|(?<=\d)(?=[-{MINUS_SIGNS}]\d)){DASH_SIGNED_NUMBER}(?:\s?{UNIT})?"
    rf"(?:\s?\([^()]{{0,40}}(?:其中|含|包括|修订)[^()]{{0,40}}\))?(?![\d])"
    rf"|(?:(?<=\s)|^){BLANK}(?=\s|$)"
)
# a run of value cells (a number or a blank marker with spaces or a table's | on both sides), and the
# spaces around it; a number glued to a label is an enumerator (1.属于), not a value cell
_CELL_RUN = re.compile(rf" *(?:(?<![^ |])(?:{_VALUE.pattern})(?![^ |]) *)+")


@dataclass(frozen=True)
class RowLabel:
    table: str
    row: str
    enum: str
    enum_required: bool
    pattern: re.Pattern[str]
    fuzzy_label: str


@cache
def _labels_file(name: str) -> list[dict[str, str]]:
    text = resources.files("gongkai.extract").joinpath("labels", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def row_labels() -> dict[tuple[str, str], RowLabel]:
    return {
        (r["table"], r["row"]): RowLabel(
            table=r["table"],
            row=r["row"],
            enum=r["enum"],
            enum_required=r["enum_required"] == "1",
            pattern=re.compile(r["pattern"]),
            fuzzy_label=r["fuzzy_label"],
        )
        for r in _labels_file("rows.csv")
    }


@cache
def section_patterns() -> dict[str, re.Pattern[str]]:
    grouped: dict[str, list[str]] = {}
    for r in _labels_file("sections.csv"):
        grouped.setdefault(r["anchor"], []).append(r["pattern"])
    return {k: re.compile("|".join(f"(?:{p})" for p in v)) for k, v in grouped.items()}


@cache
def section_pattern_list(anchor: str) -> list[re.Pattern[str]]:
    """An anchor's patterns in priority order (the first that matches anywhere wins)."""
    return [re.compile(r["pattern"]) for r in _labels_file("sections.csv") if r["anchor"] == anchor]


def _first_anchor(text: str, anchor: str, lo: int, hi: int) -> re.Match[str] | None:
    for pattern in section_pattern_list(anchor):
        m = pattern.search(text, lo, hi)
        if m:
            return m
    return None


@cache
def header_patterns() -> list[tuple[str, re.Pattern[str]]]:
    return [(r["format"], re.compile(r["pattern"])) for r in _labels_file("headers.csv")]


@dataclass
class Token:
    text: str
    start: int


@dataclass
class Found:
    row: str
    start: int  # where the label begins, its enumerator included
    end: int
    body: int | None = None  # where the label's words begin (after the enumerator)


@dataclass
class Tables:
    """What the table parser found: raw cells, the format, and the spans that are not narrative."""

    format: str | None
    cells: list[RawCell]
    problems: list[str] = field(default_factory=list)
    found_tables: set[str] = field(default_factory=set)
    spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def conflicting(self) -> bool:
        """A table printed twice with different numbers: whichever copy was kept, the report is not ok."""
        return any(CONFLICTING in p for p in self.problems)


# ---------------------------------------------------------------- label search


def _label_matches(text: str, label: RowLabel, lo: int, hi: int) -> list[Found]:
    """Every place the label's pattern matches in text[lo:hi], extended over its enumerator."""
    out = []
    for m in label.pattern.finditer(text, lo, hi):
        start = _absorb_enumerator(text, m.start(), label.enum, lo)
        if label.enum_required and start == m.start():
            continue
        out.append(Found(label.row, start, m.end(), m.start()))
    return out


def _absorb_enumerator(text: str, start: int, enum: str, lo: int) -> int:
    """Move a label's start back over its own ``2.``/``2、``/``(2)``/``2)``; it is not a value of the
    row before."""
    if not enum:
        return start
    found = _enumerator_before(text, start, enum, lo)
    if found == start:
        # the pattern matched the label's end (另行制作): its enumerator may precede the label's words
        k = start
        while k > lo and start - k < 12 and not text[k - 1].isdigit() and text[k - 1] not in " .、,)(":
            k -= 1
        if k < start:
            earlier = _enumerator_before(text, k, enum, lo)
            if earlier < k:
                return earlier
    return found


def _enumerator_before(text: str, start: int, enum: str, lo: int) -> int:
    k = start
    while k > lo and text[k - 1] == " ":
        k -= 1
    if k > lo and text[k - 1] in ".、,)":
        closing = text[k - 1] == ")"
        k -= 1
        while k > lo and text[k - 1] == " ":
            k -= 1
        if text[max(lo, k - len(enum)) : k] == enum:
            k -= len(enum)
            if closing:
                j = k
                while j > lo and text[j - 1] == " ":
                    j -= 1
                if j > lo and text[j - 1] == "(":
                    return j - 1
            return k
    return start


def _fuzzy_match(text: str, label: RowLabel, lo: int, hi: int) -> Found | None:
    """Approximate search for a label with typos (a few edits, never for short labels), in the first
    ``FUZZY_SPAN`` characters of the gap: a misspelt label sits near its neighbour, and an approximate
    search costs some 0.2 µs a character (megabytes of repeated rows must not cost seconds a row)."""
    size = len(label.fuzzy_label)
    hi = min(hi, lo + FUZZY_SPAN)
    if size < 6 or hi <= lo:
        return None
    errors = max(1, size // 6)
    m = regex.search(
        f"(?:{regex.escape(label.fuzzy_label)}){{e<={errors}}}",
        text,
        pos=lo,
        endpos=hi,
        flags=regex.BESTMATCH,
    )
    if not m:
        return None
    return Found(label.row, _absorb_enumerator(text, m.start(), label.enum, lo), m.end(), m.start())


class _LabelView:
    """A table's text with its value cells taken out, so that a label its row's numbers interrupt reads
    whole: a PDF prints a wrapped label's lines above and below the row's numbers (``5.要求行政机关确 0 0
    0 0 0 0 0 认或重新出具已获取信息``). Labels are searched in the view, then mapped back."""

    def __init__(self, text: str, lo: int, hi: int):
        parts: list[str] = []
        self._view_starts: list[int] = []
        self._orig_starts: list[int] = []
        pos, size = lo, 0
        for m in _CELL_RUN.finditer(text, lo, hi):
            if m.start() > pos:
                self._view_starts.append(size)
                self._orig_starts.append(pos)
                parts.append(text[pos : m.start()])
                size += m.start() - pos
            pos = m.end()
        if pos < hi:
            self._view_starts.append(size)
            self._orig_starts.append(pos)
            parts.append(text[pos:hi])
        self.text = "".join(parts)

    def original(self, v: int) -> int:
        k = bisect_right(self._view_starts, v) - 1
        return self._orig_starts[k] + (v - self._view_starts[k]) if k >= 0 else 0

    def found(self, f: Found | None) -> Found | None:
        """A label found in the view, in the table's text."""
        if f is None:
            return None
        body = self.original(f.body) if f.body is not None else None
        return Found(f.row, self.original(f.start), self.original(f.end - 1) + 1, body)

    def match(self, row: str, m: re.Match[str]) -> Found:
        """A label that a pattern matched in the view (no enumerator), in the table's text."""
        start = self.original(m.start())
        return Found(row, start, self.original(m.end() - 1) + 1, start)


def _ordered_labels(
    text: str, rows: Sequence[str], table: str, lo: int, hi: int, optional: Sequence[str] = ()
) -> list[Found | None]:
    """Place the rows' labels in template order: the longest increasing chain of matches."""
    labels = row_labels()
    candidates = [_label_matches(text, labels[(table, r)], lo, hi) for r in rows]
    # best[i][j]: (rows placed, chain) ending with candidate j of row i. A row's matches end in increasing
    # order, so those that end before a candidate are a prefix of them, and leader[i][k] is the first of
    # the best among the first k + 1: each candidate costs a bisection per row, not a scan of its matches
    best: list[list[tuple[int, list[Found | None]]]] = []
    leader: list[list[int]] = []
    ends = [[f.end for f in cands] for cands in candidates]
    empty: tuple[int, list[Found | None]] = (0, [])
    for i, cands in enumerate(candidates):
        layer = []
        for cand in cands:
            choice = (1, [None] * i + [cand])
            for pi in range(i):
                k = bisect_right(ends[pi], cand.start)
                if k:
                    score, chain = best[pi][leader[pi][k - 1]]
                    if score + 1 > choice[0]:
                        choice = (score + 1, chain + [None] * (i - pi - 1) + [cand])
            layer.append(choice)
        best.append(layer)
        leads: list[int] = []
        for j, (score, _) in enumerate(layer):
            leads.append(j if not leads or score > layer[leads[-1]][0] else leads[-1])
        leader.append(leads)
    top = empty
    for layer in best:
        for score, chain in layer:
            if score > top[0]:
                top = (score, chain)
    chain = top[1] + [None] * (len(rows) - len(top[1]))
    # labels the patterns missed: approximate search in the gap their neighbours leave; an optional
    # group of rows (the （六） sub-rows) none of which matched is absent, not misspelt
    absent = set(optional) if not any(f for r, f in zip(rows, chain, strict=True) if r in optional) else set()
    for i, found in enumerate(chain):
        if found is not None or rows[i] in absent:
            continue
        left = next((f.end for f in reversed(chain[:i]) if f), lo)
        right = next((f.start for f in chain[i + 1 :] if f), hi)
        chain[i] = _fuzzy_match(text, labels[(table, rows[i])], left, right)
    return chain


# ---------------------------------------------------------------- values


def _values(text: str, lo: int, hi: int) -> list[Token]:
    return [Token(signed(m.group(0)), m.start()) for m in _VALUE.finditer(text, lo, hi)]


def _appeals_tokens(text: str, lo: int, hi: int, where: Callable[[int], Line | None]) -> list[Token]:
    """Table 四's values: the first 15 after its header; read by OCR, the one table row that holds 15
    values, when there is one (a digit the engine saw in a header's words, 2i计 for 总计, is none)."""
    tokens = _values(text, lo, hi)
    rows: dict[int, list[Token]] = {}
    for token in tokens:
        line = where(token.start)
        if line is not None and line.marks:
            rows.setdefault(id(line), []).append(token)
    full = [row for row in rows.values() if len(row) == APPEALS_VALUES]
    return full[0] if len(full) == 1 else tokens[:APPEALS_VALUES]


def _is_int_piece(s: str) -> bool:
    return s == "0" or (s[:1] != "0" and s.isdigit())


def _splits(token: str, parts: int, memo: dict[tuple[str, int], list[list[str]]]) -> list[list[str]]:
    """Ways to cut a run of digits into ``parts`` integers without leading zeros (``memo``: the ways
    of the token's tails, shared by one row's readings)."""
    if (token, parts) in memo:
        return memo[token, parts]
    ways: list[list[str]] = []
    if parts == 1:
        if _is_int_piece(token):
            ways.append([token])
    else:
        for cut in range(1, len(token) - parts + 2):
            head = token[:cut]
            if not _is_int_piece(head):
                if head.startswith("0"):
                    break
                continue
            ways += ([head, *rest] for rest in _splits(token[cut:], parts - 1, memo))
    memo[token, parts] = ways
    return ways


def _decodings(tokens: list[str], n: int) -> Iterator[list[str]]:
    """Ways to read ``tokens`` as ``n`` values, splitting runs of digits that lost their separators."""
    if len(tokens) == n:
        yield list(tokens)
        return
    if len(tokens) > n or not tokens:
        return
    extra = n - len(tokens)
    splittable = [i for i, t in enumerate(tokens) if t.isdigit() and len(t) > 1]
    memo: dict[tuple[str, int], list[list[str]]] = {}
    for counts in _distribute(extra, [len(tokens[i]) - 1 for i in splittable]):
        per = dict(zip(splittable, counts, strict=True))
        pieces = [_splits(t, per[i] + 1, memo) if per.get(i, 0) else [[t]] for i, t in enumerate(tokens)]
        for combo in itertools.product(*pieces):
            yield [p for piece in combo for p in piece]


def _repeats(tokens: list[str], n: int) -> Iterator[list[str]]:
    """Ways to read ``tokens`` as ``n`` values, each token standing for a run of equal cells (``000``,
    with its leading zeros, is glued digits, not a cell)."""
    if not tokens or len(tokens) >= n or any(t.isdigit() and not _is_int_piece(t) for t in tokens):
        return
    for counts in _distribute(n - len(tokens), [n] * len(tokens)):
        yield [t for t, k in zip(tokens, counts, strict=True) for _ in range(k + 1)]


def _readings(candidates: Iterable[list[str]], check: Callable[[list[str]], bool] | None) -> list[list[str]]:
    """The candidates the row's check accepts (every one without a check), at most MAX_CANDIDATES + 1."""
    found: list[list[str]] = []
    for candidate in candidates:
        if check is None or check(candidate):
            found.append(candidate)
            if len(found) > MAX_CANDIDATES:
                break
    return found


def _distribute(total: int, caps: list[int]) -> Iterator[list[int]]:
    if not caps:
        if total == 0:
            yield []
        return
    for k in range(min(total, caps[0]) + 1):
        for rest in _distribute(total - k, caps[1:]):
            yield [k, *rest]


_REQUESTS_ROW = identities.positions(identities.R3, taxonomy.APPLICANT_COLUMNS)
_APPEALS_COLUMNS = taxonomy.columns_of("appeals", taxonomy.rows_of("appeals", "2021")[0], "2021")
_APPEALS_ROW = identities.positions(identities.R4, _APPEALS_COLUMNS)


def _row_total_ok(values: Sequence[str | None]) -> bool:
    """R3 in a row of table 三 (its 7 values)."""
    return identities.adds_up([value_of(v) for v in values], _REQUESTS_ROW)


def _appeals_ok(values: list[str]) -> bool:
    """R4 in each row of table 四 (its 15 values, row by row)."""
    nums = [value_of(v) for v in values]
    return all(identities.adds_up(nums[i : i + 5], _APPEALS_ROW) for i in range(0, APPEALS_VALUES, 5))


@dataclass
class RowRead:
    """The candidate readings of one row's printed values (None: a cell the row does not show)."""

    row: str
    tokens: list[Token]
    candidates: list[list[str | None]]
    note: str | None = None
    short: bool = False  # one value fewer than cells: a candidate per place of the lost cell

    def token_for(self, i: int, n: int) -> Token | None:
        """The printed token of cell ``i`` (for its line), or the row's first one."""
        if not self.tokens:
            return None
        if len(self.tokens) == n:
            return self.tokens[i]
        if self.short and len(self.candidates) == 1 and len(self.tokens) == n - 1:
            gap = self.candidates[0].index(None)
            return self.tokens[min(i if i < gap else i - 1, n - 2)]
        return self.tokens[0]


def _gapped(texts: list[str], n: int) -> list[list[str | None]]:
    """``n - 1`` printed values with the lost cell at each of the ``n`` places."""
    return [[*texts[:p], None, *texts[p:]] for p in range(n)]


def _read_row(
    row: str,
    tokens: list[Token],
    n: int,
    check: Callable[[list[str]], bool] | None,
    lost_cell: bool = False,
    where: Callable[[int], Line | None] | None = None,
) -> RowRead:
    """The readings of a row's tokens; ``lost_cell``: with ``n - 1`` values and no split of glued digits
    that the row's check accepts, the row has lost one cell and the column identities must say which.

    With more than ``n`` values, the first or the last ``n`` are kept if only one of them adds up; if
    both do, the one printed on a single line (``where`` gives the lines), the other value being alone
    on a line of its own (a bare page number)."""
    texts = [t.text for t in tokens]
    if not tokens:
        return RowRead(row, tokens, [], "no values printed")
    if len(texts) == n:
        return RowRead(row, tokens, [texts])
    if len(texts) > n:
        windows = [texts[:n], texts[-n:]] if check else []
        good = [w for w in windows if check and check(w)]
        if len({tuple(w) for w in good}) == 1:
            kept = tokens[:n] if good[0] == windows[0] else tokens[-n:]  # each cell keeps its own box
            return RowRead(
                row, kept, [good[0]], f"{len(texts)} values for {n} cells; kept the {n} that add up"
            )
        if len(good) == 2 and where is not None and len(texts) == n + 1:
            spans = [tokens[:n], tokens[-n:]]
            one_line = [k for k, span in enumerate(spans) if len({id(where(t.start)) for t in span}) == 1]
            stray = tokens[-1] if one_line == [0] else tokens[0]
            stray_line = where(stray.start)
            alone = (
                len(one_line) == 1
                and stray_line is not None
                and len(stray_line.text.split()) == 1
                and all(where(t.start) is not stray_line for t in spans[one_line[0]])
            )
            if alone:
                return RowRead(
                    row,
                    spans[one_line[0]],
                    [good[one_line[0]]],
                    f"{len(texts)} values for {n} cells; kept the {n} printed on one line, "
                    f"{stray.text!r} is alone on its own",
                )
        return RowRead(row, tokens, [], f"{len(texts)} values for {n} cells: {' '.join(texts)}")
    found = _readings(_decodings(texts, n), check)
    # a crawler may print a run of equal cells once (265 for 265 265 265): a split of glued digits is one
    # reading among those, which only the identities may choose
    repeats = _readings(_repeats(texts, n), check) if found else []
    if check is None and len(found) == 1 and repeats:
        printed = " ".join(texts)
        return RowRead(row, tokens, [], f"glued digits or equal cells printed once {printed!r}: left NULL")
    if check is not None:
        found += repeats
    unique: list[list[str | None]] = [list(c) for c in dict.fromkeys(tuple(c) for c in found)]
    if not unique:
        if lost_cell and len(texts) == n - 1:
            return RowRead(row, tokens, _gapped(texts, n), f"{n - 1} values for {n} cells", short=True)
        return RowRead(row, tokens, [], f"{len(texts)} values for {n} cells: {' '.join(texts)}")
    note = f"glued digits {' '.join(texts)!r} split by the row's identity" if check else None
    if check is None and len(unique) > 1:
        return RowRead(row, tokens, [], f"glued digits {' '.join(texts)!r}: {len(unique)} ways to split")
    return RowRead(row, tokens, unique, note)


# ---------------------------------------------------------------- the tables


def detect_format(text: str, lo: int, hi: int) -> str | None:
    votes = {"2019": 0, "2021": 0}
    for fmt, pattern in header_patterns():
        if pattern.search(text, lo, hi):
            votes[fmt] += 1
    if votes["2019"] == votes["2021"]:
        return None
    return max(votes, key=lambda k: votes[k])


def _requests_start(text: str) -> Found | None:
    labels = row_labels()
    carried = labels[("requests", "carried_in")]
    for m in labels[("requests", "new")].pattern.finditer(text):
        if carried.pattern.search(text, m.end(), m.end() + 200):
            return Found("new", m.start(), m.end())
    first = labels[("requests", "new")].pattern.search(text) or _first_anchor(
        text, "requests_start", 0, len(text)
    )
    return Found("new", first.start(), first.end()) if first else None


_HEADING_NUMBER = re.compile(r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s?[、.]\s?(?:\(?\s?)$|#+\s?$")


def _heading_start(text: str, start: int, lo: int) -> int:
    """A heading begins at its own number (``3、``, ``三、``, ``##``), which is no table value."""
    m = _HEADING_NUMBER.search(text, max(lo, start - 6), start)
    return m.start() if m else start


def _cell(stream: Stream, table: str, row: str, column: str, token: Token | None, raw: str | None) -> RawCell:
    line = stream.where(token.start) if token else None
    mark = stream.mark(token.start) if token and raw is not None else None
    if raw == EMPTY_FIELD:
        raw = ""
    return RawCell(
        table,
        row,
        column,
        raw,
        line.page if line else None,
        line.lineno if line else None,
        (mark.x0, mark.top, mark.x1, mark.bottom) if mark else None,
        mark.confidence if mark else None,
    )


def parse_tables(stream: Stream, year: int | None = None) -> Tables:
    text = stream.text
    sections = section_patterns()
    problems: list[str] = []
    found_tables: set[str] = set()
    spans: list[tuple[int, int]] = []

    new = _requests_start(text)
    requests_lo = new.start if new else None

    # table 二: from the first article header to the section 三 heading (or the requests table)
    active_hi = requests_lo if requests_lo is not None else len(text)
    active_lo_match = _first_anchor(text, "active_start", 0, active_hi)
    active_lo = active_lo_match.start() if active_lo_match else None
    if active_lo is not None:
        headings = [m.start() for m in sections["requests_heading"].finditer(text, active_lo, active_hi)]
        if headings:
            active_hi = _heading_start(text, headings[-1], active_lo)
    fmt = detect_format(text, active_lo, active_hi) if active_lo is not None else None

    # table 三: rows in template order from the 本年新收 label to the table 四 header
    requests_rows: dict[str, RowRead] = {}
    other_as_one_row = False
    requests_hi = len(text)
    if requests_lo is not None:
        appeals = sections["appeals_start"].search(text, requests_lo)
        requests_hi = appeals.start() if appeals else len(text)
        copies = _requests_copies(text, requests_lo, stream.where)
        if copies:
            first = _parse_requests(text, requests_lo, min(requests_hi, copies[0][0]), stream.where)
            requests_rows, other_as_one_row, req_problems = _one_copy(
                [(requests_lo, first), *((lo, read) for lo, _, read in copies)], stream.where
            )
            spans += [(lo, hi) for lo, hi, _ in copies]
        else:
            requests_rows, other_as_one_row, req_problems = _parse_requests(
                text, requests_lo, requests_hi, stream.where
            )
        problems += req_problems
        if requests_rows:
            found_tables.add("requests")
            spans.append((requests_lo, requests_hi))

    if fmt is None:
        if requests_rows and not other_as_one_row:
            fmt = "2021"
        elif year is not None:
            fmt = "2021" if year >= 2021 else "2019"
        else:
            fmt = "2021"
        problems.append(f"format not printed in table 二's headers; taken as the {fmt} format")
    if fmt == "2019":
        other_as_one_row = True

    # table 四: the 15 values after its header, up to section 五
    appeals_values: list[str] | None = None
    appeals_tokens: list[Token] = []
    appeals_lo = requests_hi if requests_lo is not None else None
    if (
        appeals_lo is None
    ):  # table 三 not found: table 四 still comes after table 二, never in the narrative before
        m = sections["appeals_start"].search(text, active_lo or 0)
        appeals_lo = m.start() if m else None
    if appeals_lo is not None and appeals_lo < len(text):
        resume = sections["narrative_resume"].search(text, appeals_lo + 4)
        appeals_hi = resume.start() if resume else len(text)
        appeals_tokens = _appeals_tokens(text, appeals_lo, appeals_hi, stream.where)
        read = _read_row("appeals", appeals_tokens, APPEALS_VALUES, _appeals_ok)
        if len(read.candidates) == 1:
            appeals_values = read.candidates[0]
            if read.note:
                problems.append(f"appeals: {read.note}")
            found_tables.add("appeals")
        elif appeals_tokens:
            problems.append(f"appeals: {read.note or 'values cannot be read'}")
            found_tables.add("appeals")
        spans.append((appeals_lo, appeals_hi))
    else:
        problems.append("table 四 (行政复议、行政诉讼) not found")

    active_rows: dict[str, list[str] | None] = {}
    active_tokens: dict[str, list[Token]] = {}
    if active_lo is not None:
        active_rows, active_tokens, act_problems = _parse_active(text, active_lo, active_hi, fmt)
        problems += act_problems
        found_tables.add("active_disclosure")
        spans.append((active_lo, active_hi))
    else:
        problems.append("table 二 (主动公开政府信息情况) not found")
    if requests_lo is None:
        problems.append("table 三 (收到和处理政府信息公开申请情况) not found")

    cells: list[RawCell] = []
    for c in taxonomy.grid(fmt, other_as_one_row):
        if c.table == "active_disclosure":
            cols = taxonomy.columns_of(c.table, c.row, fmt)
            values = active_rows.get(c.row)
            tokens = active_tokens.get(c.row, [])
            i = cols.index(c.column)
            token = tokens[i] if values and len(tokens) == len(values) else (tokens[0] if tokens else None)
            cells.append(_cell(stream, c.table, c.row, c.column, token, values[i] if values else None))
        elif c.table == "requests":
            read = requests_rows.get(c.row)
            i = taxonomy.APPLICANT_COLUMNS.index(c.column)
            if read and len(read.candidates) == 1:
                value = read.candidates[0][i]
                token = read.token_for(i, 7)
            else:
                value, token = None, (read.tokens[0] if read and read.tokens else None)
            cells.append(_cell(stream, c.table, c.row, c.column, token, value))
        else:
            cols = taxonomy.columns_of("appeals", c.row, fmt)
            rows = taxonomy.rows_of("appeals", fmt)
            i = rows.index(c.row) * 5 + cols.index(c.column)
            token = (
                appeals_tokens[i]
                if len(appeals_tokens) == APPEALS_VALUES
                else (appeals_tokens[0] if appeals_tokens else None)
            )
            cells.append(
                _cell(stream, c.table, c.row, c.column, token, appeals_values[i] if appeals_values else None)
            )
    return Tables(fmt, cells, problems, found_tables, spans)


RequestsRead = tuple[dict[str, RowRead], bool, list[str]]  # the rows, （六） as one row, the problems
CONFLICTING = "printed twice with different numbers"  # the words sql/flags/flag_conflicting_tables.sql reads


def _requests_copies(
    text: str, lo: int, where: Callable[[int], Line | None]
) -> list[tuple[int, int, RequestsRead]]:
    """Table 三 printed again after the one at ``lo``: each copy's span and reading. A copy begins with
    the 本年新收 label followed by 上年结转's, and counts only when every row's label is found in it."""
    labels = row_labels()
    carried = labels[("requests", "carried_in")].pattern
    starts = [
        m.start()
        for m in labels[("requests", "new")].pattern.finditer(text, lo + 1)
        if carried.search(text, m.end(), m.end() + 200) and m.start() > lo
    ][:MAX_TABLE_COPIES]
    appeals = [m.start() for m in section_patterns()["appeals_start"].finditer(text, lo)] + [len(text)]
    copies = []
    for k, start in enumerate(starts):
        end = appeals[bisect_left(appeals, start)]
        hi = min(starts[k + 1] if k + 1 < len(starts) else len(text), end)
        read = _parse_requests(text, start, hi, where)
        if not any("label not found" in p for p in read[2]):
            copies.append((start, hi, read))
    return copies


def _values_of(read: RequestsRead) -> dict[str, list[str | None] | None]:
    return {r: (x.candidates[0] if len(x.candidates) == 1 else None) for r, x in read[0].items()}


def _one_copy(copies: list[tuple[int, RequestsRead]], where: Callable[[int], Line | None]) -> RequestsRead:
    """The reading of table 三 printed more than once: the copies agree, or the one copy whose identities
    hold is kept; else the table is left NULL. The problems say which."""
    readings = [_values_of(read) for _, read in copies]
    if all(r == readings[0] for r in readings[1:]):
        return copies[0][1]
    lines = ", ".join(_place(where(lo)).strip(" ()") for lo, _ in copies)
    said = f"requests: table 三 {CONFLICTING} ({lines})"
    holding = [
        (lo, read)
        for (lo, read), values in zip(copies, readings, strict=True)
        if None not in values.values() and _identities_hold(dict(values), list(values))
    ]
    if len(holding) == 1:
        lo, (reads, one_row, problems) = holding[0]
        kept = _place(where(lo)).strip(" ()")
        return (
            reads,
            one_row,
            [*problems, f"{said}; kept the copy at {kept}, the only one whose identities hold"],
        )
    reads, one_row, _ = copies[0][1]
    for read in reads.values():
        read.candidates, read.note = [], None
    why = "no copy's identities hold" if not holding else f"the identities hold in {len(holding)} copies"
    return reads, one_row, [f"{said}; {why}: table 三 left NULL"]


def _parse_requests(text: str, lo: int, hi: int, where: Callable[[int], Line | None]) -> RequestsRead:
    problems: list[str] = []
    labels = row_labels()
    rows = [r for r in REQUESTS_ROWS_2021 if r != taxonomy.OTHER_SINGLE_ROW]
    view = _LabelView(text, lo, hi)
    chain = _ordered_labels(view.text, rows, "requests", 0, len(view.text), optional=SPLIT_OTHER)
    placed = dict(zip(rows, chain, strict=True))

    # （六）其他处理 printed as one row: none of its three sub-rows is there
    other_as_one_row = not any(placed[r] for r in SPLIT_OTHER[:2])
    if other_as_one_row:
        left = next((placed[r].end for r in reversed(rows[: rows.index(SPLIT_OTHER[0])]) if placed[r]), 0)
        right = placed["handled_total"].start if placed["handled_total"] else len(view.text)
        single = _label_matches(view.text, labels[("requests", taxonomy.OTHER_SINGLE_ROW)], left, right)
        # neither the sub-rows nor （六） as one row: the table stops before （六）, and the layout is
        # the format's own (the 2021 sub-rows, NULL; a 2019 report is told by table 二 later)
        other_as_one_row = bool(single)
    if other_as_one_row:
        for r in SPLIT_OTHER:
            placed.pop(r)
        rows = [r for r in REQUESTS_ROWS_2021 if r not in SPLIT_OTHER]
        placed[taxonomy.OTHER_SINGLE_ROW] = single[0]
    placed = {r: view.found(f) for r, f in placed.items()}

    ordered = [(r, placed[r]) for r in rows]
    found = [(r, f) for r, f in ordered if f is not None]
    missing = [r for r, f in ordered if f is None]
    reads: dict[str, RowRead] = {}
    # a row's values: from its label's words (a wrapped label's lines may surround them) to the next label
    row_tokens = [
        _values(
            text, f.end if f.body is None else f.body, found[k + 1][1].start if k + 1 < len(found) else hi
        )
        for k, (_, f) in enumerate(found)
    ]
    if _total_column_not_printed(text, lo, row_tokens):
        for (row, _), tokens in zip(found, row_tokens, strict=True):
            texts: list[str | None] = [t.text for t in tokens]
            reads[row] = RowRead(row, tokens, [[*texts, None]] if tokens else [], short=True)
        problems.append(
            "requests: table 三 is printed without its 总计 column (not in its header, 6 values in every "
            "row): the 总计 cells are left NULL"
        )
        found = []
    for k, (row, _) in enumerate(found):
        tokens = row_tokens[k]
        # rows whose label is lost: their values follow the previous label, 7 per row
        lost = (
            rows[rows.index(row) + 1 : rows.index(found[k + 1][0])]
            if k + 1 < len(found)
            else rows[rows.index(row) + 1 :]
        )
        if lost and len(tokens) == 7 * (1 + len(lost)):
            for j, r in enumerate([row, *lost]):
                reads[r] = _read_row(r, tokens[7 * j : 7 * j + 7], 7, _row_total_ok)
            problems.append(f"requests: label of {', '.join(lost)} not found; values taken by position")
            continue
        reads[row] = _read_row(row, tokens, 7, _row_total_ok, lost_cell=True, where=where)
    for r in missing:
        if r not in reads:
            problems.append(f"requests.{r}: label not found")
            reads[r] = RowRead(r, [], [], "label not found")

    _resolve_by_columns(reads, rows)
    for r in rows:
        read = reads[r]
        if read.note and (
            len(read.candidates) != 1 or read.short or "split" in read.note or "kept" in read.note
        ):
            problems.append(f"requests.{r}: {read.note}")

    if any(len(reads[r].candidates) != 1 for r in rows):
        by_position, notes = _read_by_position(text, lo, hi, where, rows, reads)
        if by_position is not None:
            return by_position, other_as_one_row, notes
        problems += notes
    return reads, other_as_one_row, problems


_APPLICANT_HEADER = re.compile(r"申请人情况|自然人|法人或其他组织")


def _total_column_not_printed(text: str, lo: int, row_tokens: Sequence[list[Token]]) -> bool:
    """Table 三 printed without its 总计 column: its header, between the section heading and the first
    row, names the applicants but not 总计, and every row that prints values prints six of them."""
    n = len(taxonomy.APPLICANT_COLUMNS)
    counts = [len(t) for t in row_tokens if t]
    if len(counts) < 3 or any(c != n - 1 for c in counts):
        return False
    heading = None
    for m in section_patterns()["requests_heading"].finditer(text, max(0, lo - 600), lo):
        heading = m
    header = text[heading.end() if heading else max(0, lo - 300) : lo]
    return "总计" not in header and bool(_APPLICANT_HEADER.search(header))


def _resolve_by_columns(reads: dict[str, RowRead], rows: Sequence[str]) -> None:
    """Rows with several readings: keep the one combination where every column balances (R1, R2).

    Rows with glued digits first; then rows that lost a cell, each reading putting the lost cell at
    another place, against every row now known."""
    glued = [r for r in rows if len(reads[r].candidates) > 1 and not reads[r].short]
    if glued:
        solution = _unique_solution(reads, glued, rows)
        for i, r in enumerate(glued):
            if solution is not None:
                reads[r].candidates = [solution[i]]
                reads[r].note = "glued digits split by the row and column identities"
            else:
                reads[r].note = f"{len(reads[r].candidates)} ways to split the glued digits; left NULL"
                reads[r].candidates = []
    short = [r for r in rows if len(reads[r].candidates) > 1 and reads[r].short]
    if short:
        solution = _unique_solution(reads, short, rows)
        for i, r in enumerate(short):
            read = reads[r]
            printed = " ".join(t.text for t in read.tokens)
            if solution is not None:
                lost = taxonomy.APPLICANT_COLUMNS[solution[i].index(None)]
                read.candidates = [solution[i]]
                read.note = (
                    f"{len(read.tokens)} values for 7 cells: {printed}; only a lost {lost} lets the "
                    f"column identities hold: {lost} left NULL"
                )
            else:
                read.candidates = []
                read.note = (
                    f"{len(read.tokens)} values for 7 cells: {printed}; "
                    "the column identities do not tell which cell is lost: row left NULL"
                )


def _unique_solution(
    reads: dict[str, RowRead], ambiguous: list[str], rows: Sequence[str]
) -> tuple[list[str | None], ...] | None:
    """The one combination of the ambiguous rows' readings where every column balances, if unique.

    R1 and R2 are linear in the rows: each row's reading is turned once into its share of the two
    identities' per-column residuals, so that a combination costs a few additions."""
    total = 1
    for r in ambiguous:
        total *= len(reads[r].candidates)
    if total > MAX_COMBINATIONS:
        return None
    weights = _identity_weights(rows)
    fixed = {r: _numbers(read.candidates[0]) for r, read in reads.items() if len(read.candidates) == 1}
    base = [_residual(fixed, w, ambiguous) for w in weights]
    shares = [
        [tuple(tuple(w.get(r, 0) * v for v in _numbers(c)) for w in weights) for c in reads[r].candidates]
        for r in ambiguous
    ]
    solutions = []
    for combo in itertools.product(*(range(len(s)) for s in shares)):
        sums = [list(b) for b in base]
        for share, k in zip(shares, combo, strict=True):
            for total_k, part in zip(sums, share[k], strict=True):
                for i, v in enumerate(part):
                    total_k[i] += v
        if all(not abs(x) > identities.TOLERANCE for total_k in sums for x in total_k):  # NaN: not judged
            solutions.append(tuple(reads[r].candidates[k] for r, k in zip(ambiguous, combo, strict=True)))
            if len(solutions) > 1:
                return None
    return solutions[0] if solutions else None


_NAN = float("nan")


def _numbers(values: Sequence[str | None]) -> list[float]:
    """Printed values as numbers; NaN for a cell not shown (it leaves its column's identities unjudged)."""
    out = []
    for v in values:
        n = value_of(v)
        out.append(_NAN if n is None else n)
    return out


def _identity_weights(rows: Sequence[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Each row's weight in R1 (一 + 二 − （七） − 四) and in R2 (（一）…（六） − （七）), per column."""
    return identities.R1.weights(rows), identities.R2.weights(rows)


def _residual(
    numbers: dict[str, list[float]], weights: dict[str, int], later: Iterable[str] = ()
) -> list[float]:
    """An identity's residual per column (0 where it holds) over the rows in ``numbers``, the rows in
    ``later`` to be added by the caller; NaN where a part is unknown."""
    if set(weights) - set(numbers) - set(later):
        return [_NAN] * 7
    out = [0.0] * 7
    for row, w in weights.items():
        for i, v in enumerate(numbers.get(row, ())):
            out[i] += w * v
    return out


def _columns_balance(values: dict[str, list[str | None]], rows: Sequence[str]) -> bool:
    """R1 and R2 for every applicant column, where all their parts are known (``rows``: the table's)."""
    numbers = {r: _numbers(v) for r, v in values.items()}
    return all(
        not abs(x) > identities.TOLERANCE for w in _identity_weights(rows) for x in _residual(numbers, w)
    )


def _identities_hold(values: dict[str, list[str | None]], rows: Sequence[str]) -> bool:
    """R3 in every row with all its cells, then R1 and R2 in every column with all their parts."""
    for vals in values.values():
        if None not in vals and not _row_total_ok(vals):
            return False
    return _columns_balance(values, rows)


# ---------------------------------------------------------------- reading by position


def _whole_cell(
    text: str, start: int, end: int, line: Line | None, where: Callable[[int], Line | None]
) -> bool:
    """A value that fills its cell: spaces or a table's ``|`` on both sides, or the line's end.

    A number glued to a label (``1.属于国家秘密``, ``无2.没有``) is an enumerator, not a value."""
    before_ok = start == 0 or text[start - 1] in " |" or where(start - 1) is not line
    after_ok = end >= len(text) or text[end] in " |" or where(end) is not line
    return before_ok and after_ok


def _value_groups(
    text: str, lo: int, hi: int, where: Callable[[int], Line | None]
) -> list[tuple[list[Token], Line | None]]:
    """Each line's maximal runs of whole-cell values, in document order.

    Values in a run are apart by spaces or by one ``|`` (an empty table cell ends the run)."""
    groups: list[tuple[list[Token], Line | None]] = []
    run: list[Token] = []
    run_line: Line | None = None
    prev_end = lo
    for token in _values(text, lo, hi):
        end = token.start + len(token.text)
        line = where(token.start)
        if not _whole_cell(text, token.start, end, line, where):
            if run:
                groups.append((run, run_line))
            run = []
            continue
        if run and line is run_line and text[prev_end : token.start].replace(" ", "") in ("", "|"):
            run.append(token)
        else:
            if run:
                groups.append((run, run_line))
            run, run_line = [token], line
        prev_end = end
    if run:
        groups.append((run, run_line))
    return groups


def _shown(values: Sequence[str | None]) -> str:
    return " ".join("?" if v is None else v for v in values)


def _place(line: Line | None) -> str:
    if line is None:
        return ""
    return f" (line {line.lineno})" if line.page is None else f" (page {line.page}, line {line.lineno})"


def _read_by_position(
    text: str,
    lo: int,
    hi: int,
    where: Callable[[int], Line | None],
    rows: Sequence[str],
    reads: dict[str, RowRead],
) -> tuple[dict[str, RowRead] | None, list[str]]:
    """Table 三's rows from its value groups in template order, where labels got detached from numbers.

    Taken only if there is one group per row (the last row may print one value fewer), every row read
    by its label gets the same values, and R1, R2 and R3 hold wherever all their parts are known.
    Returns the reads and the problems to report, or None and why the reading was refused."""
    n = len(taxonomy.APPLICANT_COLUMNS)
    groups = _value_groups(text, lo, hi, where)
    kept = [(g, line) for g, line in groups if len(g) in (n, n - 1)]
    skipped = [(g, line) for g, line in groups if len(g) not in (n, n - 1)]
    refused = "requests: reading by position refused"
    if len(kept) != len(rows):
        return None, []  # not one group per row: no reading by position to weigh
    if any(len(g) == n - 1 for g, _ in kept[:-1]):
        return None, [f"{refused}: a group of {n - 1} values before the last row"]

    by_label = {r: reads[r].candidates[0] for r in rows if len(reads[r].candidates) == 1}
    values: dict[str, list[str | None]] = {
        r: [t.text for t in g] for r, (g, _) in zip(rows, kept, strict=True)
    }
    last = rows[-1]
    last_tokens = kept[-1][0]
    problems: list[str] = []
    if len(last_tokens) == n - 1:
        texts = [t.text for t in last_tokens]
        places = [p for p in _gapped(texts, n) if _identities_hold(dict(values, **{last: p}), rows)]
        if not places:
            return None, [f"{refused}: no place for {last}'s lost cell lets the identities hold"]
        if len(places) == 1:
            values[last] = places[0]
            lost = taxonomy.APPLICANT_COLUMNS[places[0].index(None)]
            problems.append(
                f"requests.{last}: {n - 1} values for {n} cells: {' '.join(texts)}; only a lost {lost} "
                f"lets the column identities hold: {lost} left NULL"
            )
        else:
            values[last] = [None] * n
            problems.append(
                f"requests.{last}: {n - 1} values for {n} cells: {' '.join(texts)}; "
                "the column identities do not tell which cell is lost: row left NULL"
            )

    unresolved = [r for r in rows if r not in by_label]
    if not any(v is not None for r in unresolved for v in values[r]):
        return None, []  # it reads none of the rows the labels left unread: nothing to add
    for r, known in by_label.items():
        if known != values[r]:
            return None, [
                f"{refused}: requests.{r} reads {_shown(known)} by its label, {_shown(values[r])} by position"
            ]
    if not _identities_hold(values, rows):
        return None, [f"{refused}: the identities (R1, R2, R3) do not hold"]

    out: dict[str, RowRead] = {}
    for r, (g, _) in zip(rows, kept, strict=True):
        read = [values[r]] if any(v is not None for v in values[r]) else []
        out[r] = RowRead(r, g, read, short=len(g) == n - 1)
    problems.insert(
        0,
        f"requests: {len(unresolved)} rows not read by their labels ({', '.join(unresolved)}); "
        f"all {len(rows)} rows read by position from {len(kept)} value groups in template order, "
        f"validated by the identities (R1, R2, R3) and by the {len(by_label)} rows read by label",
    )
    for g, line in skipped:
        problems.append(
            f"requests: value group {' '.join(t.text for t in g)!r}{_place(line)} skipped: "
            f"{len(g)} value{'s' if len(g) > 1 else ''}, not a row of {n}"
        )
    return out, problems


def _parse_active(
    text: str, lo: int, hi: int, fmt: str
) -> tuple[dict[str, list[str] | None], dict[str, list[Token]], list[str]]:
    labels = row_labels()
    rows = taxonomy.rows_of("active_disclosure", fmt)
    problems: list[str] = []
    # labels are searched with the value cells taken out (行政规范 0 0 7 性文件 reads 行政规范性文件)
    view = _LabelView(text, lo, hi)
    matches: dict[str, list[Found]] = {
        r: [view.match(r, m) for m in labels[("active_disclosure", r)].pattern.finditer(view.text)]
        for r in rows
    }
    anchors = sorted(
        {f.start for found in matches.values() for f in found}
        | {m.start() for m in section_patterns()["active_start"].finditer(text, lo, hi)}
        | {hi}
    )
    values: dict[str, list[str] | None] = {}
    tokens_of: dict[str, list[Token]] = {}
    for row in rows:
        n = len(taxonomy.columns_of("active_disclosure", row, fmt))
        best: RowRead | None = None
        for f in matches[row]:
            end = next(a for a in anchors if a >= f.end)
            read = _read_row(row, _values(text, f.start, end), n, None)
            if best is None or (read.tokens and not best.tokens):
                best = read
            if read.tokens:
                break
        if best is None:
            problems.append(f"active_disclosure.{row}: label not found")
            values[row], tokens_of[row] = None, []
            continue
        tokens_of[row] = best.tokens
        if len(best.candidates) == 1:
            values[row] = best.candidates[0]
            if best.note:
                problems.append(f"active_disclosure.{row}: {best.note}")
        else:
            values[row] = None
            problems.append(f"active_disclosure.{row}: {best.note}")
    return values, tokens_of, problems
