"""The red official seal (公章) as a scanner sees it: a ring, a five-pointed star, the agency's name along
the top of the ring and a word under the star, in uneven red ink, stamped over whatever is printed there.

``stamp(page, centre, dpi, rng, text)`` multiplies the ink into the page (ink darkens, never lightens,
as on paper), so the print under the seal stays visible through it in red-tinted form.
"""

from __future__ import annotations

import functools
import math
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

INK = (214, 38, 48)
DIAMETER_MM = 42.0  # the common size of an agency's seal
FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONTS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    raise RuntimeError(f"no CJK font for the seal's text: install fonts-wqy-zenhei ({FONTS[0]})")


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, r: float) -> None:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.382
        angle = -math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(points, fill=255)


def _glyph(ch: str, size: int, angle: float) -> Image.Image:
    """One character drawn upright on a transparent square, turned by ``angle`` degrees."""
    side = int(size * 1.4)
    img = Image.new("L", (side, side), 0)
    ImageDraw.Draw(img).text((side / 2, side / 2), ch, fill=255, font=_font(size), anchor="mm")
    return img.rotate(angle, resample=Image.Resampling.BICUBIC)


def seal_mask(dpi: int, rng: random.Random, text: str, below: str = "") -> Image.Image:
    """The seal's ink as a mask (255 = full ink), turned by a random angle as a hand stamps it."""
    d = round(DIAMETER_MM / 25.4 * dpi)
    mask = Image.new("L", (d, d), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2, round(d * 0.03))
    draw.ellipse((ring // 2, ring // 2, d - 1 - ring // 2, d - 1 - ring // 2), outline=255, width=ring)
    c = d / 2
    _star(draw, c, c, d * 0.17)
    size = max(8, round(d * 0.12))
    text = text[:16]
    spread = min(250.0, 20.0 * len(text))  # degrees of ring the name takes, centred on the top
    radius = c - ring - size * 0.75
    for i, ch in enumerate(text):
        theta = -90.0 - spread / 2 + spread * (i + 0.5) / len(text)
        rad = math.radians(theta)
        glyph = _glyph(ch, size, -(theta + 90.0))
        x = c + radius * math.cos(rad) - glyph.width / 2
        y = c + radius * math.sin(rad) - glyph.height / 2
        mask.paste(255, (round(x), round(y)), glyph)
    if below:
        small = max(6, round(size * 0.8))
        draw.text((c, c + d * 0.3), below, fill=255, font=_font(small), anchor="mm")
    # uneven ink: specks where the stamp did not touch, a soft edge
    holes = Image.frombytes("L", mask.size, rng.randbytes(d * d)).point(lambda v: 0 if v < 12 else 255)
    mask = ImageChops.multiply(mask, holes)
    mask = mask.filter(ImageFilter.GaussianBlur(max(0.6, dpi / 200)))
    return mask.rotate(rng.uniform(-30, 30), resample=Image.Resampling.BICUBIC)


def stamp(
    page: Image.Image,
    centre: tuple[float, float],
    dpi: int,
    rng: random.Random,
    text: str,
    below: str = "",
    strength: float = 0.85,
) -> Image.Image:
    """``page`` (RGB) with the seal's ink multiplied in, centred at ``centre`` (pixels)."""
    mask = seal_mask(dpi, rng, text, below).point(lambda v: round(v * strength))
    layer = Image.new("L", page.size, 0)
    layer.paste(mask, (round(centre[0] - mask.width / 2), round(centre[1] - mask.height / 2)))
    ink = Image.composite(Image.new("RGB", page.size, INK), Image.new("RGB", page.size, "white"), layer)
    return ImageChops.multiply(page, ink)
