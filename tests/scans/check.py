"""The promise a scan's reading keeps: every cell exact or NULL, never a wrong value."""

from __future__ import annotations

from gongkai.model import Extraction
from tests.fixtures.cells import Cells
from tests.fixtures_office import values


def exact_or_null(extraction: Extraction, cells: Cells) -> tuple[int, int]:
    """Asserts that the report was read and no cell is wrong; returns how many are exact and how many
    NULL."""
    assert extraction.status in ("ok", "partial"), extraction.error
    got = values(extraction)
    wrong = {k: (got.get(k), v) for k, v in cells.items() if got.get(k) is not None and got[k] != float(v)}
    assert not wrong, f"wrong values (read, printed): {wrong}"
    null = sum(1 for k in cells if got.get(k) is None)
    return len(cells) - null, null
