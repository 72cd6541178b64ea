"""Word reports: extract(render(cells)) == cells for DOCX (merged cells, numbering, text boxes) and DOC;
corrupt, encrypted and unconvertible files get a clear status and reason."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.extract import office
from gongkai.extract.docx import format_number, read_docx
from gongkai.extract.report import extract_bytes
from tests.fixtures_office import AGENCY, SHAPES, YEAR, expected, make_cells, raws, values
from tests.fixtures_office.render_docx import VARIANTS, render_doc, render_docx, soffice_available
from tests.fixtures_office.report import build_report

needs_soffice = pytest.mark.skipif(
    not soffice_available(),
    reason="LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui",
)


def report_of(fmt: str = "2021", seed: int = 5, blank_share: float = 0.3):
    cells = make_cells(fmt, fmt == "2019", True, seed)
    return cells, build_report(cells, fmt, AGENCY, YEAR, seed=seed, blank_share=blank_share)


@pytest.mark.parametrize("variant", VARIANTS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from(SHAPES),
    consistent=st.booleans(),
    seed=st.integers(0, 2**31),
    blank_share=st.sampled_from([0.0, 0.4, 1.0]),
)
def test_extract_of_rendered_docx_gives_its_cells(
    variant: str, shape: tuple[str, bool], consistent: bool, seed: int, blank_share: float
) -> None:
    fmt, one_row = shape
    cells = make_cells(fmt, one_row, consistent, seed)
    report = build_report(cells, fmt, AGENCY, YEAR, seed=seed, blank_share=blank_share)
    e = extract_bytes(render_docx(report, variant), source="report.docx")
    assert (e.status, e.error) == ("ok", None)
    assert (e.file_type, e.format, e.year, e.agency) == ("docx", fmt, YEAR, AGENCY)
    assert values(e) == expected(cells)
    assert raws(e) == report.shown
    assert all(c.line for c in e.cells)


def test_automatic_numbering_is_part_of_the_labels() -> None:
    _, report = report_of()
    lines = [line.text for line in read_docx(render_docx(report, "numbered")).lines]
    assert "六、其他需要报告的事项" in lines
    assert "（四）平台建设情况" in lines
    assert any(t.startswith("三、本年度办理结果\t（一）予以公开\t") for t in lines)
    assert any(t.startswith("（三）不予公开\t1.属于国家秘密\t") for t in lines)
    assert any(t.startswith("3.其他\t") for t in lines)
    assert any(t.startswith("四、结转下年度继续办理\t") for t in lines)


def test_table_in_a_text_box_is_read_once() -> None:
    _, report = report_of()
    lines = [line.text for line in read_docx(render_docx(report, "textbox")).lines]
    appeals = [t for t in lines if t.startswith("行政复议\t行政诉讼")]
    assert len(appeals) == 1  # the DrawingML box, not also its VML fallback copy
    assert lines.index(appeals[0]) > lines.index("四、政府信息公开行政复议、行政诉讼情况")


@pytest.mark.parametrize(
    ("n", "fmt", "text"),
    [
        (3, "chineseCounting", "三"),
        (10, "chineseCounting", "十"),
        (12, "taiwaneseCountingThousand", "十二"),
        (21, "chineseCountingThousand", "二十一"),
        (2, "chineseLegalSimplified", "贰"),
        (3, "ideographTraditional", "丙"),
        (4, "decimalEnclosedCircle", "④"),
        (7, "decimal", "7"),
        (3, "lowerLetter", "c"),
        (4, "upperRoman", "IV"),
        (1, "bullet", ""),
    ],
)
def test_numbering_formats(n: int, fmt: str, text: str) -> None:
    assert format_number(n, fmt) == text


def _png(width: int = 64, height: int = 48) -> bytes:
    """A blank grey PNG, standing for a scanned table."""
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_tables_pasted_as_pictures_need_ocr() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph(f"{AGENCY}{YEAR}年政府信息公开工作年度报告")
    for heading in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ):
        document.add_paragraph(heading)
        document.add_picture(io.BytesIO(_png()))
    out = io.BytesIO()
    document.save(out)
    e = extract_bytes(out.getvalue(), "report.docx")
    assert e.status == "needs_ocr"
    assert "3 images" in e.error
    assert "主动公开政府信息情况" in e.narrative


# ------------------------------------------------------------------ bad files


def test_zip_without_a_document_fails_with_reason() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("docProps/app.xml", "<Properties/>")
    e = extract_bytes(out.getvalue(), "report.docx")
    assert (e.status, e.file_type) == ("failed", "docx")
    assert "no Word document" in e.error and "word/document.xml" in e.error


def test_truncated_docx_fails_with_reason() -> None:
    _, report = report_of()
    data = render_docx(report)
    e = extract_bytes(data[: len(data) // 2], "report.docx")
    assert e.status == "failed"
    assert "damaged or truncated" in e.error


def test_spreadsheet_saved_as_docx_fails_with_reason() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    e = extract_bytes(out.getvalue(), "report.docx")
    assert e.status == "failed" and "Excel" in e.error


def test_password_protected_docx_fails_with_reason() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    _, report = report_of()
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(render_docx(report))).encrypt("secret", out)
    e = extract_bytes(out.getvalue(), "report.docx")
    assert e.status == "failed"
    assert "password-protected" in e.error


def test_damaged_ole_file_fails_with_reason() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    e = extract_bytes(data, "report.doc")
    assert e.status == "failed" and "damaged" in e.error


def test_doc_without_libreoffice_fails_with_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "soffice", lambda: None)
    e = extract_bytes(b"{\\rtf1\\ansi 2024}", "report.rtf")
    assert (e.status, e.file_type) == ("failed", "rtf")
    assert "LibreOffice" in e.error


# ------------------------------------------------------------------ DOC through LibreOffice


@pytest.fixture(scope="module")
def doc_2021() -> tuple[dict, object, bytes]:
    if not soffice_available():
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    cells, report = report_of("2021", seed=11)
    return cells, report, render_doc(report, "numbered")


@needs_soffice
def test_doc_is_converted_and_gives_its_cells(doc_2021) -> None:
    cells, report, data = doc_2021
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    e = extract_bytes(data, "report.doc")
    assert (e.status, e.file_type, e.format, e.agency) == ("ok", "doc", "2021", AGENCY)
    assert values(e) == expected(cells)
    assert raws(e) == report.shown


@needs_soffice
def test_password_protected_doc_fails_without_converting(doc_2021, monkeypatch: pytest.MonkeyPatch) -> None:
    import olefile

    _, _, data = doc_2021
    ole = olefile.OleFileIO(data)
    fib = ole.openstream("WordDocument").read(12)
    offset = data.find(fib)  # the FIB opens the WordDocument stream
    ole.close()
    flags = struct.unpack_from("<H", data, offset + 10)[0] | 0x0100  # FibBase.fEncrypted
    encrypted = data[: offset + 10] + struct.pack("<H", flags) + data[offset + 12 :]

    def no_conversion(*args, **kwargs):
        raise AssertionError("an encrypted file must not be handed to LibreOffice")

    monkeypatch.setattr("gongkai.extract.docx.convert", no_conversion)
    e = extract_bytes(encrypted, "report.doc")
    assert (e.status, e.file_type) == ("failed", "doc")
    assert "password-protected" in e.error


def _soffice_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@needs_soffice
def test_conversion_time_limit_leaves_no_process_behind(doc_2021) -> None:
    _, _, data = doc_2021
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))

    def profiles() -> set[str]:
        return {p.name for p in tmp.iterdir() if p.name.startswith("gongkai-office-")}

    # other conversions may run on the machine at the same time: only this one's must be gone
    processes_before, profiles_before = set(_soffice_processes("gongkai-office-")), profiles()
    with pytest.raises(office.ConversionError, match=r"within 0\.2 s"):
        office.convert(data, ".doc", "docx", timeout=0.2)
    assert set(_soffice_processes("gongkai-office-")) <= processes_before
    assert profiles() <= profiles_before


@needs_soffice
def test_rtf_is_converted_too() -> None:
    cells, report = report_of("2019", seed=3)
    rtf = office.convert(render_docx(report, "plain"), ".docx", "rtf")
    assert rtf.startswith(b"{\\rtf")
    e = extract_bytes(rtf, "report.rtf")
    assert (e.status, e.file_type, e.format) == ("ok", "rtf", "2019")
    assert values(e) == expected(cells)
