"""OCR readings proven before they are kept: a cell read by OCR is a fact only when it is certain.

1. A cell is *doubtful* when the engine's confidence is below ``CONFIDENT``, when an empty cell has
   ink in it (something printed that was not read), when it takes part in an identity (R1–R4)
   that the readings break. A cell whose row's boxes do not stand in the table's column order (a rule
   the scan lost merged or split cells: the reading order no longer says which value is which) is
   NULL at once: identities that happen to hold (0 = 0 + 0) prove nothing about a column.
2. Each doubtful cell is read again from its crop of the page at another scale and binarised
   (``ocr.read_crops``). A cell whose new readings agree with the first is certain again when the
   first or every new one has confidence ``CONFIDENT`` or more, or when in none of the new ones the
   engine gave another digit over ``NO_RIVAL`` of probability (its second choices: no other number
   was in view). A reading that cannot be the cell's (a fraction in a column of counts) is no
   candidate.
3. The rest are proven by the identities (``identities.checks``, the declaration the table parser
   proves glued digits with). First one at a time: an identity whose other parts are all known
   (certain, or proven before) fixes a doubtful cell's value exactly, kept when one of its readings is
   that value. Then group by group: the one combination of readings under which every judged
   identity holds, each cell judged by two of them at least (its row's and its column's), since one
   sum alone cannot tell which of its parts is wrong. Otherwise the doubtful cells are NULL, with
   ``ocr_unproven: …`` in problems (the flag ``sql/flags/flag_ocr_unproven.sql`` reads it).
4. An identity still broken by cells that are all certain is the report's own: the printed values are
   kept and a problem says so (``printed as read``), unlike an OCR doubt.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from gongkai import identities, taxonomy
from gongkai.extract import ocr
from gongkai.extract.ocr import INK
from gongkai.model import Extraction, RawCell
from gongkai.numbers import AMOUNT_COLUMNS, value_of

CONFIDENT = 0.95  # the engine's confidence (0–1) above which a reading stands without proof
NO_RIVAL = 0.01  # readings that agree stand when no other digit had more than this probability in any
INSET = 0.12  # of a cell's height: the margin cut from a crop so that its rules stay out
INK_SHARE = 0.004  # share of an empty cell's inside that is ink: something printed was not read
MAX_COMBINATIONS = 50_000
BINARY_BLOCK = 31  # pixels: the neighbourhood a re-read crop is binarised against (a digit is ~40 high)
BINARY_OFFSET = 15  # grey levels under the neighbourhood's weighted mean that count as ink
UNPROVEN = "ocr_unproven"  # the words sql/flags/flag_ocr_unproven.sql reads

Key = tuple[str, str, str]

if TYPE_CHECKING:
    from gongkai.extract.scan import Page


@dataclass
class Doubt:
    """A doubtful cell: why, and the readings it may have (None: the cell shows nothing readable)."""

    reason: str
    readings: list[str] = field(default_factory=list)


def _key(c: RawCell) -> Key:
    return (c.table, c.row, c.column)


def _checks(cells: Iterable[RawCell], fmt: str | None) -> tuple[identities.Check, ...]:
    keys = {_key(c) for c in cells}
    rows = tuple(r for r in taxonomy.rows_of("requests", "2021") if ("requests", r, "total") in keys)
    return identities.checks(rows, taxonomy.rows_of("appeals", fmt or "2021"))


def _crop(
    page: Page, box: tuple[float, float, float, float], image: np.ndarray | None = None
) -> np.ndarray | None:
    """The inside of a cell on the page's image (or ``image``, the same page unfaded; the box is in
    points), its rules cut off."""
    x0, top, x1, bottom = (v / page.scale for v in box)
    margin = INSET * (bottom - top)
    height, width = page.grey.shape
    a, b = max(0, int(top + margin)), min(height, int(bottom - margin))
    c, d = max(0, int(x0 + margin)), min(width, int(x1 - margin))
    if b - a < 4 or d - c < 4:
        return None
    return (page.grey if image is None else image)[a:b, c:d]


def _faded(page: Page, crop: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray | None:
    """The cell's crop before a grey seal was faded from it, if fading touched it."""
    if page.unfaded is None:
        return None
    before = _crop(page, box, page.unfaded)
    return before if before is not None and not np.array_equal(before, crop) else None


def _variants(crop: np.ndarray) -> list[np.ndarray]:
    """The crop twice enlarged, and binarised against its neighbourhood's grey (a blurred scan's
    digits keep their loops, which one threshold for the whole crop closes), each with a white border."""
    import cv2

    big = cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    binary = cv2.adaptiveThreshold(
        crop, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, BINARY_BLOCK, BINARY_OFFSET
    )
    pad = max(4, crop.shape[0] // 4)
    return [
        cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
        for image in (big, binary)
    ]


def _has_ink(crop: np.ndarray) -> bool:
    return float((crop < INK).mean()) > INK_SHARE


def _same(a: str | None, b: str | None) -> bool:
    return value_of(a) == value_of(b) and value_of(a) is not None


def _reread(cells: list[RawCell], doubts: dict[Key, Doubt], pages: dict[int, Page]) -> None:
    """Read each doubtful cell again from its crop; one whose readings all agree confidently (or that
    shows no ink at all, as read) is no longer doubtful."""
    crops: list[np.ndarray] = []
    owners: list[Key] = []
    unfaded: set[Key] = set()
    by_key = {_key(c): c for c in cells}
    for key in sorted(doubts):
        c = by_key[key]
        page = pages.get(c.page or 0)
        crop = _crop(page, c.box) if page is not None and c.box is not None else None
        if crop is None:
            continue
        before = _faded(page, crop, c.box)
        if c.raw == "" and not _has_ink(crop) and before is None:
            del doubts[key]  # an empty cell, truly empty (not emptied by a seal's fading)
            continue
        for image in [*_variants(crop), *([] if before is None else _variants(before))]:
            crops.append(image)
            owners.append(key)
        if before is not None:
            unfaded.add(key)
    readings: dict[Key, list[ocr.Reading]] = {}
    for key, reading in zip(owners, ocr.read_crops(crops), strict=True):
        readings.setdefault(key, []).append(replace(reading, text="".join(reading.text.split())))
    for key, again in readings.items():
        c = by_key[key]
        first = c.raw or ""
        # a seal's fading may have taken print with it: the unfaded crop must read the same
        read = again if key in unfaded else [r for r in again if _possible(c, r.text)]
        agree = bool(read) and all(_same(r.text, first) for r in read)
        sure = (
            (c.confidence or 0.0) >= CONFIDENT
            or all(r.confidence >= CONFIDENT for r in read)
            or all(r.rival <= NO_RIVAL for r in read)
        )
        if first and agree and sure:
            del doubts[key]
            continue
        doubt = doubts[key]
        for text in [first, *(r.text for r in read)]:
            if _possible(c, text) and not any(_same(text, r) for r in doubt.readings):
                doubt.readings.append(text)


def _possible(c: RawCell, text: str) -> bool:
    """Whether a reading can be the cell's: a number, whole unless the column holds an amount."""
    value = value_of(text)
    return bool(text) and value is not None and (c.column in AMOUNT_COLUMNS or float(value).is_integer())


def _misplaced(cells: list[RawCell], fmt: str | None) -> dict[Key, str]:
    """OCR cells whose boxes do not stand as their table prints them: each row's cells (table 四: all
    its cells, printed as one row) in column order left to right on one line, or top to bottom in one
    column (a table printed turned). A rule the scan lost merges or splits cells, and the reading order
    then no longer says which value is which column's."""
    groups: dict[tuple[str, str], list[RawCell]] = {}
    for c in cells:
        if c.box is not None and c.raw is not None:
            groups.setdefault((c.table, "" if c.table == "appeals" else c.row), []).append(c)
    out: dict[Key, str] = {}
    for (table, row), group in groups.items():
        order = taxonomy.order_of(fmt)
        group.sort(key=lambda c: order.get(_key(c), 0))
        if len(group) < 2 or _in_line(group, 0) or _in_line(group, 1):
            continue
        where = f"{table}.{row}" if row else table
        for c in group:
            out[_key(c)] = f"its place on the page does not follow {where}'s columns (a rule lost?)"
    return out


def _in_line(group: list[RawCell], axis: int) -> bool:
    """The cells' boxes one after another along ``axis`` (0: left to right, 1: top to bottom), each
    overlapping the first across it."""
    boxes = [c.box for c in group if c.box is not None]
    across = 1 - axis
    first = boxes[0]
    for a, b in itertools.pairwise(boxes):
        if b[axis] < a[axis + 2] - 1.0:  # starts before the previous ends
            return False
    return all(b[across] < first[across + 2] and b[across + 2] > first[across] for b in boxes)


def _broken(checks: Iterable[identities.Check], value: dict[Key, float | None]) -> list[identities.Check]:
    return [check for check in checks if check.holds(value) is False]


def _solve(
    doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...], value: dict[Key, float | None]
) -> dict[Key, str]:
    """The doubtful cells the identities prove, each as the one of its readings they imply: first
    those an identity fixes alone (``_determine``), then the rest group by group (``_combine``)."""
    found = _determine(doubts, checks, value)
    rest = {k: d for k, d in doubts.items() if k not in found}
    known = value | {k: value_of(r) for k, r in found.items()}
    for group in _components(rest, checks):
        found |= _combine({k: rest[k] for k in group}, checks, known) or {}
    return found


def _determine(
    doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...], value: dict[Key, float | None]
) -> dict[Key, str]:
    """Doubtful cells fixed one at a time: an identity whose other parts are all known (certain, or
    fixed before) gives the cell's value exactly, kept when one of its readings is that value and
    every identity on it that can be judged then holds."""
    known = dict(value) | {k: None for k in doubts}
    involved = [check for check in checks if any(k in check.expected or k in check.printed for k in doubts)]
    found: dict[Key, str] = {}
    progress = True
    while progress:
        progress = False
        for check in involved:
            unknown = [k for k in (*check.expected, *check.printed) if known.get(k) is None and k in doubts]
            if len(unknown) != 1 or unknown[0] in found:
                continue
            k = unknown[0]
            fits = [r for r in doubts[k].readings if check.holds(known | {k: value_of(r)})]
            if len(fits) == 1:
                found[k], known[k] = fits[0], value_of(fits[0])
                progress = True
    for k in list(found):
        if any(
            check.holds(known) is False for check in involved if k in check.expected or k in check.printed
        ):
            del found[k]
    return found


def _combine(
    doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...], value: dict[Key, float | None]
) -> dict[Key, str] | None:
    """The one combination of the doubtful cells' readings under which every judged identity that
    involves them holds, each of them judged by at least two (its row's and its column's: readings
    that are wrong together rarely add up both ways; one sum alone proves nothing about its parts);
    None if there is none, more than one, or a cell judged once."""
    keys = sorted(doubts)
    involved = [check for check in checks if any(k in check.expected or k in check.printed for k in keys)]
    options = [doubts[k].readings for k in keys]
    total = 1
    for o in options:
        total *= len(o)
    if not keys or total == 0 or total > MAX_COMBINATIONS:
        return None
    found: dict[Key, str] | None = None
    for combo in itertools.product(*options):
        trial = value | {k: value_of(r) for k, r in zip(keys, combo, strict=True)}
        judged = [check for check in involved if check.holds(trial) is not None]
        if any(not check.holds(trial) for check in judged):
            continue
        times = Counter(k for check in judged for k in {*check.expected, *check.printed})
        if any(times[k] < 2 for k in keys):
            continue
        if found is not None:
            return None
        found = dict(zip(keys, combo, strict=True))
    return found


def _components(doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...]) -> list[list[Key]]:
    """The doubtful cells grouped by the identities that tie them together (solved one group at a time)."""
    group = {k: k for k in doubts}

    def root(k: Key) -> Key:
        while group[k] != k:
            k = group[k]
        return k

    for check in checks:
        tied = [k for k in (*check.expected, *check.printed) if k in group]
        for a, b in itertools.pairwise(tied):
            group[root(a)] = root(b)
    out: dict[Key, list[Key]] = {}
    for k in sorted(doubts):
        out.setdefault(root(k), []).append(k)
    return list(out.values())


def _name(key: Key) -> str:
    return ".".join(key)


def prove(extraction: Extraction, pages: dict[int, Page]) -> Extraction:
    """The extraction with every OCR cell (a cell on one of ``pages``) certain or proven, else NULL."""
    cells = extraction.cells
    ocr_cells = [c for c in cells if c.page in pages and c.raw is not None]
    if not ocr_cells:
        return extraction
    checks = _checks(cells, extraction.format)
    value = {_key(c): value_of(c.raw) for c in cells}
    doubts: dict[Key, Doubt] = {}
    for c in ocr_cells:
        if c.confidence is None:
            doubts[_key(c)] = Doubt("no confidence for the reading")
        elif c.raw == "" or c.confidence < CONFIDENT:
            doubts[_key(c)] = Doubt(f"read {c.raw!r} with confidence {c.confidence:.2f}")
    for c in ocr_cells:
        page = pages[c.page or 0]
        crop = _crop(page, c.box) if c.box is not None else None
        if _key(c) not in doubts and crop is not None and _faded(page, crop, c.box) is not None:
            doubts[_key(c)] = Doubt("under a seal faded from a grey scan")
    on_ocr = {_key(c) for c in ocr_cells}
    by_key = {_key(c): c for c in ocr_cells}
    for check in _broken(checks, value):
        for k in (*check.expected, *check.printed):
            if k in on_ocr and k not in doubts:
                doubts[k] = Doubt(f"in {check.rule}, which the readings break")
    _reread(cells, doubts, pages)
    # a value in the wrong column is not proven by identities that happen to hold (0 = 0 + 0)
    nulled = {
        k: f"{UNPROVEN}: {_name(k)}: read {by_key[k].raw!r}, but {why}: left NULL"
        for k, why in _misplaced(ocr_cells, extraction.format).items()
    }
    for k in nulled:
        doubts.pop(k, None)
    kept = _solve(doubts, checks, value)
    for k in sorted(set(doubts) - set(kept)):
        readings = " / ".join(repr(r) for r in doubts[k].readings) or "nothing readable"
        nulled[k] = (
            f"{UNPROVEN}: {_name(k)}: {doubts[k].reason}; readings {readings}: no reading the identities "
            "(R1–R4) prove: left NULL"
        )
    problems = list(extraction.problems)
    out: list[RawCell] = []
    for c in cells:
        k = _key(c)
        if k in nulled:
            out.append(replace(c, raw=None))
            problems.append(nulled[k])
        elif k in kept:
            if kept[k] != c.raw:
                problems.append(f"ocr: {_name(k)}: read {c.raw!r}, re-read {kept[k]!r}: proven by R1–R4")
            out.append(replace(c, raw=kept[k]))
        else:
            out.append(c)
    final = {_key(c): value_of(c.raw) for c in out}
    for check in _broken(checks, final):
        parts = [k for k in (*check.expected, *check.printed) if k in on_ocr]
        if parts:
            problems.append(
                f"{check.rule} broken as printed ({check.cells}): every part recognised with confidence "
                f"≥ {CONFIDENT} and confirmed by a second reading: the report's own numbers, not an OCR error"
            )
    return _with(extraction, out, problems)


def _with(extraction: Extraction, cells: list[RawCell], problems: list[str]) -> Extraction:
    nulls_before = sum(1 for c in extraction.cells if c.raw is None)
    nulls = sum(1 for c in cells if c.raw is None)
    status = extraction.status
    if nulls > nulls_before and status == "ok":
        status = "partial"
    if nulls != nulls_before:
        problems = [p for p in problems if not p.endswith("cells not shown in the document (NULL)")]
        problems.append(f"{nulls} cells not shown in the document (NULL)")
    return replace(
        extraction,
        cells=cells,
        problems=problems,
        status=status,
        error="; ".join(problems) if status != "ok" else None,
    )
