"""OCR readings proven before they are kept: a cell read by OCR is a fact only when it is certain.

1. A cell is *doubtful* when the engine's confidence is below ``CONFIDENT``, when its reading is more than
   a number (2t: the t may be a 1 a seal's ring took), when an empty cell has
   ink in it (something printed that was not read), when it takes part in an identity (R1–R4)
   that the readings break. A cell whose row's boxes do not stand in the table's column order (a rule
   the scan lost merged or split cells: the reading order no longer says which value is which) is
   NULL at once: identities that happen to hold (0 = 0 + 0) prove nothing about a column.
2. Each doubtful cell is read again from its crop of the page, cut to its print, enlarged with the paper
   around the print made white, and binarised (``ocr.read_crops``); of its lines of ink, only the darkest
   (a grey seal's fainter words run through tall cells). Readings agree when each is a number and nothing
   more (2t, 2Y agree with no 2: the t may be a 1 the fading took). A cell whose new readings agree with the
   first is certain again (but not one under a grey seal in an identity the readings break: only the
   identities prove that one) when the first or every new one has confidence ``CONFIDENT`` or more, or when
   in none of the new ones the engine gave another digit over ``NO_RIVAL`` of probability (its second
   choices: no other number was in view). A reading that cannot be the cell's (a fraction in a column of
   counts) is no candidate. Under a faded seal the unfaded crop is read too, when the fading may have taken
   print (print no darker than the seal: ``Page.print_kept`` false) and took ink in or beside the cell's
   print (a ring passing a digit's width off took none of it), and a number read there must be the
   same; the seal's own ink read there (八, a letter) is none. Where the fading kept print, the unfaded crop
   would add only the seal's ink (its edge beside a 0 read as 01, 70) and is not read. A re-reading that
   may be a 0 the ring cut (C, a bracket: ``CUT_ZEROS``; or any reading, where the fading took ink in or
   beside the print: a cut 0 reads 7, a, 1) offers 0 as a reading, one that only the identities may keep.
   A cell read as nothing at first whose re-readings read one number surely has that number as its
   first reading.
3. The rest are proven by the identities (``identities.checks``, the declaration the table parser proves
   glued digits with). First one at a time: an identity whose other parts are all known (certain, or proven
   before) fixes a doubtful cell's value exactly, and one whose known parts already balance leaves its
   unknown parts, all on one side, at 0 (counts are never negative); each kept when it is the engine's
   first reading. Then group by group, the identities as linear equations: a combination gives each
   doubtful cell a reading or leaves it unknown (its truth may be none the engine offered; a cell with no
   reading is always unknown, and cells the report leaves NULL are unknowns too), and stands when the
   equations can hold with whole, non-negative values. Of the combinations that leave the fewest cells
   unknown, a reading all of them share is kept when the equations fix it even with any one other doubtful
   reading taken away (one sum alone cannot tell which of its parts is wrong); a reading other than the
   engine's first, only when they also fix it without any one identity (a report's own broken sum may match
   a rival reading by chance). Proven cells are fed back until no more are. The others are NULL, with
   ``ocr_unproven: …`` in problems (the flag ``sql/flags/flag_ocr_unproven.sql`` reads it); an unknown
   cell's value is never stored.
4. An identity still broken by cells that are all certain is the report's own: the printed values are
   kept and a problem says so (``broken as printed``), unlike an OCR doubt. But not its parts that
   stand in a grey seal's disc: the seal's star or words may hide a stroke (195 read 95) or add one,
   and the engine is confident all the same, on a second reading too. Those are NULL, and so are
   they in an identity that its NULL cells cannot make hold (``Check.can_hold``: 95 against parts
   that add up to more).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from gongkai import identities, taxonomy
from gongkai.extract import ocr
from gongkai.extract.ocr import INK
from gongkai.model import Extraction, RawCell
from gongkai.numbers import AMOUNT_COLUMNS, is_number, is_value, value_of

CONFIDENT = 0.95  # the engine's confidence (0–1) above which a reading stands without proof
NO_RIVAL = 0.01  # readings that agree stand when no other digit had more than this probability in any
INSET = 0.12  # of a cell's height: the margin cut from a crop so that its rules stay out
INK_SHARE = 0.004  # share of an empty cell's inside that is ink: something printed was not read
MAX_UNREAD = 6  # readable doubtful cells of a group that may be left unknown for its identities to hold
MAX_STEPS = 200_000  # combinations tried for a group of doubtful cells before it is left NULL
MAX_SOLUTIONS = 1_000  # combinations kept that all hold
MAX_WEIGHED = 20_000  # whole combinations solved (~50 µs each: a group costs a second at most)
BINARY_BLOCK = 31  # pixels: the neighbourhood a re-read crop is binarised against (a digit is ~40 high)
BINARY_OFFSET = 15  # grey levels under the neighbourhood's weighted mean that count as ink
SPECK_MM = 1.0  # ink smaller than this every way is the paper's grain or a dot, not a digit (~2.3 mm high)
SLIVER_PX = 3  # ink this thin at a crop's edge is a rule's edge, not print
LINE_CONTRAST = 25  # grey levels: a line of a cell this much fainter than its darkest line is no print
DIGIT_REACH = 0.75  # of a number's height: a digit beside it has ink this near (a 1's stroke ~0.45)
MIN_INK_MM = 1.2  # a cell's ink lower than this is no digit (a 9 pt digit is ~2.3 mm high)
# a 0 a seal's ring cut, read as a letter or a bracket: a reading that only two identities may keep
CUT_ZEROS = frozenset({"C", "c", "O", "o", "D", "Q", "U", "u", "n", "り", "(", ")", "（", "）", "〇"})
UNPROVEN = "ocr_unproven"  # the words sql/flags/flag_ocr_unproven.sql reads

Key = tuple[str, str, str]

if TYPE_CHECKING:
    from gongkai.extract.scan import Page


@dataclass
class Doubt:
    """A doubtful cell: why, and the readings it may have (None: the cell shows nothing readable)."""

    reason: str
    readings: list[str] = field(default_factory=list)
    # the engine's first reading (or, for none, its re-readings' one sure number): one identity may confirm it
    first: str | None = None
    sealed: bool = False  # under a grey seal, in an identity the readings break: only the identities prove it
    cut: str | None = None  # a re-reading that may be a 0 a seal's ring cut (``CUT_ZEROS``): 0 is a reading

    def rival(self, reading: str) -> bool:
        """Whether ``reading`` is another than the first: only two identities may choose it (one sum
        alone may be the report's own error that a rival happens to match)."""
        return not self.first or not _same(reading, self.first)


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


def _variants(crop: np.ndarray, mm: float, sealed: bool = False) -> list[np.ndarray]:
    """The crop cut to its print (``_printed``), then twice enlarged with the paper around the print
    made white (a noisy scan's grain, enlarged, is read as strokes), and binarised: its print black
    (found against its neighbourhood's grey, so that a blurred scan's digits keep their loops, which
    one threshold for the whole crop closes), each with a white border."""
    import cv2

    crop, ink = _printed(crop, mm, sealed)
    clean = crop.copy()
    clean[cv2.dilate(ink, np.ones((3, 3), np.uint8)) == 0] = 255
    big = cv2.resize(clean, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    binary = 255 - ink
    pad = max(4, crop.shape[0] // 4)
    return [
        cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)
        for image in (big, binary)
    ]


def _printed(crop: np.ndarray, mm: float, sealed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The part of a cell's crop that holds its print, with a margin of a third of the print's height,
    and the print's pixels (255) in it. The recogniser scales a crop to its line height: a digit in a
    tall or wide cell came out small (a 0 read as 。 or °) or beside the paper's grain (read as more
    digits). Print is ink darker than its neighbourhood's weighted mean by ``BINARY_OFFSET``, in
    strokes that reach ``INK`` somewhere; not specks smaller than ``SPECK_MM`` every way, slivers of
    rules at the crop's edge, or a faded seal's faint edges; in a grey seal's disc (``sealed``), no ink
    that reaches the crop's top or bottom (the seal's star and ring run on beyond the cell; print
    stands in its middle, a wide number's digits perhaps at its sides); of the lines of what is left,
    the darkest (``_darkest_line``). No print, or less than ``MIN_INK_MM`` high (a speck alone): the
    whole crop and all its ink."""
    found = _print_of(crop, mm, sealed)
    if found is None:
        return crop, _ink(crop)
    (y0, y1, x0, x1), labels, kept = found
    margin = max(3, round((y1 - y0) / 3))
    box = np.s_[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin]
    mask = np.where(np.isin(labels[box], kept), 255, 0).astype(np.uint8)
    return crop[box], mask


def _ink(crop: np.ndarray) -> np.ndarray:
    """A crop's ink (255): darker than its neighbourhood's weighted mean by ``BINARY_OFFSET``."""
    import cv2

    return cv2.adaptiveThreshold(
        crop, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY_INV, BINARY_BLOCK, BINARY_OFFSET
    )


def _print_of(
    crop: np.ndarray, mm: float, sealed: bool
) -> tuple[tuple[int, int, int, int], np.ndarray, list[int]] | None:
    """A crop's print, as ``_printed`` tells it: its box (top, bottom, left, right), the crop's ink
    components and those of them that are print; None when it has none."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(_ink(crop), connectivity=8)
    darkest = np.full(count, 255, np.uint8)
    np.minimum.at(darkest, labels.ravel(), crop.ravel())
    height, width = crop.shape
    kept = []
    for label in range(1, count):
        x, y, w, h, _ = stats[label]
        edge = x == 0 or y == 0 or x + w == width or y + h == height
        seals = sealed and (y == 0 or y + h == height)  # print is centred in its cell; a seal runs on
        sliver = seals or (edge and min(w, h) <= SLIVER_PX)
        if max(w, h) >= SPECK_MM * mm and not sliver and darkest[label] < INK:
            kept.append(label)
    if not kept:
        return None
    kept = _darkest_line(kept, stats, darkest)
    x0, y0 = (int(stats[kept, i].min()) for i in (0, 1))
    x1, y1 = (int((stats[kept, i] + stats[kept, i + 2]).max()) for i in (0, 1))
    if y1 - y0 < MIN_INK_MM * mm:
        return None
    return (y0, y1, x0, x1), labels, kept


def _took_beside_print(crop: np.ndarray, before: np.ndarray, mm: float, sealed: bool) -> bool:
    """Whether a seal's fading took ink in the cell's print or beside it, within ``DIGIT_REACH`` of its
    height on its line (a stroke of it, or a digit of the number wholly under the ring). Ink taken only
    farther away is the ring passing the cell: the unfaded crop would show it beside the number (a 0
    read as 01) and shows no print the fading took. A cell the fading left no print in took it all."""
    found = _print_of(crop, mm, sealed)
    if found is None:
        return True
    y0, y1, x0, x1 = found[0]
    reach = round(DIGIT_REACH * (y1 - y0))
    taken = (before < INK) & (crop >= INK)
    return bool(taken[max(0, y0 - reach // 2) : y1 + reach // 2, max(0, x0 - reach) : x1 + reach].any())


def _darkest_line(kept: list[int], stats: np.ndarray, darkest: np.ndarray) -> list[int]:
    """Of a cell's ink components, those on the lines (runs of rows that overlap by less than half) whose
    darkest ink is within ``LINE_CONTRAST`` of the darkest line's: a number is printed on one line,
    and a fainter line apart from it is not print (a grey seal's words left by the fading, in a tall
    cell whose number stands on its first line)."""
    lines: list[list[int]] = []
    start = bottom = -1
    for label in sorted(kept, key=lambda k: stats[k, 1]):
        top, height = int(stats[label, 1]), int(stats[label, 3])
        if bottom - top < min(height, bottom - start) / 2:  # on the line above by less than half
            lines.append([])
            start = top
        lines[-1].append(label)
        bottom = max(bottom, top + height)
    if len(lines) == 1:
        return kept
    darkness = [int(min(darkest[k] for k in line)) for line in lines]
    return [
        k
        for line, dark in zip(lines, darkness, strict=True)
        if dark <= min(darkness) + LINE_CONTRAST
        for k in line
    ]


def _has_ink(crop: np.ndarray) -> bool:
    return float((crop < INK).mean()) > INK_SHARE


def _same(a: str | None, b: str | None) -> bool:
    """Whether two readings are one number, each read as nothing but a number (and its unit): a reading
    with more in it (2t, 2Y: a 1 the fading took, the ring read beside the 2) agrees with none."""
    return is_number(a) and is_number(b) and value_of(a) == value_of(b)


def _sure(read: list[ocr.Reading]) -> bool:
    """Whether re-readings are sure: each with confidence, or none with another digit in view."""
    return all(r.confidence >= CONFIDENT for r in read) or all(r.rival <= NO_RIVAL for r in read)


def _reread(cells: list[RawCell], doubts: dict[Key, Doubt], pages: dict[int, Page]) -> None:
    """Read each doubtful cell again from its crop; one whose readings all agree confidently (or that
    shows no ink at all, as read) is no longer doubtful."""
    crops: list[np.ndarray] = []
    owners: list[tuple[Key, bool]] = []  # and whether the crop is the unfaded one
    unfaded: set[Key] = set()
    by_key = {_key(c): c for c in cells}
    for key in sorted(doubts):
        c = by_key[key]
        page = pages.get(c.page or 0)
        crop = _crop(page, c.box) if page is not None and c.box is not None else None
        if crop is None:
            continue
        # a fading that kept print took none: the unfaded crop shows only the seal's ink more
        before = None if page.print_kept else _faded(page, crop, c.box)
        if c.raw == "" and not _has_ink(crop) and before is None:
            del doubts[key]  # an empty cell, truly empty (not emptied by a seal's fading)
            continue
        sealed = page.under_seal(c.box)
        if before is not None and not _took_beside_print(crop, before, page.mm, sealed):
            before = None
        for image in _variants(crop, page.mm, sealed):
            crops.append(image)
            owners.append((key, False))
        for image in [] if before is None else _variants(before, page.mm, sealed):
            crops.append(image)
            owners.append((key, True))
        if before is not None:
            unfaded.add(key)
    readings: dict[Key, list[ocr.Reading]] = {}
    for (key, under_ink), reading in zip(owners, ocr.read_crops(crops), strict=True):
        text = "".join(reading.text.split())
        if under_ink and not any(ch.isdigit() for ch in text):
            continue  # the seal's own ink read (八, a stray letter): no number to compare
        readings.setdefault(key, []).append(replace(reading, text=text))
    for key, again in readings.items():
        c = by_key[key]
        first = c.raw or ""
        # a seal's fading may have taken print with it: a number read in the unfaded crop must be the same
        read = again if key in unfaded else [r for r in again if _possible(c, r.text)]
        agree = bool(read) and all(_same(r.text, first) for r in read)
        sure = (c.confidence or 0.0) >= CONFIDENT or _sure(read)
        if first and agree and sure and not doubts[key].sealed:
            del doubts[key]
            continue
        doubt = doubts[key]
        if not first and _one_sure_reading(c, read):
            doubt.first = read[0].text  # nothing read at first: the re-readings' one number is the engine's
        # a 0 the ring cut reads as a letter, a bracket, or a digit the ring's stroke makes of it (7, 1)
        doubt.cut = next(
            (r.text for r in again if r.text in CUT_ZEROS or (key in unfaded and r.text not in ("", "0"))),
            None,
        )
        for text in [first, *(r.text for r in read), *(["0"] if doubt.cut else [])]:
            if _possible(c, text) and not any(_same(text, r) for r in doubt.readings):
                doubt.readings.append(text)


def _one_sure_reading(c: RawCell, read: list[ocr.Reading]) -> bool:
    """Whether two or more re-readings read one number, each with confidence or with no other digit
    in view: the engine's reading of a cell it read nothing in at first (one identity may confirm it)."""
    return (
        len(read) >= 2
        and _sure(read)
        and _possible(c, read[0].text)
        and all(_same(r.text, read[0].text) for r in read)
    )


def _possible(c: RawCell, text: str) -> bool:
    """Whether a reading can be the cell's: a number and nothing else, whole unless the column holds an
    amount."""
    return is_number(text) and (c.column in AMOUNT_COLUMNS or float(value_of(text) or 0).is_integer())


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
    """The doubtful cells the identities prove, each as the one of its readings they imply: those an
    identity fixes alone (``_determine``), then the rest group by group (``_combine``); again, with
    the cells proven so far known, until no more are."""
    found: dict[Key, str] = {}
    while True:
        known = value | {k: value_of(r) for k, r in found.items()}
        rest = {k: d for k, d in doubts.items() if k not in found}
        new = _determine(rest, checks, known)
        known |= {k: value_of(r) for k, r in new.items()}
        rest = {k: d for k, d in rest.items() if k not in new}
        for group in _components(rest, checks):
            new |= _combine({k: rest[k] for k in group}, checks, known)
        if not new:
            return found
        found |= new


def _determine(
    doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...], value: dict[Key, float | None]
) -> dict[Key, str]:
    """Doubtful cells confirmed one at a time: an identity whose other parts are all known (certain,
    or confirmed before) gives the cell's value exactly; one whose known parts balance leaves its
    unknown parts, all on one side, at 0 (counts are never negative). Each is kept when it is the
    engine's first reading and every identity on it that can be judged then holds. (A rival reading is
    left to ``_combine``.)"""
    involved = [check for check in checks if any(k in check.parts for k in doubts)]
    barred: set[Key] = set()
    while True:
        known = dict(value) | {k: None for k in doubts}
        found: dict[Key, str] = {}
        progress = True
        while progress:
            progress = False
            for check in involved:
                unknown = [k for k in check.parts if known.get(k) is None and k in doubts]
                if len(unknown) > 1 and check.forces_zeros(known):
                    for k in unknown:
                        zero = [r for r in doubts[k].readings if value_of(r) == 0]
                        if k not in found and k not in barred and zero and not doubts[k].rival(zero[0]):
                            found[k], known[k] = zero[0], 0.0
                            progress = True
                if len(unknown) != 1 or unknown[0] in found or unknown[0] in barred:
                    continue
                k = unknown[0]
                fits = [r for r in doubts[k].readings if check.holds(known | {k: value_of(r)})]
                if len(fits) == 1 and not doubts[k].rival(fits[0]):
                    found[k], known[k] = fits[0], value_of(fits[0])
                    progress = True
        broken = {k for k in found for check in involved if k in check.parts and check.holds(known) is False}
        if not broken:
            return found
        barred |= broken  # and what was confirmed through them is confirmed again without them


def _combine(
    doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...], value: dict[Key, float | None]
) -> dict[Key, str]:
    """The doubtful cells that every likeliest combination of readings proves.

    A combination gives each doubtful cell one of its readings, or leaves it unknown (its truth may be
    one the engine did not offer; a cell with no reading is always unknown). The identities are then
    equations in the unknown cells (and in cells the report leaves NULL): a combination stands when
    they can all hold, every value they fix being a count (whole, not negative). The likeliest leave
    the fewest readable cells unknown, ``MAX_UNREAD`` at most. A cell is proven when they all give it
    the same reading and the identities fix its value even with any one other doubtful reading taken
    away as well (readings wrong together rarely add up two ways; one sum alone proves nothing about
    its parts); a reading other than the engine's first, when they fix it even without any one
    identity as well. Nothing is, when there are more combinations than are weighed."""
    system = _System(sorted(doubts), checks, value)
    options = [[*((r, value_of(r)) for r in doubts[k].readings), (None, None)] for k in system.keys]
    chosen: list[str | None] = [None] * len(options)
    values: list[float | None] = [None] * len(options)
    found: list[tuple[str | None, ...]] = []
    steps = weighed = 0

    def walk(depth: int, unread: int, limit: int) -> None:
        nonlocal steps, weighed
        steps += 1
        if steps > MAX_STEPS or len(found) > MAX_SOLUTIONS:
            raise _TooMany
        if depth == len(options):
            weighed += 1
            if weighed > MAX_WEIGHED:
                raise _TooMany
            if system.stands(values):
                found.append(tuple(chosen))
            return
        for text, v in options[depth]:
            left = unread + (v is None and len(options[depth]) > 1)
            if left > limit:
                continue
            values[depth], chosen[depth] = v, text
            if all(s.holds(values) is not False for s in system.judged_at[depth]):
                walk(depth + 1, left, limit)
        values[depth], chosen[depth] = None, None

    try:
        for limit in range(MAX_UNREAD + 1):
            walk(0, 0, limit)
            if found:
                break
    except _TooMany:
        return {}
    out: dict[Key, str] = {}
    if not found:
        return out
    for i, k in enumerate(system.keys):
        texts = {combo[i] for combo in found}
        text = found[0][i]
        if len(texts) != 1 or text is None or not all(system.proves(i, combo) for combo in found):
            continue
        if not doubts[k].rival(text) or all(system.proves_alone(i, combo) for combo in found):
            out[k] = text
    return out


class _System:
    """The identities that involve a group of doubtful cells, as linear equations ``matrix · x +
    constant = 0`` in the group's cells (the first columns) and the cells the report leaves NULL."""

    def __init__(self, keys: list[Key], checks: tuple[identities.Check, ...], value: dict[Key, float | None]):
        self.keys = keys
        group = set(keys)

        def unknown(check: identities.Check) -> set[Key]:
            return {k for k in check.parts if k not in group and value.get(k) is None}

        used = [c for c in checks if any(k in group for k in c.parts)]
        nulls = sorted(set().union(*(unknown(c) for c in used)))
        used += [c for c in checks if c not in used and unknown(c) and unknown(c) <= set(nulls)]
        column = {k: i for i, k in enumerate([*keys, *nulls])}
        self.matrix = np.zeros((len(used), len(column)))
        self.constant = np.zeros(len(used))
        # identities among the group's cells alone, judged as soon as their last cell has a reading
        self.judged_at: list[list[_Sum]] = [[] for _ in keys]
        for row, check in enumerate(used):
            mine: list[tuple[int, int]] = []
            for k, sign in check.signed:
                if k in column:
                    self.matrix[row, column[k]] += sign
                    mine += [(column[k], sign)] if k in group else []
                else:
                    self.constant[row] += sign * (value[k] or 0.0)
            if not unknown(check):
                self.judged_at[max(i for i, _ in mine)].append(_Sum(tuple(mine), float(self.constant[row])))
        self.nulls = list(range(len(keys), len(column)))
        self._pinned: dict[frozenset[int], frozenset[int]] = {}
        self._alone: dict[tuple[frozenset[int], int], bool] = {}

    def _unknowns(self, unread: Iterable[int]) -> list[int]:
        return [*sorted(unread), *self.nulls]

    def stands(self, values: list[float | None]) -> bool:
        """Whether the identities can all hold with these readings (None: unknown), each value they
        fix being a count."""
        unread = [i for i, v in enumerate(values) if v is None]
        unknowns = self._unknowns(unread)
        read = [i for i, v in enumerate(values) if v is not None]
        rest = self.constant + self.matrix[:, read] @ np.array([values[i] for i in read], dtype=float)
        if not unknowns:
            return bool(np.all(np.abs(rest) <= identities.TOLERANCE))
        a = self.matrix[:, unknowns]
        x, *_ = np.linalg.lstsq(a, -rest, rcond=None)
        if np.max(np.abs(a @ x + rest), initial=0.0) > 1e-6:
            return False
        _, s, vt = np.linalg.svd(a)
        free = vt[int(np.sum(s > 1e-9)) :]
        fixed = np.all(np.abs(free) <= 1e-9, axis=0) if len(free) else np.ones(len(unknowns), bool)
        counts = x[fixed]
        return bool(np.all(counts >= -1e-6) and np.all(np.abs(counts - np.round(counts)) <= 1e-6))

    def proves(self, i: int, combo: tuple[str | None, ...]) -> bool:
        """Whether the identities fix cell ``i`` with the combination's unknowns unknown, and still do
        with any one other of its readings unknown as well."""
        unread = frozenset(j for j, t in enumerate(combo) if t is None)
        if unread not in self._pinned:
            self._pinned[unread] = self._pinned_twice(unread)
        return i in self._pinned[unread]

    def proves_alone(self, i: int, combo: tuple[str | None, ...]) -> bool:
        """Whether the identities fix cell ``i`` (the combination's unknowns unknown) even without any
        one of them: two independent sums agree on its value."""
        unread = frozenset(j for j, t in enumerate(combo) if t is None)
        if (unread, i) not in self._alone:
            self._alone[unread, i] = self._pinned_by_any_rest(unread, i)
        return self._alone[unread, i]

    def _pinned_by_any_rest(self, unread: frozenset[int], i: int) -> bool:
        base = self._unknowns(unread)
        for drop in range(len(self.matrix)):
            rest = np.delete(self.matrix, drop, axis=0)
            with_i = np.linalg.matrix_rank(rest[:, [*base, i]])
            if with_i != (np.linalg.matrix_rank(rest[:, base]) if base else 0) + 1:
                return False
        return True

    def _pinned_twice(self, unread: frozenset[int]) -> frozenset[int]:
        read = [j for j in range(len(self.keys)) if j not in unread]
        base = self._unknowns(unread)

        def rank(columns: list[int]) -> int:
            return int(np.linalg.matrix_rank(self.matrix[:, columns])) if columns else 0

        without = {j: rank([*base, j]) for j in read}
        out = set()
        for i in read:
            others = [j for j in read if j != i] or [None]
            if all(
                rank([*base, i, *([] if j is None else [j])]) == (rank(base) if j is None else without[j]) + 1
                for j in others
            ):
                out.add(i)
        return frozenset(out)


@dataclass(frozen=True)
class _Sum:
    """An identity among doubtful cells alone: their places and signs, and the known parts' share."""

    parts: tuple[tuple[int, int], ...]
    constant: float

    def holds(self, values: list[float | None]) -> bool | None:
        total = self.constant
        for i, sign in self.parts:
            v = values[i]
            if v is None:
                return None
            total += sign * v
        return abs(total) <= identities.TOLERANCE


class _TooMany(Exception):
    """More combinations than ``_combine`` weighs."""


def _components(doubts: dict[Key, Doubt], checks: tuple[identities.Check, ...]) -> list[list[Key]]:
    """The doubtful cells grouped by the identities that tie them together (solved one group at a time)."""
    group = {k: k for k in doubts}

    def root(k: Key) -> Key:
        while group[k] != k:
            k = group[k]
        return k

    for check in checks:
        tied = [k for k in check.parts if k in group]
        for a, b in itertools.pairwise(tied):
            group[root(a)] = root(b)
    out: dict[Key, list[Key]] = {}
    for k in sorted(doubts):
        out.setdefault(root(k), []).append(k)
    return list(out.values())


def _name(key: Key) -> str:
    return ".".join(key)


def prove(extraction: Extraction, pages: dict[int, Page], text: bool = False) -> Extraction:
    """The extraction with every OCR cell (a cell on one of ``pages``) certain or proven, else NULL;
    its ``read_by`` says how the tables were read (``text``: the document has text of its own, a PDF's
    text layer or a web page's)."""
    extraction = replace(extraction, read_by=read_by(extraction.cells, pages, text))
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
        elif not is_value(c.raw):
            doubts[_key(c)] = Doubt(f"read {c.raw!r}: more than a number")  # 2t: a 1 a seal took?
    for c in ocr_cells:
        page = pages[c.page or 0]
        crop = _crop(page, c.box) if c.box is not None else None
        if _key(c) not in doubts and crop is not None and _faded(page, crop, c.box) is not None:
            doubts[_key(c)] = Doubt("under a seal faded from a grey scan")
    on_ocr = {_key(c) for c in ocr_cells}
    by_key = {_key(c): c for c in ocr_cells}
    for check in _broken(checks, value):
        for k in check.parts:
            if k not in on_ocr:
                continue
            sealed = _under_seal(by_key[k], pages)
            if k not in doubts:
                where = " under a seal" if sealed else ""
                doubts[k] = Doubt(f"in {check.rule}, which the readings break{where}")
            doubts[k].sealed |= sealed
    for k, doubt in doubts.items():
        doubt.first = by_key[k].raw
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
    value = {
        k: None if k in nulled else value_of(kept.get(k, v)) for k, v in ((_key(c), c.raw) for c in cells)
    }
    printed: list[str] = []
    for check in (check for check in checks if not check.can_hold(value)):
        parts = [k for k in check.parts if k in on_ocr and k not in nulled]
        sealed = [k for k in parts if _under_seal(by_key[k], pages)]
        for k in sealed:  # the seal's star or words may have hidden or added a stroke: no certainty
            nulled[k] = (
                f"{UNPROVEN}: {_name(k)}: read {by_key[k].raw!r} under a seal, in {check.rule}, which the "
                "readings break: left NULL"
            )
        if parts and not sealed and check.holds(value) is False:
            printed.append(
                f"{check.rule} broken as printed ({check.cells}): every part recognised with confidence "
                f"≥ {CONFIDENT} and confirmed by a second reading: the report's own numbers, not an OCR error"
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
                cut = doubts[k].cut  # every cell the identities keep was doubtful
                again = f"{kept[k]!r}" + (f" (a cut 0 read {cut!r})" if cut and kept[k] == "0" else "")
                problems.append(f"ocr: {_name(k)}: read {c.raw!r}, re-read {again}: proven by R1–R4")
            out.append(replace(c, raw=kept[k]))
        else:
            out.append(c)
    problems += printed
    return _with(extraction, out, problems)


def read_by(cells: Iterable[RawCell], pages: dict[int, Page], text: bool) -> str:
    """``ocr``: a document with no text of its own, all recognised; ``text+ocr``: one whose text gave
    the narrative (or some tables) and its pictures some cells; ``text``: none came from a picture."""
    if not text:
        return "ocr"
    return "text+ocr" if any(c.page in pages for c in cells) else "text"


def _under_seal(c: RawCell, pages: dict[int, Page]) -> bool:
    page = pages.get(c.page or 0)
    return page is not None and c.box is not None and page.under_seal(c.box)


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
