"""The OCR engine: RapidOCR (PP-OCRv6 small models shipped in the ``rapidocr`` wheel) on onnxruntime, CPU.

One engine per process, created on first use (``engine()``): the models load from the wheel's own
``models/`` folder, by path, so nothing is downloaded (it runs without a network); onnxruntime's
telemetry events are switched off. onnxruntime runs with ``GONGKAI_OCR_THREADS``
threads (default 1: the workers are the parallelism). Boxes are in the pixels of the image given.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

THREADS_ENV = "GONGKAI_OCR_THREADS"
DETECT_SIDE = 1600  # the longest side the detector sees (larger pages are shrunk for it): ~600 MB peak
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
                "EngineConfig.onnxruntime.intra_op_num_threads": n,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            _ENGINE = RapidOCR(params=params)
        return _ENGINE


def _box(points: Any) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def recognise(image: np.ndarray) -> list[TextBox]:
    """Every text line of an image (grey or RGB, uint8), with its characters' boxes and confidences."""
    rgb = image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)
    out = engine()(rgb, use_cls=False, return_word_box=True, return_single_char_box=True)
    if out.boxes is None or out.txts is None:
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


def read_crops(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """The text and confidence of each crop holding one line of text (recognition only, no detection)."""
    if not crops:
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput

    rgb = [c if c.ndim == 3 else np.repeat(c[:, :, None], 3, axis=2) for c in crops]
    out = engine().text_rec(TextRecInput(img=rgb))
    return [(t, float(s)) for t, s in zip(out.txts, out.scores, strict=True)]
