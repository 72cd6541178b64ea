"""Every cell of the real reports, compared with values read by hand from the documents."""

from __future__ import annotations

import pytest

from gongkai.extract.report import extract_file
from gongkai.transform.cells import tidy_frame
from tests.expected import HONGZE, PINGTAN_2021, SEED_REPORTS, SEEDS, Expected


def cells_of(path) -> tuple[object, dict]:
    extraction = extract_file(path)
    frame = tidy_frame(extraction)
    got = {(r["table"], r["row"], r["column"]): r["value"] for r in frame.iter_rows(named=True)}
    return extraction, got


def assert_cells(expected: Expected, path) -> object:
    extraction, got = cells_of(path)
    want = expected.cells()
    assert list(got) == list(want), "the report's cells, in taxonomy order"
    wrong = {k: (got[k], v) for k, v in want.items() if got[k] != v}
    assert not wrong, f"cells differ (got, want): {wrong}"
    assert extraction.format == expected.format
    assert extraction.year == expected.year
    assert extraction.agency == expected.agency
    assert extraction.district == expected.district
    return extraction


@pytest.mark.parametrize("expected", SEED_REPORTS, ids=lambda e: e.file[:3])
def test_seed_gives_exactly_its_cells(expected: Expected) -> None:
    extraction = assert_cells(expected, SEEDS / expected.file)
    assert extraction.status == ("partial" if expected.null_rows else "ok")


def test_seed_004_lost_numbers_are_null_and_said() -> None:
    extraction, got = cells_of(SEEDS / "004_eff542c003e52132.txt")
    nulls = sorted({k[1] for k, v in got.items() if v is None})
    assert nulls == ["other_fee_unpaid", "other_other"]
    assert "requests.other_fee_unpaid: no values printed" in extraction.problems
    assert extraction.error and "14 cells not shown" in extraction.error


def test_hongze_pdf_cells_pages_and_single_other_row() -> None:
    extraction = assert_cells(HONGZE, SEEDS / HONGZE.file)
    by_key = {(c.table, c.row, c.column): c for c in extraction.cells}
    assert ("requests", "other_handling", "total") in by_key
    assert ("requests", "other_other", "total") not in by_key
    assert by_key[("active_disclosure", "licensing", "decisions")].page == 2
    assert by_key[("active_disclosure", "fees", "amount_wan_yuan")].page == 3
    assert by_key[("appeals", "admin_review", "upheld")].page == 4


def test_crawled_text_without_separators_is_decoded_by_the_identities() -> None:
    extraction = assert_cells(PINGTAN_2021, SEEDS / PINGTAN_2021.file)
    assert any("693665" in p and "ways to split" in p for p in extraction.problems)


def test_2019_format_is_told_by_table_two_headers() -> None:
    extraction, got = cells_of(SEEDS / "pingtan-2019-crawl.txt")
    assert extraction.format == "2019"
    assert len(got) == 22 + 161 + 15
    assert ("requests", "other_handling", "total") in got
    assert got[("requests", "handled_total", "total")] == 23
    assert got[("requests", "unable_still_unclear", "natural_person")] == 5
    assert got[("active_disclosure", "regulations", "new_made")] == 0
    # glued 2019 table 二 numbers have no identity to split them: NULL, never guessed
    assert got[("active_disclosure", "licensing", "decisions")] is None
