"""Hostile input never gives a wrong number: absurd figures, tables printed twice, damaged files."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path

import pytest

from gongkai import numbers
from gongkai.extract import damage, limits, office
from gongkai.extract.report import extract_bytes
from gongkai.load import export
from tests.expected import SEEDS
from tests.fixtures_office import AGENCY, YEAR, make_cells, values
from tests.fixtures_office.render_docx import render_docx
from tests.fixtures_office.report import build_report
from tests.test_pdf_extract import random_cells, render_pdf
from tests.test_warehouse_flags import change, run, seed_text

NEW_ROW = "一、本年新收政府信息公开申请数量\t\t9\t0\t0\t0\t0\t0\t9\t"


def cell(extraction, key: str) -> str | None:
    return {f"{c.table}.{c.row}.{c.column}": c.raw for c in extraction.cells}[key]


@pytest.mark.parametrize("absurd", ["1000000000000", "100000000000000000000"])
def test_an_absurd_count_is_null_with_its_reason_and_a_flag_never_a_load_failure(
    tmp_path: Path, absurd: str
) -> None:
    text = change(seed_text(), NEW_ROW, NEW_ROW.replace("\t9\t", f"\t{absurd}\t", 1))
    extraction = extract_bytes(text.encode(), "absurd.txt")
    assert cell(extraction, "requests.new.natural_person") == absurd
    assert extraction.status == "partial"
    assert any(p.startswith("requests.new.natural_person: ") and "10^7" in p for p in extraction.problems)

    db = run(tmp_path, {"absurd.txt": text})
    values = export.query(
        db, "SELECT value, raw FROM cells WHERE row_code = 'new' AND column_code = 'natural_person'"
    ).rows()
    assert values == [(None, absurd)]
    found = export.flags(db).filter(export.pl.col("rule") == "absurd_value")
    assert found.select("severity", "cells").rows() == [("error", "requests.new.natural_person")]


@pytest.mark.parametrize(
    ("table", "column", "text", "believable"),
    [
        ("requests", "total", "10000000", True),
        ("requests", "total", "10000001", False),
        ("appeals", "total", "-20000000", False),
        ("active_disclosure", "decisions", "35000000", True),
        ("active_disclosure", "amount_wan_yuan", "24252.31", True),
        ("active_disclosure", "amount_wan_yuan", "99999999", False),
        ("active_disclosure", "amount_yuan", "2000000万元", True),
        ("active_disclosure", "amount_yuan", "20000000万元", False),
        ("requests", "total", "/", True),
        ("requests", "total", "9" * 5000, False),
    ],
)
def test_the_bound_of_each_cell_is_declared_once(
    table: str, column: str, text: str, believable: bool
) -> None:
    assert (numbers.absurd(table, column, text) is None) == believable
    assert numbers.largest_believable(table, column) < 10**12  # what DECIMAL(18, 6) holds


# ---------------------------------------------------------------- damaged files: reasons in words

PYTHON_TEXT = re.compile(
    r"Exceeds the limit|sys\.|seek value|b'|Error -\d|CRC-\d|Errno|Traceback|in the archive|PDFium|"
    r"[A-Z][a-z]+Error\b|\w+Exception\b"
)


def damaged_variants(data: bytes, count: int, seed: int) -> list[bytes]:
    """``data`` cut short, with bytes overwritten, or with a run of zeros, at random places."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        how = rng.choice(["cut", "flip", "zero"])
        if how == "cut":
            out.append(data[: rng.randrange(8, len(data))])
        elif how == "flip":
            b = bytearray(data)
            for _ in range(rng.randint(1, 20)):
                b[rng.randrange(len(b))] = rng.randrange(256)
            out.append(bytes(b))
        else:
            k = rng.randrange(len(data))
            out.append(data[:k] + bytes(rng.randint(1, 2000)) + data[k + 2000 :])
    return out


def assert_said_in_words(extraction) -> None:  # type: ignore[no-untyped-def]
    said = " ".join([extraction.error or "", *extraction.problems])
    assert not PYTHON_TEXT.search(said), said
    if extraction.status == "failed" and ("damaged" in said or "unreadable" in said):
        assert any(meaning in said for meaning in damage.MEANINGS), said


def rendered_docx() -> bytes:
    cells = make_cells("2021", False, True, 5)
    return render_docx(build_report(cells, "2021", AGENCY, YEAR, seed=5, blank_share=0.3))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("report.docx", rendered_docx()),
        ("report.pdf", render_pdf(random_cells(random.Random(5), "2021"), "2021", "reportlab_ruled")),
        ("hongze-2023.pdf", (SEEDS / "hongze-2023.pdf").read_bytes()),
    ],
)
def test_a_damaged_file_fails_with_its_reason_in_words_never_an_exception(name: str, data: bytes) -> None:
    for damaged in damaged_variants(data, 30, seed=1):
        assert_said_in_words(extract_bytes(damaged, name))


def test_a_doc_whose_header_holds_an_impossible_number_is_a_damaged_word_file() -> None:
    """Bytes of a real DOC's OLE header overwritten: olefile raised "Exceeds the limit (4300 digits) for
    integer string conversion", which was the report's reason."""
    data = (Path(__file__).parent / "data" / "office" / "report.doc").read_bytes()
    rng = random.Random(3)
    reasons = set()
    for _ in range(300):
        b = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            b[rng.randrange(0, 2048)] = rng.randrange(256)
        found = office.inspect_ole(bytes(b))
        if found.reason:
            reasons.add(found.reason)
    assert "a damaged Word file (DOC/WPS): its internal structure holds an impossible number" in reasons
    for reason in reasons:
        assert not PYTHON_TEXT.search(reason), reason


# ---------------------------------------------------------------- the readers' own bounds

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_with(body: bytes, stored: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    """The rendered DOCX with its document.xml's body replaced by ``body`` (and ``extra`` parts)."""
    source = zipfile.ZipFile(io.BytesIO(rendered_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = b"<?xml version='1.0'?><w:document " + W.encode() + b"><w:body>" + body
                data += b"</w:body></w:document>"
            z.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (
            docx_with(b"<w:p/>" * (11 * 1024 * 1024 + 1)),
            "the document's XML (word/document.xml) is 66 MB uncompressed, more than the 64 MB allowed",
        ),
        (
            docx_with(b"<w:p/>", extra={"word/media/image1.png": bytes(20 * 1024 * 1024)}),
            "word/media/image1.png unpacks 1,0",
        ),
        (
            docx_with(b"<w:p/>" * 2_100_000, stored=True),
            "the document has 2,100,003 XML elements in word/document.xml, more than the 2,000,000 allowed",
        ),
        (
            docx_with(b"<w:tbl>" + b"<w:tr><w:tc><w:p/></w:tc></w:tr>" * 6000 + b"</w:tbl>"),
            "the document has 6,000 rows in one table, more than the 5,000 allowed",
        ),
    ],
    ids=["xml-size", "zip-bomb", "xml-elements", "table-rows"],
)
def test_a_word_file_past_a_bound_fails_with_the_bound_in_words(data: bytes, reason: str) -> None:
    extraction = extract_bytes(data, "huge.docx")
    assert extraction.status == "failed"
    assert extraction.error.startswith(reason), extraction.error


def test_a_page_or_text_past_its_bound_fails_with_the_bound_in_words() -> None:
    text = extract_bytes(b"x" * (limits.MAX_TEXT_BYTES + 1), "huge.txt")
    assert (text.status, text.error) == ("failed", "the text is 64 MB, more than the 64 MB allowed")
    rows = "<tr><td>1</td></tr>" * (limits.MAX_TABLE_ROWS + 1)
    page = extract_bytes(f"<html><body><table>{rows}</table></body></html>".encode(), "huge.html")
    assert (page.status, page.error) == (
        "failed",
        "the document has 5,001 rows in one table, more than the 5,000 allowed",
    )


# ---------------------------------------------------------------- crawled text: exact or NULL

PINGTAN_2019 = SEEDS / "pingtan-2019-crawl.txt"
PINGTAN_2021 = SEEDS / "pingtan-2021-crawl.txt"


def cells_of(text: str, name: str = "crawled.txt") -> dict[tuple[str, str, str], float | None]:
    return values(extract_bytes(text.encode(), name))


@pytest.mark.parametrize(
    ("printed", "prior", "change_"),
    [
        ("35-15", 35, -15),  # a negative change glued to the number before it
        ("35 –15", 35, -15),  # its minus printed as a dash
        ("35 −15", 35, -15),
        ("35 —15", 35, -15),
        ("35–15", 35, -15),
        ("350", None, None),  # glued: 3 and 50, or 35 and 0; no identity decides
    ],
)
def test_a_negative_change_keeps_its_sign(printed: str, prior: int | None, change_: int | None) -> None:
    text = change(PINGTAN_2019.read_text(encoding="utf-8"), "行政事业性收费350", f"行政事业性收费{printed}")
    got = cells_of(text)
    assert got[("active_disclosure", "fees", "prior_year_items")] == prior
    assert got[("active_disclosure", "fees", "change")] == change_


def test_equal_cells_printed_once_are_not_split_into_digits() -> None:
    """规章 265: three cells of 265, or 2, 6 and 5 glued: table 二 has no identity to tell, so NULL."""
    text = change(PINGTAN_2021.read_text(encoding="utf-8"), "规章 000", "规章 265")
    extraction = extract_bytes(text.encode(), "crawled.txt")
    got = values(extraction)
    assert [got[("active_disclosure", "regulations", c)] for c in ("issued", "repealed", "in_force")] == [
        None
    ] * 3
    assert "active_disclosure.regulations: glued digits or equal cells printed once '265': left NULL" in (
        extraction.problems
    )


def docx_2019_with_dash_minus() -> tuple[dict, bytes]:
    """A rendered 2019-format DOCX whose negative numbers print their minus as an en dash."""
    rng = random.Random(11)
    while True:
        cells = make_cells("2019", True, True, rng.randrange(10**6))
        if any(v < 0 for v in cells.values()):
            break
    data = render_docx(build_report(cells, "2019", AGENCY, YEAR, seed=1, blank_share=0.0))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/document.xml":
                part = re.sub(rb">-(?=\d)", b">" + "–".encode(), part)
                assert "–".encode() in part
            z.writestr(info, part)
    return cells, out.getvalue()


def test_a_dash_minus_in_a_word_table_is_a_sign() -> None:
    cells, data = docx_2019_with_dash_minus()
    got = values(extract_bytes(data, "report.docx"))
    negative = {k: v for k, v in cells.items() if v < 0}
    assert negative and all(got[k] == v for k, v in negative.items())


# ---------------------------------------------------------------- a table printed twice


def printed_twice(first: dict[str, str], second: dict[str, str]) -> str:
    """Seed 001 with table 三 printed twice, each copy with its own rows changed (old text -> new)."""
    text = seed_text()
    lo = text.index("(本列数据的勾稽关系为")
    hi = text.index("四、政府信息公开行政复议")
    table = text[lo:hi]
    copies = []
    for changes in (first, second):
        copy = table
        for old, new in changes.items():
            copy = change(copy, old, new)
        copies.append(copy)
    return text[:lo] + copies[0] + "三、收到和处理政府信息公开申请情况\n" + copies[1] + text[hi:]


NEW_9 = "一、本年新收政府信息公开申请数量\t\t9\t0\t0\t0\t0\t0\t9"
NEW_8 = "一、本年新收政府信息公开申请数量\t\t8\t0\t0\t0\t0\t0\t8"
GRANTED_7 = ("(一) 予以公开\t8\t0\t0\t0\t0\t0\t8", "(一) 予以公开\t7\t0\t0\t0\t0\t0\t7")
TOTAL_8 = ("(七) 总计\t9\t0\t0\t0\t0\t0\t9", "(七) 总计\t8\t0\t0\t0\t0\t0\t8")


def requests_cell(extraction, row: str, column: str = "total") -> float | None:  # type: ignore[no-untyped-def]
    return values(extraction)[("requests", row, column)]


@pytest.mark.parametrize("consistent_copy", [0, 1])
def test_a_table_printed_twice_keeps_the_copy_whose_identities_hold(consistent_copy: int) -> None:
    # the other copy prints 8 received, but still 8 granted and 9 handled: R1 and R2 fail in it
    broken = {NEW_9: NEW_8}
    copies = ({}, broken) if consistent_copy == 0 else (broken, {})
    extraction = extract_bytes(printed_twice(*copies).encode(), "twice.txt")
    assert requests_cell(extraction, "new") == 9
    assert extraction.status != "ok"
    said = [p for p in extraction.problems if "table 三 printed twice with different numbers" in p]
    assert len(said) == 1 and "the only one whose identities hold" in said[0], extraction.problems


def test_a_table_printed_twice_with_both_copies_consistent_is_left_null() -> None:
    # both copies add up: 9 received and granted 8, or 8 received and granted 7
    other = {NEW_9: NEW_8, GRANTED_7[0]: GRANTED_7[1], TOTAL_8[0]: TOTAL_8[1]}
    extraction = extract_bytes(printed_twice({}, other).encode(), "twice.txt")
    assert requests_cell(extraction, "new") is None and requests_cell(extraction, "granted") is None
    assert extraction.status == "partial"
    assert any("the identities hold in 2 copies: table 三 left NULL" in p for p in extraction.problems)


def test_a_table_printed_twice_identically_reads_as_once() -> None:
    once = extract_bytes(seed_text().encode(), "once.txt")
    twice = extract_bytes(printed_twice({}, {}).encode(), "twice.txt")
    assert values(twice) == values(once) and twice.status == once.status == "ok"


def test_conflicting_tables_are_flagged_in_the_warehouse(tmp_path: Path) -> None:
    db = run(tmp_path, {"twice.txt": printed_twice({}, {NEW_9: NEW_8})})
    found = export.flags(db).filter(export.pl.col("rule") == "conflicting_tables")
    assert found.select("severity", "table_code").rows() == [("warning", "requests")]


def test_an_absurd_figure_in_the_narrative_is_not_taken_never_a_load_failure(tmp_path: Path) -> None:
    text = change(seed_text(), "全年共收到依申请公开 9 件", "全年共收到依申请公开 100000000000000000000 件")
    db = run(tmp_path, {"absurd.txt": text})
    assert export.query(db, "SELECT count(*) FROM narrative_figures WHERE value > 10000000").rows() == [(0,)]
    assert export.query(db, "SELECT count(*) FROM reports").rows() == [(1,)]
