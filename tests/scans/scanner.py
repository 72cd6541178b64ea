"""A report PDF printed, stamped and scanned: page images as a scanner makes them, and the image-only PDF.

``Scan`` says how: resolution (120–300 dpi), grey or colour, skew (± degrees), sensor noise, blur, JPEG
quality, and the red seal (公章) stamped over table cells (``SEALS``: over a word the page prints,
moved by millimetres). Every random choice comes from ``Scan.seed``: the same input and settings give
the same bytes.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageFilter

from tests.scans.seal import stamp

PAPER = (247, 245, 238)  # scanned paper is never quite white
# where a seal lands: (a word the page prints, mm right, mm down from its centre); the first page
# that prints the word gets the seal. Over table 四's numbers, and over table 三's total column.
SEALS: tuple[tuple[str, float, float], ...] = (("复议后起诉", 0.0, 11.0), ("（七）总计", 100.0, 0.0))


@dataclass(frozen=True)
class Scan:
    dpi: int = 150
    colour: bool = False
    skew: float = 0.0  # degrees, counter-clockwise
    noise: float = 0.0  # sensor noise: up to this many grey levels either way
    blur: float = 0.0  # Gaussian radius, in pixels at ``dpi``
    quality: int = 75  # JPEG quality of the page images
    seals: tuple[tuple[str, float, float], ...] = SEALS
    seal_text: str = "人民政府办公室"
    seed: int = 0

    def but(self, **changes: object) -> Scan:
        return replace(self, **changes)  # type: ignore[arg-type]


# settings the tests and the benchmark share: from a clean office scanner to a poor one
PRESETS: dict[str, Scan] = {
    "clean_300": Scan(dpi=300, colour=True, quality=90, seals=()),
    "grey_150": Scan(dpi=150, skew=0.8, noise=12, quality=60, seed=1),
    "colour_200_seal": Scan(dpi=200, colour=True, skew=-1.5, noise=8, blur=0.6, quality=70, seed=2),
    "rough_120": Scan(dpi=120, skew=2.0, noise=20, blur=0.8, quality=45, seed=3),
}


def rasterise(pdf: bytes, dpi: int) -> Iterator[tuple[pdfium.PdfPage, Image.Image]]:
    """Each page of ``pdf`` with its RGB image at ``dpi``."""
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            yield page, page.render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()


def _word_centre(page: pdfium.PdfPage, word: str, scale: float) -> tuple[float, float] | None:
    """Where ``word`` is printed on the page, in pixels at ``scale``; None when it is not."""
    text = page.get_textpage()
    found = text.search(word).get_next()
    if not found:
        return None
    boxes = [text.get_charbox(i) for i in range(found[0], found[0] + found[1])]
    left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
    bottom, top = min(b[1] for b in boxes), max(b[3] for b in boxes)
    height = page.get_height()
    return (left + right) / 2 * scale, (height - (top + bottom) / 2) * scale


def degrade(image: Image.Image, scan: Scan, rng: random.Random) -> Image.Image:
    """Paper tint, skew, blur, noise and grey as ``scan`` says (the JPEG comes when it is saved)."""
    image = ImageChops.multiply(image, Image.new("RGB", image.size, PAPER))
    if scan.skew:
        image = image.rotate(scan.skew, resample=Image.Resampling.BICUBIC, fillcolor=PAPER)
    if scan.blur:
        image = image.filter(ImageFilter.GaussianBlur(scan.blur))
    if scan.noise:
        amplitude = scan.noise / 128
        noise = Image.frombytes("L", image.size, rng.randbytes(image.width * image.height))
        noise = noise.point(lambda v: round(128 + (v - 128) * amplitude))
        image = ImageChops.add(image, Image.merge("RGB", (noise, noise, noise)), 1.0, -128)
    return image if scan.colour else image.convert("L")


def jpeg(image: Image.Image, quality: int) -> Image.Image:
    """The image after a trip through JPEG at ``quality``: its artefacts, for images kept as PNG."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def scan_pages(pdf: bytes, scan: Scan) -> list[Image.Image]:
    """The pages of ``pdf`` printed, stamped where ``scan.seals`` says, and scanned (before the JPEG)."""
    rng = random.Random(scan.seed)
    scale = scan.dpi / 72
    seals = list(scan.seals)
    out = []
    for page, image in rasterise(pdf, scan.dpi):
        for seal in list(seals):
            word, right_mm, down_mm = seal
            centre = _word_centre(page, word, scale)
            if centre is None:
                continue
            seals.remove(seal)
            x = centre[0] + right_mm / 25.4 * scan.dpi + rng.uniform(-3, 3) / 25.4 * scan.dpi
            y = centre[1] + down_mm / 25.4 * scan.dpi + rng.uniform(-3, 3) / 25.4 * scan.dpi
            image = stamp(image, (x, y), scan.dpi, rng, scan.seal_text, "公章")
        out.append(degrade(image, scan, rng))
    return out


def image_pdf(images: list[Image.Image], dpi: int, quality: int = 75) -> bytes:
    """An image-only PDF: one JPEG page per image, its size the image's at ``dpi``, with no dates in it
    (the same images give the same bytes)."""
    buffer = io.BytesIO()
    first, *rest = images
    first.save(
        buffer,
        "PDF",
        save_all=True,
        append_images=rest,
        resolution=float(dpi),
        creationDate=None,
        modDate=None,
        title=None,
        quality=quality,
    )
    return buffer.getvalue()


def scan_pdf(pdf: bytes, scan: Scan) -> bytes:
    """``pdf`` printed, stamped and scanned into an image-only PDF."""
    return image_pdf(scan_pages(pdf, scan), scan.dpi, scan.quality)
