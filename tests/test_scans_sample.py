"""The bundled scan of hongze-2023.pdf: made by its committed command, read by OCR exact or NULL."""

from __future__ import annotations

import pytest

from gongkai.extract.report import extract_file
from gongkai.transform.cells import tidy_frame
from tests.expected import HONGZE, SEEDS
from tests.scans.sample import HONGZE_SCAN, OUT, SOURCE
from tests.scans.scanner import scan_pdf


def test_the_bundled_scan_is_what_its_command_makes() -> None:
    assert OUT.read_bytes() == scan_pdf(SOURCE.read_bytes(), HONGZE_SCAN)
    assert OUT.stat().st_size < 1_500_000


@pytest.mark.slow
def test_the_bundled_scan_reads_as_the_text_pdf_or_null() -> None:
    extraction = extract_file(SEEDS / OUT.name)
    assert extraction.status in ("ok", "partial"), extraction.error
    rows = tidy_frame(extraction).iter_rows(named=True)
    got = {(r["table"], r["row"], r["column"]): r["value"] for r in rows}
    want = HONGZE.cells()
    assert list(got) == list(want)
    assert not {k: (got[k], v) for k, v in want.items() if got[k] is not None and got[k] != v}
    assert sum(1 for v in got.values() if v is None) <= 1  # the bound: 1 % of 186 cells
    assert (extraction.agency, extraction.year, extraction.format) == (HONGZE.agency, HONGZE.year, "2021")
