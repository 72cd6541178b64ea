"""Scanned pages into lines for the one table reader (``layout.lines_from_objects``).

A page image is prepared (``prepare``): made grey with a red seal's ink removed by its colour,
deskewed (up to ±2°, from the projection profile), a grey seal faded (found by its ring) and
brought to ``WORK_DPI``. Its ruling lines are
found by morphology (``ruling_edges``) and the recognised characters placed where they stand
(``chars_of``), both in PDF points from the top-left, as pdfplumber gives them; then the page's lines
come from the same ``layout.lines_from_objects`` as a text PDF's. Each token of a line keeps a
``Mark``: its cell's box on the page and the engine's confidence.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from gongkai.extract import layout, ocr, proof
from gongkai.extract.lines import extract_lines
from gongkai.extract.ocr import INK
from gongkai.extract.stream import Line
from gongkai.model import Extraction

MAX_PIXELS = 40_000_000  # a picture read at most: an A4 page at 600 dpi has 35 million
WORK_DPI = 200.0  # pages are recognised at this resolution
MIN_DPI, MAX_DPI = 150.0, 220.0  # a page outside this range is resampled to WORK_DPI
MAX_SKEW = 2.0  # degrees
SKEW_COARSE = 0.4  # degrees between the angles tried first (a page's profile is sharp over about 2°)
MAX_SIDE = 3600  # pixels: a bigger image (a poster, a bomb) is shrunk to it before anything else
A4_INCHES = (8.27, 11.69)
RED_PRINT_DARKER = 20  # grey levels below the red seal's (its lighter three quarters): print under it
SEAL_GREY = (85, 170)  # grey levels of a red seal's ink in a grey scan
SEAL_STROKE_MM = 0.6  # a seal's ring and star are solid this wide; print's grey edges are not
SEAL_RULE_MM = 20.0  # a straight run of ink this long is a rule, not a stretch of the seal's ring
SEAL_RADIUS_MM = (15.0, 30.0)  # a seal's ring, 30–60 mm across (42 mm is common)
SEAL_PX_MM = 2.0  # the resolution at which rings are looked for
MAX_SEALS = 4  # on one page
SEAL_WORDS_MM = 12.0  # the band inside a seal's ring that holds its words (and the ring itself)
SEAL_RING = 0.6  # share of a seal's ring that a scan keeps solid (rules and print cross it)
SEAL_SHARE = 0.0005  # share of the page that must be solid seal ink
SEAL_BAND_MM = 3.0  # the band a seal's ring is looked for in, when only the ring is faded
RING_CROSSING = 25  # grey levels below the ring's darkest hundredth: print under the ring (their product)
SEAL_PRINT_CONTRAST = 30  # print's darkest (5th percentile) this far below the seal's grey, or no fading
HEADING_MM = 25.0  # above a ruled table, the section's heading is recognised with it
NARRATIVE_WIDTH = 0.85  # above a table, a line this share of the page's text width is the narrative's
TITLE_MM = 35.0  # page 1's title: the lines this far below its first one (two lines of a large font)
RULE_INK = (160, 200)  # the range of the grey level under which a rule's pixels are looked for
RULE_CONTRAST = 50  # grey levels below the paper
RULE_MIN_PT = 24.0  # a horizontal rule is at least this long (the narrowest cell is ~36 pt)
RULE_MAX_PT = 4.0  # and at most this thick on average (a rule is 0.5–1.5 pt, a seal's star ~30)
RULE_MAX_PX = 4  # however coarse the image (a page probed at low resolution)
RULE_REACH_PT = 18.0  # a flat rule ending this short of a column's rule, at none, was cut there (a seal)
RULE_MEETS_PT = 2.0  # a flat rule's end this near a column's rule ends at it
RULE_JOIN_PT = 8.0  # pieces of a flat rule in line this far apart are one rule (a seal's stroke cut it)
RULE_REACH_MIN_PT = 72.0  # a loose flat rule this long may reach out: a seal's ring is flat for less


@dataclass
class Page:
    """A prepared page image: grey, deskewed, seal removed, at ``dpi``."""

    number: int
    grey: np.ndarray
    dpi: float
    angle: float = 0.0  # the skew corrected, in degrees
    seal: bool = False  # red ink was removed
    unfaded: np.ndarray | None = None  # the page before a grey seal was faded (the proof re-reads it)
    seals: tuple[tuple[float, float, float], ...] = ()  # grey seals' discs: centre and radius, pixels
    print_kept: bool = False  # the fading kept print darker than the seal: it took none with the seal

    def under_seal(self, box: tuple[float, float, float, float]) -> bool:
        """Whether a box (points) stands in a grey seal's disc, where its star and words may hide or
        add a stroke that the engine reads with confidence all the same."""
        x, y = ((box[0] + box[2]) / 2 / self.scale, (box[1] + box[3]) / 2 / self.scale)
        return any((x - cx) ** 2 + (y - cy) ** 2 <= radius**2 for cx, cy, radius in self.seals)

    @property
    def scale(self) -> float:
        """PDF points per pixel."""
        return 72.0 / self.dpi

    @property
    def mm(self) -> float:
        """Pixels per millimetre."""
        return self.dpi / 25.4


@dataclass
class ScanPage:
    """A recognised page: its lines for the table reader, the text boxes, and the prepared image."""

    page: Page
    lines: list[Line]
    boxes: list[ocr.TextBox] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.page.number


# ------------------------------------------------------------------ preparing the image


def remove_seal(rgb: np.ndarray) -> tuple[np.ndarray, bool]:
    """The page in grey with red ink (a seal, 公章) turned white; black ink under the seal stays dark,
    and so does print the scan tinted red under the seal's solid parts (darker than the seal's own
    grey). Also returns whether there was red ink."""
    import cv2

    r, g, b = (rgb[:, :, i].astype(np.int16) for i in range(3))
    red = (r > 110) & (r - g > 50) & (r - b > 40)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    found = int(red.sum()) > 0.0005 * red.size
    if found:
        # print under the ink is darker than the seal (a rule under its star, tinted red by the scan)
        under = grey < np.percentile(grey[red], 25) - RED_PRINT_DARKER
        grey[red & ~under] = 255
    return grey, found


def fade_grey_seal(grey: np.ndarray, dpi: float) -> tuple[np.ndarray, list[tuple[float, float, float]], bool]:
    """The page with seals' rings, stars and words faded to white when the scan is grey: a seal's
    red ink is mid-grey (~90–140) like print's thin rules and grey edges, but solid in strokes print's
    are not, and a seal is found by its ring (``seal_rings``), however many seals overlap. Its solid
    strokes (ring, star) fade but for print (dark, with its grey edges); in the band of its ring and
    words, all but print (darker than the seal's own grey) does too. Rules crossing it stay whole. A
    blurred, low-resolution scan whose print is no darker than the seal (its darkest twentieth within
    ``SEAL_PRINT_CONTRAST`` of the seal's grey) loses only the ring's stroke and its blurred edges:
    fading more would take the print with the seal. Print the ring crosses stays, darker than either
    (the scan multiplies their greys: ``RING_CROSSING``); print beside it in the stroke goes. Also
    returns the seals' rings faded (centre and radius, pixels; none: no seal), and whether print was
    told from the seal and kept (False: the ring's stroke went with print in it)."""
    import cv2

    middle = ((grey >= SEAL_GREY[0]) & (grey <= SEAL_GREY[1])).astype(np.uint8)
    stroke = max(3, round(SEAL_STROKE_MM / 25.4 * dpi))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (stroke, stroke))
    solid = cv2.erode(middle, kernel)
    if int(solid.sum()) < SEAL_SHARE * solid.size:
        return grey, [], False
    mm = dpi / 25.4
    rings = seal_rings(solid, mm)
    if not rings:
        return grey, [], False
    inside = np.zeros_like(middle)  # the seals' discs: their solid strokes (ring, star) go anywhere
    words = np.zeros_like(middle)  # the band of the ring and the words along it: all but print goes
    for cx, cy, radius in rings:
        centre = (round(cx), round(cy))
        cv2.circle(inside, centre, round(radius + 2.5 * mm), 1, -1)
        cv2.circle(words, centre, round(radius - SEAL_WORDS_MM * mm / 2), 1, round(SEAL_WORDS_MM * mm))
    # print is darker than the seal's own grey; thin print (a header's strokes) only a little darker
    ink = grey[(solid & inside) > 0]
    darker = max(SEAL_GREY[0], int(np.percentile(ink, 10)) - 4)
    print_ink = grey[(inside == 0) & (grey < RULE_INK[1])]
    print_kept = not (print_ink.size and np.percentile(print_ink, 5) > darker - SEAL_PRINT_CONTRAST)
    if not print_kept:
        band = np.zeros_like(middle)  # print no darker than the seal: only the ring's solid stroke goes
        for cx, cy, radius in rings:
            cv2.circle(band, (round(cx), round(cy)), round(radius), 1, round(SEAL_BAND_MM * mm))
        ring_darkest, ring_median = np.percentile(grey[(band & solid) > 0], [1, 50])
        crossing = grey < ring_darkest - RING_CROSSING  # print × ring: darker than either
        seal = (band & cv2.dilate(solid, kernel) & ~crossing) > 0
        edges = cv2.dilate(seal.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        seal |= edges & (grey > ring_median) & ~crossing  # the ring's blurred edges
    else:
        thin_print = cv2.dilate((grey < darker).astype(np.uint8), kernel)
        dark_print = cv2.dilate((grey < SEAL_GREY[0]).astype(np.uint8), kernel)  # with its grey edges
        strokes = cv2.dilate(solid & inside, kernel) & middle
        seal = ((strokes & ~dark_print) | (words & ~thin_print)) > 0
    faded = grey.copy()
    faded[seal & ~_rules(grey, round(SEAL_RULE_MM * mm))] = 255
    return faded, rings, print_kept


def seal_rings(solid: np.ndarray, mm: float) -> list[tuple[float, float, float]]:
    """The seals' rings (centre and radius, pixels) among a page's solid mid-grey strokes: at
    ``SEAL_PX_MM`` pixels a millimetre, each radius in ``SEAL_RADIUS_MM`` is matched as a ring-shaped
    filter; the best match is a seal when ``SEAL_RING`` of its angles hold a stroke (``_ring_at``),
    then the next is looked for away from it, up to ``MAX_SEALS``."""
    import cv2

    factor = SEAL_PX_MM / mm
    small = cv2.resize(solid.astype(np.float32), None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = cv2.dilate((small > 0.15).astype(np.float32), np.ones((3, 3), np.uint8))
    radii = np.arange(SEAL_RADIUS_MM[0], SEAL_RADIUS_MM[1], 1.0 / SEAL_PX_MM)
    scores = []
    for r_mm in radii:
        r = round(r_mm * SEAL_PX_MM)
        ring = np.zeros((2 * r + 5, 2 * r + 5), np.float32)
        cv2.circle(ring, (r + 2, r + 2), r, 1.0, 3)
        scores.append(cv2.filter2D(small, -1, ring / ring.sum(), borderType=cv2.BORDER_CONSTANT))
    stack = np.stack(scores)
    found: list[tuple[float, float, float]] = []
    for _ in range(MAX_SEALS):
        k, y, x = np.unravel_index(int(np.argmax(stack)), stack.shape)
        if stack[k, y, x] < SEAL_RING / 2:
            break
        radius = radii[k] * SEAL_PX_MM
        centre = (x / factor, y / factor, radius / factor)
        if _ring_at(solid, *centre, mm):
            found.append(centre)
        near = np.zeros(small.shape, np.uint8)
        cv2.circle(near, (int(x), int(y)), round(radius / 2), 1, -1)
        stack[:, near > 0] = 0
    return found


def _ring_at(solid: np.ndarray, cx: float, cy: float, radius: float, mm: float) -> bool:
    """Whether at least ``SEAL_RING`` of the angles around (cx, cy) hold a solid stroke within a
    millimetre and a half of ``radius``."""
    angles = np.linspace(0, 2 * np.pi, 180, endpoint=False)
    found = np.zeros(angles.size, bool)
    height, width = solid.shape
    for r in np.arange(radius - 1.5 * mm, radius + 1.5 * mm, max(1.0, mm / 4)):
        x = np.round(cx + r * np.cos(angles)).astype(int)
        y = np.round(cy + r * np.sin(angles)).astype(int)
        on = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        found[on] |= solid[y[on], x[on]] > 0
    return float(found.mean()) >= SEAL_RING


def _rules(grey: np.ndarray, length: int) -> np.ndarray:
    """Where the page's straight ruling lines are: runs of ink, flat or tall, at least ``length`` long."""
    import cv2

    ink = (grey < rule_ink(grey)).astype(np.uint8)
    found = np.zeros_like(ink)
    for kernel in ((length, 1), (1, length)):
        shape = cv2.getStructuringElement(cv2.MORPH_RECT, kernel)
        found |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, shape)
    return found > 0


def skew_angle(grey: np.ndarray, limit: float = MAX_SKEW, step: float = 0.1) -> float:
    """The angle (degrees) that makes the page's text lines and rules horizontal: the rotation whose
    row profile of ink is the sharpest, looked for every ``SKEW_COARSE`` degrees, then every ``step``
    around the best."""
    import cv2

    height, width = grey.shape
    shrink = min(1.0, 800.0 / max(width, 1))
    small = cv2.resize(
        grey, (max(1, int(width * shrink)), max(1, int(height * shrink))), interpolation=cv2.INTER_AREA
    )
    ink = (small < INK).astype(np.float32)
    if ink.sum() < 50:
        return 0.0
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
        rows = turned.sum(axis=1)
        return float((rows * rows).sum())

    coarse = max(np.arange(-limit, limit + step / 2, SKEW_COARSE), key=lambda a: sharpness(float(a)))
    fine = np.arange(coarse - SKEW_COARSE + step, coarse + SKEW_COARSE - step / 2, step)
    best = max((a for a in fine if abs(a) <= limit + step / 2), key=lambda a: sharpness(float(a)))
    return round(float(best), 2)


def rotate(grey: np.ndarray, angle: float) -> np.ndarray:
    """The page turned by ``angle`` degrees about its centre, the corners filled white."""
    import cv2

    if abs(angle) < 0.05:
        return grey
    height, width = grey.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(
        grey, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def deskew(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """The page straightened (up to ±2°) and the angle it was turned by."""
    angle = skew_angle(grey)
    return rotate(grey, angle), angle


def guess_dpi(width: int, height: int) -> float:
    """An image's resolution when it does not say: an A4 page's, else a screen's 96 dpi."""
    short, long = sorted((width, height))
    if 1.35 <= long / max(short, 1) <= 1.48:
        return short / A4_INCHES[0]
    return 96.0


def _resample(image: np.ndarray, factor: float) -> np.ndarray:
    import cv2

    size = (max(1, round(image.shape[1] * factor)), max(1, round(image.shape[0] * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def prepare(image: np.ndarray, dpi: float | None = None, number: int = 1) -> Page:
    """A page image (grey or RGB uint8) made ready for recognition: a red seal removed by its colour,
    deskewed, a grey seal faded, then resampled to ``WORK_DPI`` when its resolution is outside
    150–220 dpi (never beyond ``MAX_SIDE`` pixels)."""
    if image.ndim == 3:
        grey, seal = remove_seal(image[:, :, :3])
    else:
        grey, seal = image.copy(), False
    dpi = dpi or guess_dpi(grey.shape[1], grey.shape[0])
    longest = max(grey.shape)
    if longest > MAX_SIDE:  # a poster, a bomb: shrunk before anything else
        grey = _resample(grey, MAX_SIDE / longest)
        dpi *= MAX_SIDE / longest
    grey, angle = deskew(grey)  # before a grey seal is faded: the rules it keeps whole are straight then
    images = [grey]
    rings: list[tuple[float, float, float]] = []
    print_kept = False
    if not seal:
        # at the scan's own resolution: print is sharpest there
        faded, rings, print_kept = fade_grey_seal(grey, dpi)
        seal = bool(rings)
        images = [faded, grey] if seal else images
    if not MIN_DPI <= dpi <= MAX_DPI:
        factor = min(WORK_DPI / dpi, MAX_SIDE / max(grey.shape))
        images = [_resample(image, factor) for image in images]
        dpi *= factor
        rings = [(cx * factor, cy * factor, radius * factor) for cx, cy, radius in rings]
    grey, unfaded = images[0], (images[1] if len(images) > 1 else None)
    return Page(number, grey, dpi, angle, seal, unfaded, tuple(rings), print_kept)


# ------------------------------------------------------------------ rules and characters


def rule_ink(grey: np.ndarray) -> int:
    """The grey level below which a pixel may belong to a rule: ``RULE_CONTRAST`` below the paper's
    own grey (a rough scan's thin rules are light and its paper is not white), within 160–200."""
    paper = float(np.median(grey[::4, ::4]))
    return int(min(RULE_INK[1], max(RULE_INK[0], paper - RULE_CONTRAST)))


def ruling_edges(grey: np.ndarray, scale: float, ink_below: int | None = None) -> list[layout.Obj]:
    """The page's straight ruling lines as pdfplumber-style edges (points): long thin runs of ink
    (pixels darker than ``ink_below``, by default ``rule_ink``) found by opening the ink with a long
    flat (or tall) kernel, ``RULE_MIN_PT`` wide (a cell is wider; a character's stroke is not)."""
    import cv2

    ink = (grey < (rule_ink(grey) if ink_below is None else ink_below)).astype(np.uint8)
    height, width = ink.shape
    flat = max(25, width // 40, round(RULE_MIN_PT / scale))
    edges: list[layout.Obj] = []
    for orientation, kernel in (("h", (flat, 1)), ("v", (1, max(25, height // 60)))):
        lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        # bridge the gaps that noise, JPEG and a removed seal's stroke (up to 6 pt, ~2 mm) leave in a rule
        gap = max(9, round(6.0 / scale))
        bridge = (gap, 1) if orientation == "h" else (1, gap)
        lines = cv2.morphologyEx(lines, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, bridge))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for k, (x, y, w, h, area) in enumerate(stats[1:count].tolist(), start=1):
            if area / (w if orientation == "h" else h) > max(RULE_MAX_PX, RULE_MAX_PT / scale):
                continue  # a solid blob as thick as this (a grey seal's star, a shaded cell) is no rule
            if orientation == "h":
                middle = (y + _rule_at(labels[y : y + h, x : x + w] == k, 1)) * scale
                edges.append(layout._edge(x * scale, middle, (x + w) * scale, middle, "h"))
            else:
                middle = (x + _rule_at(labels[y : y + h, x : x + w] == k, 0)) * scale
                edges.append(layout._edge(middle, y * scale, middle, (y + h) * scale, "v"))
    return _reach(edges)


def _reach(edges: list[layout.Obj]) -> list[layout.Obj]:
    """The rules, the pieces of a flat one (in line, ``RULE_JOIN_PT`` apart at most) joined, and each
    long one (``RULE_REACH_MIN_PT``), or one with an end at a column's rule (within ``RULE_MEETS_PT``),
    that ends short of a column's rule (within ``RULE_REACH_PT``) and at none made to reach the
    nearest: a seal over a table's last column takes the ends of its rules past the gaps the bridging
    closes, and the column's cells, with no corners, were no cells (the 总计 of table 四). Short loose
    pieces (a seal's ring, flat at its top) and column rules (a short upright piece of its stroke)
    stay as found: reaching out, they made cells."""
    from pdfplumber.table import merge_edges

    columns = [v for v in edges if v["orientation"] == "v"]
    flats = [e for e in edges if e["orientation"] == "h"]
    out = list(columns)
    for e in merge_edges(flats, 0, RULE_MEETS_PT, RULE_JOIN_PT, 0):  # pieces in line joined
        y, x0, x1 = e["top"], e["x0"], e["x1"]
        xs = [v["x0"] for v in columns if v["top"] - RULE_MEETS_PT <= y <= v["bottom"] + RULE_MEETS_PT]
        starts, ends = (any(abs(end - x) <= RULE_MEETS_PT for x in xs) for end in (x0, x1))
        if x1 - x0 >= RULE_REACH_MIN_PT or starts or ends:
            if not starts:
                x0 = max((x for x in xs if x0 - RULE_REACH_PT <= x < x0), default=x0)
            if not ends:
                x1 = min((x for x in xs if x1 < x <= x1 + RULE_REACH_PT), default=x1)
        out.append(layout._edge(x0, y, x1, e["bottom"], "h"))
    return out


def _rule_at(component: np.ndarray, axis: int) -> float:
    """Where a rule runs across its component (``axis`` 0: a vertical rule's x, 1: a horizontal one's
    y), in pixels from the component's edge: the middle of the lines that hold most of its ink, not of
    its box, which a seal's star or ring that touches the rule widens."""
    profile = component.sum(axis=axis)
    strong = np.flatnonzero(profile >= profile.max() / 2)
    return float(strong.mean()) + 0.5


def chars_of(boxes: list[ocr.TextBox], scale: float) -> list[layout.Obj]:
    """The recognised characters as pdfplumber-style characters (points) with their ``confidence``.
    A text box without character boxes is shared out evenly among its characters."""
    chars: list[layout.Obj] = []
    for box in boxes:
        glyphs = box.glyphs
        text = "".join(ch for ch in box.text if not ch.isspace())
        if not glyphs and text:
            width = (box.x1 - box.x0) / len(text)
            glyphs = tuple(
                ocr.Glyph(
                    ch, box.x0 + i * width, box.top, box.x0 + (i + 1) * width, box.bottom, box.confidence
                )
                for i, ch in enumerate(text)
            )
        size = (box.bottom - box.top) * scale * 0.7
        for g, (x0, x1) in zip(glyphs, _touching(box.text, glyphs), strict=True):
            chars.append(
                {
                    "text": g.text,
                    "x0": x0 * scale,
                    "x1": x1 * scale,
                    "top": box.top * scale,
                    "bottom": box.bottom * scale,
                    "size": max(size, 1.0),
                    "confidence": g.confidence,
                }
            )
    return chars


def _touching(text: str, glyphs: Sequence[ocr.Glyph]) -> list[tuple[float, float]]:
    """The glyphs' extents (pixels) widened to meet halfway, but where the engine read a space
    between them: the layout then puts a space only where the engine saw one (the character boxes
    it gives are uneven, and ``7730.28`` could become two numbers)."""
    spaced, k, pending = set(), 0, False
    for ch in text:
        if ch.isspace():
            pending = True
            continue
        if pending and k:
            spaced.add(k)
        pending, k = False, k + 1
    extents = [(g.x0, g.x1) for g in glyphs]
    if k != len(glyphs):
        return extents  # the text and the glyphs do not pair one to one: as given
    for i in range(1, len(glyphs)):
        if i in spaced:
            continue
        middle = ((glyphs[i - 1].x0 + glyphs[i - 1].x1) / 2 + (glyphs[i].x0 + glyphs[i].x1) / 2) / 2
        extents[i - 1] = (extents[i - 1][0], max(extents[i - 1][1], middle))
        extents[i] = (min(extents[i][0], middle), extents[i][1])
    return extents


# ------------------------------------------------------------------ reading


def load_image(data: bytes) -> tuple[np.ndarray, float | None]:
    """An image file's pixels (RGB, uint8) and the resolution it states (None: not stated); ValueError
    with the reason for a file that is not a picture, or one of more than ``MAX_PIXELS`` (its size is
    read from the header, before any decoding)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValueError(f"{width}×{height} pixels, more than the {MAX_PIXELS:,} read in one picture")
            stated = image.info.get("dpi")
            rgb = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as e:
        raise ValueError("not a picture that can be read (PNG, JPEG, GIF, BMP, TIFF or WebP)") from e
    dpi = float(stated[0]) if stated and stated[0] and float(stated[0]) > 30 else None
    return rgb, dpi


def tables_and_title(spans: list[tuple[float, float]], page: Page) -> ocr.Select | None:
    """Which detected lines of a page to recognise when its narrative is not wanted: those of its ruled
    tables (within the ``spans`` of its table rules, ``table_spans``, with ``HEADING_MM`` above for the
    section's heading, but not the narrative's lines there: ``NARRATIVE_WIDTH`` of the page's text
    width) and, on page 1, of its title (``TITLE_MM`` below the first line, or set in a larger size
    than the page's median line). None: a page other than 1 without table rules."""
    if not spans and page.number != 1:
        return None
    mm = page.mm
    table_top, bottom = _tables_extent(spans, page) if spans else (np.inf, -np.inf)
    top, bottom = table_top - HEADING_MM * mm, bottom + mm

    def select(boxes: list[ocr.Box]) -> list[bool]:
        heights = sorted(b[3] - b[1] for b in boxes)
        tall = 1.4 * heights[len(heights) // 2] if heights else 0.0
        first = min((b[1] for b in boxes), default=0.0)
        text_width = max((b[2] for b in boxes), default=0.0) - min((b[0] for b in boxes), default=0.0)
        return [
            (
                top <= (b[1] + b[3]) / 2 <= bottom
                and (b[1] >= table_top or b[2] - b[0] < NARRATIVE_WIDTH * text_width)
            )
            or (page.number == 1 and (b[1] - first <= TITLE_MM * mm or b[3] - b[1] >= tall))
            for b in boxes
        ]

    return select


def _tables_rows(spans: list[tuple[float, float]], page: Page) -> tuple[int, int] | None:
    """The rows of pixels the detector needs to see of a page other than 1 to find its tables' lines
    and the heading above them (``tables_and_title`` recognises no more); None: the whole page."""
    if not spans or page.number == 1:
        return None
    top, bottom = _tables_extent(spans, page)
    return max(0, round(top - (HEADING_MM + 5) * page.mm)), round(bottom + 5 * page.mm)


def _tables_extent(spans: list[tuple[float, float]], page: Page) -> tuple[float, float]:
    """The top of a page's highest table rule and the bottom of its lowest (pixels)."""
    return min(a for a, _ in spans) / page.scale, max(b for _, b in spans) / page.scale


def table_spans(edges: list[layout.Obj]) -> list[tuple[float, float]]:
    """The tops and bottoms (points) of the vertical rules that meet a horizontal one: a table's (a
    stroke of text does not)."""
    flat = [e for e in edges if e["orientation"] == "h"]
    return [
        (e["top"], e["bottom"])
        for e in edges
        if e["orientation"] == "v" and any(_crossing(e, h) for h in flat)
    ]


def _crossing(v: layout.Obj, h: layout.Obj, slack: float = 2.0) -> bool:
    """Whether a vertical and a horizontal rule meet (points)."""
    return (
        h["x0"] - slack <= v["x0"] <= h["x1"] + slack and v["top"] - slack <= h["top"] <= v["bottom"] + slack
    )


def read_page(page: Page, narrative: bool = True) -> ScanPage:
    """A prepared page recognised and cut into lines (ruled table rows one line each); without its
    ``narrative``, only its tables and title are recognised (``tables_and_title``), and of a page 1
    without a table only the upper half is looked at."""
    edges = ruling_edges(page.grey, page.scale)
    spans = [] if narrative else table_spans(edges)
    image = page.grey
    if not narrative and page.number == 1 and not spans:
        image = image[: image.shape[0] // 2]  # a title page: its title is in its upper half
    boxes = ocr.recognise(
        image, None if narrative else tables_and_title(spans, page), _tables_rows(spans, page)
    )
    lines = layout.lines_from_objects(chars_of(boxes, page.scale), edges, page.number)
    return ScanPage(page, lines, boxes)


def read_image(
    image: bytes | np.ndarray, page: int = 1, dpi: float | None = None, narrative: bool = True
) -> ScanPage:
    """An image (file bytes: PNG, JPEG, …; or pixels) recognised into lines numbered as ``page``.

    ``dpi``: the image's resolution when known (a PDF page rendered at it); else the file's own, else
    guessed (an A4 page's size, or 96 dpi)."""
    if isinstance(image, bytes | bytearray):
        pixels, stated = load_image(bytes(image))
        dpi = dpi or stated
    else:
        pixels = image
    return read_page(prepare(pixels, dpi, page), narrative)


def extract_scans(
    pages: Sequence[ScanPage],
    source: str,
    sha256: str,
    file_type: str,
    year_hint: int | None = None,
    text_lines: Sequence[Line] = (),
) -> Extraction:
    """A report whose tables are pictures (``pages``, numbered apart from any page of ``text_lines``):
    the text lines, then the pages' lines, through the one table reader; every cell read by OCR then
    proven (``proof.prove``) or NULL. ``read_by`` says ``ocr`` or, with text lines, ``text+ocr``."""
    lines = [*text_lines, *(line for p in sorted(pages, key=lambda p: p.number) for line in p.lines)]
    reading = extract_lines(lines, source=source, sha256=sha256, file_type=file_type, year_hint=year_hint)
    return proof.prove(reading, {p.number: p.page for p in pages}, text=bool(text_lines))
