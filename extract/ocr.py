"""The OCR engine: RapidOCR (PP-OCRv6 small models shipped in the ``rapidocr`` wheel) on onnxruntime, CPU.

One engine per process, created on first use (``engine()``): the models load from the wheel's own
``models/`` folder, by path, so nothing is downloaded (it runs without a network); onnxruntime's
telemetry events are switched off. onnxruntime runs with ``GONGKAI_OCR_THREADS``
threads (default 1: the workers are the parallelism). Boxes are in the pixels of the image given.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

THREADS_ENV = "GONGKAI_OCR_THREADS"
REC_BATCH = 6
STRIP_WIDTH = 960  # short lines (numbers) are read side by side in strips this wide (pixels at 48 high)
STRIP_GAP = 16  # white between them
STRIP_TEXT = 36  # pixels of the 48 a line fills in a strip: white above and below, as detection leaves it
STRIP_SURE = 0.95  # a line read in a strip with less confidence, or as Latin letters, is read again alone
REC_MIN_WIDTH = 160  # a short line (a number) is padded to this width for recognition, not rapidocr's 320
DETECT_SIDE = 1280  # the longest side the detector sees (pages are shrunk for it): as exact as 1600, faster
LONG_LINE = 320  # a line this wide (pixels at 48 high) or wider is text (a label, a heading), not a number
LONG_SQUEEZE = 0.65  # long lines are narrowed so before recognition: recognition costs by width
INK = 160  # grey level below which a pixel of a page image is ink
PRINT_MARGIN = 80  # pixels of white kept round a page's print when the detector sees only that
_MODELS = {
    "Det.model_path": "PP-OCRv6_det_small.onnx",
    "Rec.model_path": "PP-OCRv6_rec_small.onnx",
    "Cls.model_path": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
_LOCK = threading.Lock()
_ENGINE: Any = None


@dataclass(frozen=True)
class Glyph:
    """One recognised character: its text, its box (pixels, top-down) and the engine's confidence (0–1)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


@dataclass(frozen=True)
class TextBox(Glyph):
    """One detected text line: the text, its box (pixels), its confidence, and its characters."""

    glyphs: tuple[Glyph, ...] = ()


def models_dir() -> Path:
    import rapidocr

    return Path(rapidocr.__file__).parent / "models"


def threads() -> int:
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1


def engine() -> Any:
    """This process's RapidOCR engine (created once; its models are read from the wheel)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            import onnxruntime
            from rapidocr import RapidOCR

            onnxruntime.disable_telemetry_events()
            folder = models_dir()
            n = threads()
            params: dict[str, Any] = {key: str(folder / name) for key, name in _MODELS.items()}
            params |= {
                "Global.log_level": "error",
                "Global.use_cls": False,
                "Global.max_side_len": DETECT_SIDE,
                "Rec.rec_img_shape": [3, 48, REC_MIN_WIDTH],
                "EngineConfig.onnxruntime.intra_op_num_threads": n,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            _ENGINE = RapidOCR(params=params)
            detector = _ENGINE._load_det_model()
            # its mean and std in float32: the page is normalised in float32, not float64 (4× less time)
            detector.mean = np.asarray(detector.mean, np.float32)
            detector.std = np.asarray(detector.std, np.float32)
            # the recogniser, run many times a page on small batches, keeps its buffers between runs
            # (onnxruntime's memory arena, which RapidOCR turns off; the detector's would hold a page)
            _ENGINE.cfg.EngineConfig.onnxruntime.enable_cpu_mem_arena = True
            _ENGINE._load_rec_model()
        return _ENGINE


def _box(points: Any) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pixels
Select = Callable[[list[Box]], list[bool]]


def recognise(
    image: np.ndarray, select: Select | None = None, rows: tuple[int, int] | None = None
) -> list[TextBox]:
    """Every text line of an image (grey or RGB, uint8), with its characters' boxes and confidences.

    ``select``: given every detected line's box, says which to recognise; the others are not
    recognised at all (recognition is most of the cost, and a table's page needs no narrative). Then
    the short lines (numbers in cells) are read side by side in strips (``_read_strips``), and
    ``rows`` (first, last) may bound the part of the page the detector sees."""
    rgb = _rgb(image)
    eng = engine()
    if select is None:
        return _text_boxes(eng(rgb, use_cls=False, return_word_box=True, return_single_char_box=True))
    return _recognise_selected(eng, rgb, select, rows)


def _text_boxes(out: Any) -> list[TextBox]:
    """RapidOCR's output as text boxes with their characters."""
    if out is None or out.boxes is None or out.txts is None:
        return []
    words = out.word_results or ((),) * len(out.txts)
    boxes: list[TextBox] = []
    for points, text, score, chars in zip(out.boxes, out.txts, out.scores, words, strict=False):
        glyphs = tuple(
            Glyph(ch, *_box(where), float(conf))
            for ch, conf, where in chars
            if where is not None and ch.strip()
        )
        boxes.append(TextBox(text, *_box(points), float(score), glyphs))
    return boxes


def _recognise_selected(
    eng: Any, rgb: np.ndarray, select: Select, rows: tuple[int, int] | None = None
) -> list[TextBox]:
    """RapidOCR's own steps (detect, crop, recognise, place the characters) with only the selected
    lines recognised: the short ones in strips, then the long ones and the short ones a strip did not
    read with confidence one by one."""
    from rapidocr.ch_ppocr_cls import TextClsOutput
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.process_img import map_boxes_to_original

    eng.update_params(use_cls=False, return_word_box=True, return_single_char_box=True)
    left, top, printed = _printed_area(rgb, rows)
    original = eng.load_img(printed)
    try:
        with _detect_as_whole(eng, rgb.shape[:2], printed.shape[:2]):
            img, record = eng.preprocess_img(original)
            crops, det = eng.detect_and_crop(img, record)
    except RapidOCRError:
        return []
    placed = [_box(p) for p in map_boxes_to_original(det.boxes.copy(), record, *original.shape[:2])]
    chosen = [i for i, kept in enumerate(select([_moved(b, left, top) for b in placed])) if kept]
    short = [i for i in chosen if _width(crops[i]) < REC_MIN_WIDTH]
    strips = dict(zip(short, _read_strips(eng, [crops[i] for i in short]), strict=True))
    sure = {
        i
        for i, (text, score, _) in strips.items()
        if score >= STRIP_SURE and text.strip() and not any(ch.isascii() and ch.isalpha() for ch in text)
    }  # a Latin letter among numbers is a 0 read as O more often than a letter
    alone = [i for i in chosen if i not in sure]  # long lines, and short ones a strip left in doubt
    boxes: list[TextBox] = []
    if alone:
        det.boxes = det.boxes[alone]
        det.scores = [det.scores[i] for i in alone]
        kept = [crops[i] for i in alone]
        rec = eng.recognize_txt([_narrowed(crop) for crop in kept])
        boxes += _text_boxes(eng.build_final_output(original, det, TextClsOutput(), rec, kept, record))
    for i in sorted(sure):
        text, score, chars = strips[i]
        x0, y0, x1, y1 = placed[i]
        boxes.append(TextBox(text, x0, y0, x1, y1, score, _glyphs(chars, x0, y0, x1, y1)))
    return sorted((_shifted(b, left, top) for b in boxes), key=lambda b: (b.top, b.x0))


def _printed_area(rgb: np.ndarray, rows: tuple[int, int] | None = None) -> tuple[int, int, np.ndarray]:
    """The part of a page (within ``rows``) that holds print, and ``PRINT_MARGIN`` pixels round it,
    with its top-left corner: the detector's cost is by area, and a page's white margins are a quarter
    of it. Ink is looked for in 4×4 blocks, so a scan's noise does not count. The part is grown to
    whole 32-pixel steps of the detector's scale (``_detect_scale``), so the detector sees its print at
    the very scale it would see the whole page's."""
    import cv2

    height, width = rgb.shape[:2]
    first, last = max(0, rows[0]) if rows else 0, min(height, rows[1]) if rows else height
    small = cv2.resize(rgb[first:last, :, 0], None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    inked = small < INK
    ys, xs = np.nonzero(inked.any(axis=1))[0], np.nonzero(inked.any(axis=0))[0]
    if ys.size == 0:
        return 0, 0, rgb
    step = 32 / _detect_scale(rgb.shape[:2])
    top, left = first + 4 * int(ys[0]) - PRINT_MARGIN, 4 * int(xs[0]) - PRINT_MARGIN
    bottom, right = first + 4 * int(ys[-1]) + 4 + PRINT_MARGIN, 4 * int(xs[-1]) + 4 + PRINT_MARGIN
    top, bottom = _whole_steps(top, bottom, step, height)
    left, right = _whole_steps(left, right, step, width)
    return left, top, rgb[top:bottom, left:right]


def _whole_steps(start: int, end: int, step: float, size: int) -> tuple[int, int]:
    """``start``–``end`` grown to a whole number of ``step`` (within 0–``size``; all of it if it can't)."""
    length = round(np.ceil((end - start) / step) * step)
    if length >= size:
        return 0, size
    start = min(max(0, start), size - length)
    return start, start + length


def _detect_scale(page: tuple[int, int]) -> float:
    """The scale the detector sees a whole page at: ``DETECT_SIDE`` on its longest side."""
    return min(1.0, DETECT_SIDE / max(page))


@contextmanager
def _detect_as_whole(eng: Any, page: tuple[int, int], part: tuple[int, int]) -> Iterator[None]:
    """The detector set to see ``part`` of a page at the scale it would see the whole ``page`` at
    (``_detect_scale``; its shortest side at least the detector's own minimum)."""
    detector = eng._load_det_model()
    side, least = eng.max_side_len, detector.limit_side_len
    eng.max_side_len = max(32, round(max(part) * _detect_scale(page)))
    detector.limit_side_len = round(least * min(part) / min(page))
    try:
        yield
    finally:
        eng.max_side_len, detector.limit_side_len = side, least


def _moved(box: Box, dx: float, dy: float) -> Box:
    return box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy


def _shifted(box: TextBox, dx: float, dy: float) -> TextBox:
    """A text box (and its characters) found in a part of a page, placed on the whole page."""
    if not dx and not dy:
        return box
    glyphs = tuple(
        replace(g, x0=g.x0 + dx, top=g.top + dy, x1=g.x1 + dx, bottom=g.bottom + dy) for g in box.glyphs
    )
    return replace(
        box, x0=box.x0 + dx, top=box.top + dy, x1=box.x1 + dx, bottom=box.bottom + dy, glyphs=glyphs
    )


def _glyphs(
    chars: list[tuple[str, float, float]], x0: float, top: float, x1: float, bottom: float
) -> tuple[Glyph, ...]:
    """A strip's characters placed in their line's box, each centred where the engine read it and as
    wide as the line's share per character (``scan.chars_of`` makes a number's characters touch)."""
    half = (x1 - x0) / max(len(chars), 1) / 2
    return tuple(
        Glyph(ch, max(x0, x0 + at * (x1 - x0) - half), top, min(x1, x0 + at * (x1 - x0) + half), bottom, conf)
        for ch, conf, at in chars
    )


def _narrowed(crop: np.ndarray) -> np.ndarray:
    """A long line's crop narrowed by ``LONG_SQUEEZE`` (the characters of a label stay readable, and
    their places stay the same share of the line); a shorter one as it is."""
    if _width(crop) < LONG_LINE:
        return crop
    import cv2

    width = max(1, round(crop.shape[1] * LONG_SQUEEZE))
    return cv2.resize(crop, (width, crop.shape[0]), interpolation=cv2.INTER_AREA)


def _width(crop: np.ndarray) -> float:
    """A crop's width once recognition scales it to 48 pixels high."""
    return 48.0 * crop.shape[1] / max(crop.shape[0], 1)


def _rgb(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)


def _predict(rec: Any, images: list[np.ndarray], min_ratio: float = 0.0) -> np.ndarray:
    """The recogniser's per-step probabilities for a batch of RGB line images, each padded to the
    widest (at least ``min_ratio`` × 48 pixels), as RapidOCR's own recognition does."""
    widest = max([min_ratio, *(image.shape[1] / max(image.shape[0], 1) for image in images)])
    return rec.session(np.stack([rec.resize_norm_img(image, widest) for image in images]).astype(np.float32))


def _read_strips(
    eng: Any, crops: list[np.ndarray]
) -> list[tuple[str, float, list[tuple[str, float, float]]]]:
    """Short lines read side by side: scaled to 48 pixels high and set in strips of about
    ``STRIP_WIDTH`` pixels, ``STRIP_GAP`` of white between them, each strip read once; each character
    goes to the line its place in the strip falls in. Returns for each crop its text, confidence (the
    mean of its characters'; 0 when a character fell in a gap, which line's it is unknown) and
    characters (text, confidence, centre as a share of the crop's width)."""
    import cv2

    rec = eng._load_rec_model()
    decode = rec.postprocess_op
    pieces = []
    for crop in crops:
        rgb = _rgb(crop)
        height = STRIP_TEXT
        width = max(8, round(_width(rgb) * height / 48))
        piece = np.full((48, width, 3), 255, np.uint8)
        piece[(48 - height) // 2 : (48 - height) // 2 + height] = cv2.resize(rgb, (width, height))
        pieces.append(piece)
    strips: list[list[int]] = []
    for i in sorted(range(len(pieces)), key=lambda k: pieces[k].shape[1]):  # like with like: digits together
        piece = pieces[i]
        used = sum(pieces[k].shape[1] + STRIP_GAP for k in strips[-1]) if strips else STRIP_WIDTH
        if used + piece.shape[1] > STRIP_WIDTH:
            strips.append([])
        strips[-1].append(i)
    out: list[tuple[str, float, list[tuple[str, float, float]]]] = [("", 0.0, [])] * len(crops)
    for start in range(0, len(strips), REC_BATCH):
        batch = strips[start : start + REC_BATCH]
        images, spans = [], []
        for strip in batch:
            canvas = np.full(
                (48, sum(pieces[k].shape[1] + STRIP_GAP for k in strip) + STRIP_GAP, 3), 255, np.uint8
            )
            x, where = STRIP_GAP, []
            for k in strip:
                canvas[:, x : x + pieces[k].shape[1]] = pieces[k]
                where.append((k, x, x + pieces[k].shape[1]))
                x += pieces[k].shape[1] + STRIP_GAP
            images.append(canvas)
            spans.append(where)
        preds = _predict(rec, images)
        step = max(image.shape[1] for image in images) / preds.shape[1]  # strip pixels per reading step
        for probs, where in zip(preds, spans, strict=True):
            for k, reading in _split_strip(probs, where, step, decode.character).items():
                out[k] = reading
    return out


def _split_strip(
    probs: np.ndarray, where: list[tuple[int, int, int]], step: float, characters: list[str]
) -> dict[int, tuple[str, float, list[tuple[str, float, float]]]]:
    """One strip's reading (per-step probabilities) shared out among its lines (``where``: each line's
    index and its span in the strip), as ``_read_strips`` returns them."""
    found: dict[int, list[tuple[str, float, float]]] = {k: [] for k, _, _ in where}
    lost: set[int] = set()
    previous = 0
    for t, idx in enumerate(probs.argmax(axis=1).tolist()):
        ch = characters[idx] if idx else ""
        if idx and idx != previous and ch.strip():
            centre = (t + 0.5) * step
            owner = [(k, a, b) for k, a, b in where if a - step <= centre <= b + step]
            if len(owner) == 1:
                k, a, b = owner[0]
                found[k].append((ch, float(probs[t, idx]), min(1.0, max(0.0, (centre - a) / (b - a)))))
            else:
                lost.add(min(where, key=lambda w: min(abs(centre - w[1]), abs(centre - w[2])))[0])
        previous = idx
    return {
        k: (
            "".join(ch for ch, _, _ in chars),
            0.0 if k in lost or not chars else float(np.mean([c for _, c, _ in chars])),
            chars,
        )
        for k, chars in found.items()
    }


@dataclass(frozen=True)
class Reading:
    """One crop read again: its text, the engine's confidence, and ``rival``: the most probability the
    engine gave, at any step of its reading, to a digit other than the one it read there (a digit it
    nearly read instead, or nearly read in a gap). A low rival means no other number was in view."""

    text: str
    confidence: float
    rival: float


def read_crops(crops: list[np.ndarray]) -> list[Reading]:
    """Each crop holding one line of text read (recognition only, no detection), with its rival."""
    if not crops:
        return []
    rec = engine()._load_rec_model()
    decode = rec.postprocess_op
    digits = np.array([decode.dict[d] for d in "0123456789"])
    rgb = [_rgb(c) for c in crops]
    order = sorted(range(len(rgb)), key=lambda i: rgb[i].shape[1] / max(rgb[i].shape[0], 1))
    out: dict[int, Reading] = {}
    for start in range(0, len(order), REC_BATCH):
        batch = order[start : start + REC_BATCH]
        preds = _predict(rec, [rgb[i] for i in batch], REC_MIN_WIDTH / 48)
        lines, _ = decode(preds, False)
        for i, probs, (text, score) in zip(batch, preds, lines, strict=True):
            read = probs.argmax(axis=1)
            digit = probs[:, digits]
            digit[digits[None, :] == read[:, None]] = 0.0  # the digit read at a step is no rival there
            out[i] = Reading(text, float(score), float(digit.max()))
    return [out[i] for i in range(len(rgb))]
