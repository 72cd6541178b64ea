"""PDF reports: extract(render(cells)) == cells in every layout and reader, the real hongze PDF, bad input."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings

from gongkai.extract import layout
from gongkai.extract.pdf import extract_pdf
from gongkai.extract.report import extract_bytes
from gongkai.model import Extraction
from gongkai.transform.cells import tidy_frame
from tests.expected import HONGZE, SEEDS
from tests.fixtures.bad import encrypted_pdf, many_pages_pdf, rasterize, unmapped_glyphs_pdf
from tests.fixtures.cells import Cells, consistent, random_cells
from tests.fixtures.render import REPORTLAB_LAYOUTS, render_pdf, soffice_available
from tests.fixtures.strategies import report_cells

needs_soffice = pytest.mark.skipif(
    not soffice_available(),
    reason="soffice not installed (apt-get install libreoffice-writer-nogui fonts-noto-cjk)",
)
PROPERTY = settings(
    max_examples=3, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def values(extraction: Extraction) -> dict[tuple[str, str, str], float | None]:
    assert extraction.status in {"ok", "partial"}, extraction.error
    return {
        (r["table"], r["row"], r["column"]): r["value"] for r in tidy_frame(extraction).iter_rows(named=True)
    }


def assert_exact(extraction: Extraction, cells: Cells, fmt: str) -> None:
    got = values(extraction)
    wrong = {k: (got.get(k), v) for k, v in cells.items() if got.get(k) != v}
    assert not wrong, f"cells differ (got, want): {dict(list(wrong.items())[:8])}"
    assert set(got) == set(cells), "exactly the report's cells"
    assert extraction.status == "ok" and not extraction.problems, extraction.problems
    assert extraction.format == fmt
    assert all(c.page is not None for c in extraction.cells), "every cell keeps its page"


# ------------------------------------------------------------------ the property


@pytest.mark.parametrize("consistent_values", [True, False], ids=["consistent", "inconsistent"])
@pytest.mark.parametrize("fmt", ["2021", "2019"])
@pytest.mark.parametrize("layout_name", list(REPORTLAB_LAYOUTS))
def test_every_layout_gives_exactly_its_cells(layout_name: str, fmt: str, consistent_values: bool) -> None:
    @PROPERTY
    @given(cells=report_cells(fmt, consistent_values))
    def check(cells: Cells) -> None:
        assert consistent(cells, fmt) == consistent_values or not consistent_values
        data = render_pdf(cells, fmt, layout_name, agency="金林区人民政府办公室", year=2024)
        extraction = extract_bytes(data, source=f"{layout_name}.pdf")
        assert_exact(extraction, cells, fmt)
        assert extraction.agency == "金林区人民政府办公室"
        assert extraction.year == 2024

    check()


@needs_soffice
@pytest.mark.parametrize("fmt", ["2021", "2019"])
def test_docx_converted_by_libreoffice_gives_exactly_its_cells(fmt: str) -> None:
    @settings(max_examples=2, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(cells=report_cells(fmt))
    def check(cells: Cells) -> None:
        data = render_pdf(cells, fmt, "libreoffice_docx", agency="石龙区人民政府办公室", year=2022)
        assert_exact(extract_bytes(data, source="libreoffice.pdf"), cells, fmt)

    check()


@pytest.mark.parametrize("reader", ["pdfium", "pdfplumber"])
@pytest.mark.parametrize("layout_name", list(REPORTLAB_LAYOUTS))
def test_both_position_readers_alone_give_exactly_the_cells(layout_name: str, reader: str) -> None:
    cells = random_cells(random.Random(7), "2021", consistent=False)
    data = render_pdf(cells, "2021", layout_name)
    assert_exact(extract_pdf(data, "x.pdf", "0" * 64, method=reader), cells, "2021")


def test_text_order_fails_where_positions_are_needed() -> None:
    """Drawn column by column, the text order loses the rows; the positions keep them."""
    cells = random_cells(random.Random(3), "2019", consistent=True)
    data = render_pdf(cells, "2019", "borderless")
    text_only = extract_pdf(data, "x.pdf", "0" * 64, method="text")
    assert text_only.status != "ok" or text_only.problems
    assert_exact(extract_bytes(data, "x.pdf"), cells, "2019")


def test_cells_keep_the_page_of_each_part_of_a_split_table() -> None:
    cells = random_cells(random.Random(11), "2021", consistent=True, big=500)
    extraction = extract_bytes(render_pdf(cells, "2021", "split_pages"), "split.pdf")
    assert_exact(extraction, cells, "2021")
    page = {(c.table, c.row, c.column): c.page for c in extraction.cells}
    before = page[("requests", "unable_needs_creation", "total")]
    after = page[("requests", "unable_still_unclear", "natural_person")]
    assert after == before + 1
    assert page[("appeals", "admin_review", "upheld")] >= after


# ------------------------------------------------------------------ the real report


@pytest.mark.parametrize("method", ["auto", "text", "pdfium", "pdfplumber"])
def test_hongze_pdf_by_every_reader(method: str) -> None:
    data = (SEEDS / HONGZE.file).read_bytes()
    extraction = extract_pdf(data, HONGZE.file, "0" * 64, method=method)
    got = values(extraction)
    assert got == HONGZE.cells()
    assert extraction.status == "ok"
    by_key = {(c.table, c.row, c.column): c for c in extraction.cells}
    assert ("requests", "other_handling", "total") in by_key  # （六）其他处理 is one row
    assert by_key[("active_disclosure", "licensing", "decisions")].page == 2
    assert by_key[("active_disclosure", "fees", "amount_wan_yuan")].page == 3
    assert by_key[("requests", "unable_still_unclear", "total")].page == 4
    assert by_key[("appeals", "admin_review", "upheld")].page == 4
    # table 四 really breaks R4: 10 + 1 + 0 + 0 is printed with 总计 0
    assert got[("appeals", "admin_review", "total")] == 0


# ------------------------------------------------------------------ bad input


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return render_pdf(random_cells(random.Random(5), "2021"), "2021", "reportlab_ruled")


def test_encrypted_pdf_fails_with_reason() -> None:
    e = extract_bytes(encrypted_pdf(), source="locked.pdf")
    assert (e.status, e.error) == ("failed", "encrypted PDF (password required)")
    assert not e.cells


def test_pdf_with_only_an_owner_password_is_read() -> None:
    e = extract_bytes(encrypted_pdf(user_password=""), source="owner.pdf")
    assert e.status == "failed"
    assert "no statistical tables" in e.error


@pytest.mark.parametrize("share", [0.02, 0.3, 0.6, 0.95])
def test_truncated_pdf_fails_or_keeps_only_what_it_shows(report_pdf: bytes, share: float) -> None:
    e = extract_bytes(report_pdf[: int(len(report_pdf) * share)], source="cut.pdf")
    assert e.status in {"failed", "partial", "needs_ocr"}
    assert e.error
    if e.status == "failed":
        assert not e.cells


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"", "failed", "empty file"),
        (b"<!DOCTYPE html><html><body><p>404 Not Found</p></body></html>", "failed", ""),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "failed", "unreadable image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 200, "failed", "unreadable image"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 40, "failed", "unreadable PDF"),
    ],
    ids=["zero-bytes", "html-as-pdf", "png-as-pdf", "jpeg-as-pdf", "garbage-after-header"],
)
def test_files_that_are_no_pdf_get_a_status_and_reason(data: bytes, status: str, reason: str) -> None:
    e = extract_bytes(data, source="report.pdf")
    assert e.status == status
    assert e.error and reason in e.error
    assert not e.cells


def test_two_thousand_pages_end_quickly_with_reason() -> None:
    data = many_pages_pdf(2000)
    start = time.monotonic()
    e = extract_bytes(data, source="huge.pdf")
    assert time.monotonic() - start < 5
    assert e.status == "failed"
    assert "2000 pages" in e.error


def test_scan_needs_ocr_without_ocr(report_pdf: bytes) -> None:
    e = extract_bytes(rasterize(report_pdf, scale=0.5), source="scan.pdf", ocr=False)
    assert e.status == "needs_ocr"
    assert "no text layer" in e.error
    assert not e.cells


def test_tables_scanned_inside_a_text_report_need_ocr_without_ocr(report_pdf: bytes) -> None:
    e = extract_bytes(rasterize(report_pdf, {2, 3}, scale=0.5), source="mixed.pdf", ocr=False)
    assert e.status == "needs_ocr"
    assert "page(s) 2, 3" in e.error
    assert not e.cells


def test_glyphs_without_unicode_need_ocr_without_ocr() -> None:
    e = extract_bytes(unmapped_glyphs_pdf(), source="cid.pdf", ocr=False)
    assert e.status == "needs_ocr"
    assert "no Unicode mapping" in e.error


def test_time_limit_gives_a_clear_failure(report_pdf: bytes) -> None:
    e = extract_pdf(report_pdf, "slow.pdf", "0" * 64, time_limit=0.0)
    assert e.status == "failed"
    assert "time limit" in e.error


# ------------------------------------------------------------------ positions


def char(text: str, x0: float, top: float, size: float = 10.0, **extra: object) -> dict:
    return {"text": text, "x0": x0, "x1": x0 + size, "top": top, "bottom": top + size, "size": size, **extra}


def test_white_objects_are_not_seen() -> None:
    assert not layout.visible({"object_type": "char", "non_stroking_color": (1, 1, 1)})
    assert not layout.visible({"object_type": "char", "non_stroking_color": (0, 0, 0, 0)})
    assert layout.visible({"object_type": "char", "non_stroking_color": (0,)})
    assert not layout.visible(
        {"object_type": "rect", "stroke": False, "fill": True, "non_stroking_color": (1.0, 1.0, 1.0)}
    )
    assert layout.visible({"object_type": "rect", "stroke": True, "stroking_color": (0, 0, 0), "fill": False})


def test_fake_bold_twins_are_dropped() -> None:
    chars = [char("规", 10, 10), char("规", 10.4, 10), char("章", 20, 10), char("章", 20.4, 10.2)]
    assert [c["text"] for c in layout.dedupe(chars)] == ["规", "章"]


def test_wrapped_label_and_wrapped_number_rejoin_their_row() -> None:
    label = "5.要求行政机关确认或重新"
    chars = [char(ch, 10 + 10 * i, 100) for i, ch in enumerate(label)]
    chars += [char(d, 200 + 5 * i, 100, size=10) for i, d in enumerate("1234")]
    chars += [char("0", 260, 100)]
    chars += [char(ch, 10 + 10 * i, 112) for i, ch in enumerate("出具已获取信息")]
    chars += [char("5", 200, 124)]  # the number 12345 wrapped in its narrow cell
    lines = layout.free_lines(chars)
    assert [text for _, (text, marks) in lines] == ["5.要求行政机关确认或重新出具已获取信息\t12345\t0"]
    assert all(not marks for _, (_, marks) in lines)  # no OCR characters, no marks
