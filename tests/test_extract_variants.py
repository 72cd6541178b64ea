"""Labels matched by meaning, other encodings, and bad input: real seed text, reshaped as reports are."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gongkai.extract.report import extract_bytes, extract_file
from gongkai.model import Extraction
from tests.expected import SEED_REPORTS, SEEDS

SEED_000 = SEEDS / "000_67ee20e95a2da50e.txt"
SEED_001 = SEEDS / "001_20ac404ea9b9f41f.txt"


def values(extraction: Extraction) -> dict[tuple[str, str, str], str | None]:
    return {(c.table, c.row, c.column): c.raw for c in extraction.cells}


def extract_text(text: str, encoding: str = "utf-8") -> Extraction:
    return extract_bytes(text.encode(encoding), source="variant")


def full_width(text: str) -> str:
    return text.translate(str.maketrans("(),:", "（），：")).replace(". ", "．")


def half_width(text: str) -> str:
    return text.translate(str.maketrans("（），：", "(),:"))


def enumerators_with_dun(text: str) -> str:
    return re.sub(r"(?m)(^|\t)(\d)\.\s?", r"\1\2、", text)


def wrap_labels(text: str) -> str:
    """Break every long label in two lines, as a narrow PDF column does."""

    def wrap(m: re.Match[str]) -> str:
        label = m.group(1)
        half = len(label) // 2
        return f"{label[:half]}\n{label[half:]}{m.group(2)}"

    return re.sub(r"(?m)^([^\d\s\t]{8,})((?:[ \t]+\S+){3,})$", wrap, text)


def vertical(text: str, label: str) -> str:
    return text.replace(label, "\n".join(label))


@pytest.mark.parametrize(
    "reshape",
    [
        full_width,
        half_width,
        enumerators_with_dun,
        wrap_labels,
        lambda t: vertical(t, "本年新收政府信息公开申请数量"),
    ],
    ids=["full-width", "half-width", "1、", "wrapped", "vertical"],
)
@pytest.mark.parametrize("seed", [SEED_000, SEED_001], ids=["pdf-text", "tab-separated"])
def test_labels_are_matched_by_meaning(seed: Path, reshape) -> None:
    original = extract_file(seed)
    text = seed.read_text(encoding="utf-8")
    changed = reshape(text)
    if reshape not in (full_width, half_width):
        assert changed != text
    assert values(extract_text(changed)) == values(original)


def test_typo_in_a_label_is_still_matched() -> None:
    text = SEED_000.read_text(encoding="utf-8").replace("5.属于三类内部事务信息", "5.属于三类内部事物信息")
    assert values(extract_text(text)) == values(extract_file(SEED_000))


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-16"])
def test_other_encodings_give_identical_cells(encoding: str) -> None:
    text = SEED_001.read_text(encoding="utf-8")
    got = extract_text(text, encoding)
    assert got.status == "ok"
    assert values(got) == values(extract_file(SEED_001))


def test_every_seed_gets_its_year_and_format_from_the_text() -> None:
    for expected in SEED_REPORTS:
        e = extract_file(SEEDS / expected.file)
        assert (e.year, e.format) == (expected.year, expected.format)


# ------------------------------------------------------------------ bad input


def test_empty_file_fails_with_reason() -> None:
    e = extract_bytes(b"", source="empty.txt")
    assert (e.status, e.error) == ("failed", "empty file (0 bytes)")
    assert not e.cells


def test_text_that_is_no_report_fails_with_reason() -> None:
    text = "关于开展2024年度安全生产检查的通知\n各单位：请于3月1日前报送检查情况。\n"
    e = extract_text(text)
    assert e.status == "failed"
    assert "no statistical tables" in e.error


def test_report_with_a_table_missing_is_partial_and_says_which() -> None:
    text = SEED_000.read_text(encoding="utf-8")
    start = text.index(" 四、因政府信息公开工作被申请行政复议")
    end = text.index("五、政府信息公开工作存在的主要问题")
    e = extract_text(text[:start] + text[end:])
    assert e.status == "partial"
    assert "table 四" in e.error
    appeals = {k: v for k, v in values(e).items() if k[0] == "appeals"}
    assert len(appeals) == 15
    assert set(appeals.values()) == {None}
    requests = {k: v for k, v in values(e).items() if k[0] == "requests"}
    assert None not in requests.values()


def test_bytes_that_are_not_text_fail_with_reason() -> None:
    e = extract_bytes(bytes(range(256)) * 40, source="noise.txt")
    assert e.status == "failed"
    assert "not a text document" in e.error


def test_undecodable_bytes_fail_with_reason() -> None:
    e = extract_bytes(b"\xff\xfe\xfa" * 7 + "报告".encode() + b"\x81\x30\xff" * 50, source="mojibake.txt")
    assert e.status == "failed"


def test_truncated_pdf_fails_with_reason() -> None:
    data = (SEEDS / "hongze-2023.pdf").read_bytes()[:5000]
    e = extract_bytes(data, source="truncated.pdf")
    assert e.status == "failed"
    assert "PDF" in e.error


def test_image_saved_as_report_needs_ocr() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    assert extract_bytes(png, source="scan.pdf", ocr=False).status == "needs_ocr"
    e = extract_bytes(png, source="scan.pdf")  # recognised by default: this one is no image at all
    assert e.status == "failed" and "unreadable image" in e.error


def test_an_image_of_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    import io

    from PIL import Image

    picture = io.BytesIO()
    Image.new("1", (8000, 6000)).save(picture, "PNG")  # 6 kB that would decode to 48 million pixels
    e = extract_bytes(picture.getvalue(), source="big.png")
    assert e.status == "failed" and "8000×6000 pixels, more than the 40,000,000" in e.error
