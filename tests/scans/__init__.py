"""Scanned reports made from the fixtures' rendered reports, with their cells known.

``scanner``: a PDF printed, stamped with the red seal (``seal``) and scanned (120–300 dpi, grey or
colour, skew, noise, blur, JPEG) into an image-only PDF; ``pictures``: an HTML page and a DOCX whose
tables are pictures; ``sample``: the bundled scan of hongze-2023.pdf. Deterministic: ``Scan.seed``.
"""
