"""Reports whose tables are pictures: an HTML article with each table as a PNG ``<img>``, and a DOCX with
each table as an inline picture, the text around them as text.

Each table of a ``tests.fixtures.document.Document`` is drawn alone by the PDF fixtures' canvas,
rasterised, cropped to its ink and put through the same ``Scan`` as a scanned page (a table too long
for one page gives two pictures, as a table split over pages does).
"""

from __future__ import annotations

import io
import random
from html import escape

from PIL import Image, ImageOps

from tests.fixtures.canvas import Style, render
from tests.fixtures.document import Document, Grid, Paragraph
from tests.scans.scanner import Scan, degrade, jpeg, rasterise

MARGIN_MM = 3.0


def _cropped(image: Image.Image, margin: int) -> Image.Image:
    box = ImageOps.invert(image.convert("L")).getbbox()
    if box is None:
        return image
    left, top, right, bottom = box
    return image.crop(
        (max(0, left - margin), max(0, top - margin), min(image.width, right + margin), bottom + margin)
    )


def table_pictures(grid: Grid, scan: Scan, rng: random.Random) -> list[bytes]:
    """The table as PNG pictures (one per page it takes), scanned as ``scan`` says (seals aside)."""
    pdf = render(Document("", [grid]), Style(page_numbers=False))
    margin = round(MARGIN_MM / 25.4 * scan.dpi)
    out = []
    for _, image in rasterise(pdf, scan.dpi):
        picture = jpeg(degrade(_cropped(image, margin), scan, rng), scan.quality)
        buffer = io.BytesIO()
        picture.save(buffer, "PNG", dpi=(scan.dpi, scan.dpi))
        out.append(buffer.getvalue())
    return out


def _pictures(document: Document, scan: Scan) -> list[Paragraph | list[bytes]]:
    rng = random.Random(scan.seed)
    return [b if isinstance(b, Paragraph) else table_pictures(b, scan, rng) for b in document.blocks]


def html_page(document: Document, scan: Scan, folder: str = "") -> tuple[bytes, dict[str, bytes]]:
    """The report as a UTF-8 article page whose tables are ``<img>`` (``folder`` + ``table-N.png``), and
    the pictures by that name."""
    parts, files = [], {}
    for block in _pictures(document, scan):
        if isinstance(block, Paragraph):
            tag = {"title": "h1", "heading": "h3"}.get(block.style, "p")
            parts.append(f"<{tag}>{escape(block.text)}</{tag}>")
            continue
        for png in block:
            name = f"{folder}table-{len(files) + 1}.png"
            files[name] = png
            width, height = Image.open(io.BytesIO(png)).size
            parts.append(
                f'<p style="text-align:center"><img src="{name}" width="{width}" height="{height}"></p>'
            )
    body = "\n".join(parts)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{escape(document.title)}</title></head>
<body>
<div class="nav"><a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>
<div class="article">
{body}
</div>
<div class="footer">版权所有</div>
</body>
</html>
"""
    return page.encode("utf-8"), files


def docx_document(document: Document, scan: Scan) -> bytes:
    """The report as a DOCX whose tables are inline pictures, 16 cm wide at most."""
    from docx import Document as Docx
    from docx.shared import Cm

    doc = Docx()
    for block in _pictures(document, scan):
        if isinstance(block, Paragraph):
            run = doc.add_paragraph().add_run(block.text)
            run.bold = block.style != "body"
            continue
        for png in block:
            width = Image.open(io.BytesIO(png)).width / scan.dpi * 2.54
            doc.add_picture(io.BytesIO(png), width=Cm(min(16.0, width)))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
