"""The OCR engine: RapidOCR (PP-OCRv6 small models shipped in the ``rapidocr`` wheel) on onnxruntime, CPU.

One engine per process, created on first use (``engine()``): the models load from the wheel's own
``models/`` folder, by path, so nothing is downloaded (it runs without a network); onnxruntime's
telemetry events are switched off. onnxruntime runs with ``GONGKAI_OCR_THREADS``
threads (default 1: the workers are the parallelism). Boxes are in the pixels of the image given.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

THREADS_ENV = "GONGKAI_OCR_THREADS"
REC_BATCH = 6
REC_MIN_WIDTH = 160  # a short line (a number) is padded to this width for recognition, not rapidocr's 320
DETECT_SIDE = 1280  # the longest side the detector sees (pages are shrunk for it): as exact as 1600, faster
INK = 160  # grey level below which a pixel of a page image is ink
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
        return _ENGINE


def _box(points: Any) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pixels
Select = Callable[[list[Box]], list[bool]]


def recognise(image: np.ndarray, select: Select | None = None) -> list[TextBox]:
    """Every text line of an image (grey or RGB, uint8), with its characters' boxes and confidences.

    ``select``: given every detected line's box, says which to recognise; the others are not
    recognised at all (recognition is most of the cost, and a table's page needs no narrative)."""
    rgb = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
    eng = engine()
    if select is None:
        out = eng(rgb, use_cls=False, return_word_box=True, return_single_char_box=True)
    else:
        out = _recognise_selected(eng, rgb, select)
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


def _recognise_selected(eng: Any, rgb: np.ndarray, select: Select) -> Any:
    """RapidOCR's own steps (detect, crop, recognise, place the characters) with only the selected
    lines recognised."""
    from rapidocr.ch_ppocr_cls import TextClsOutput
    from rapidocr.main import RapidOCRError
    from rapidocr.utils.process_img import map_boxes_to_original

    eng.update_params(use_cls=False, return_word_box=True, return_single_char_box=True)
    original = eng.load_img(rgb)
    img, record = eng.preprocess_img(original)
    try:
        crops, det = eng.detect_and_crop(img, record)
    except RapidOCRError:
        return None
    placed = map_boxes_to_original(det.boxes.copy(), record, *original.shape[:2])
    chosen = [i for i, kept in enumerate(select([_box(points) for points in placed])) if kept]
    if not chosen:
        return None
    det.boxes = det.boxes[chosen]
    det.scores = [det.scores[i] for i in chosen]
    crops = [crops[i] for i in chosen]
    return eng.build_final_output(original, det, TextClsOutput(), eng.recognize_txt(crops), crops, record)


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
    rgb = [c if c.ndim == 3 else np.repeat(c[:, :, None], 3, axis=2) for c in crops]
    ratios = [c.shape[1] / max(c.shape[0], 1) for c in rgb]
    order = sorted(range(len(rgb)), key=lambda i: ratios[i])
    out: dict[int, Reading] = {}
    for start in range(0, len(order), REC_BATCH):
        batch = order[start : start + REC_BATCH]
        widest = max([REC_MIN_WIDTH / 48, *(ratios[i] for i in batch)])
        preds = rec.session(np.stack([rec.resize_norm_img(rgb[i], widest) for i in batch]).astype(np.float32))
        lines, _ = decode(preds, False)
        for i, probs, (text, score) in zip(batch, preds, lines, strict=True):
            read = probs.argmax(axis=1)
            digit = probs[:, digits]
            digit[digits[None, :] == read[:, None]] = 0.0  # the digit read at a step is no rival there
            out[i] = Reading(text, float(score), float(digit.max()))
    return [out[i] for i in range(len(rgb))]
