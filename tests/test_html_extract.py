"""HTML report pages: extract(render(cells)) == cells over CMS templates and encodings; bad pages."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.extract import grid
from gongkai.extract.html import decode_html, read_html
from gongkai.extract.report import extract_bytes, sniff
from gongkai.numbers import EMPTY_FIELD
from tests.fixtures_office import AGENCY, SHAPES, YEAR, expected, make_cells, raws, values
from tests.fixtures_office.render_html import TEMPLATES, render_html
from tests.fixtures_office.report import build_report

URL = "https://www.jinlin.gov.cn/zwgk/ndbg/202501/t20250120_1234.html"
TITLE = f"{AGENCY}{YEAR}年政府信息公开工作年度报告"


def page(template: str = "portal", encoding: str = "utf-8", fmt: str = "2021", seed: int = 7, **kw):
    one_row = fmt == "2019"
    cells = make_cells(fmt, one_row, True, seed)
    report = build_report(cells, fmt, AGENCY, YEAR, seed=seed, blank_share=kw.pop("blank_share", 0.3))
    data, content_type = render_html(report, template, encoding, **kw)
    return report, data, content_type


# ------------------------------------------------------------------ the property


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize("template", TEMPLATES)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from(SHAPES),
    consistent=st.booleans(),
    seed=st.integers(0, 2**31),
    blank_share=st.sampled_from([0.0, 0.4, 1.0]),
)
def test_extract_of_rendered_page_gives_its_cells(
    template: str, encoding: str, shape: tuple[str, bool], consistent: bool, seed: int, blank_share: float
) -> None:
    fmt, one_row = shape
    cells = make_cells(fmt, one_row, consistent, seed)
    report = build_report(cells, fmt, AGENCY, YEAR, seed=seed, blank_share=blank_share)
    data, content_type = render_html(report, template, encoding)
    e = extract_bytes(data, source=URL, content_type=content_type)
    assert (e.status, e.error) == ("ok", None)
    assert (e.file_type, e.format, e.year, e.agency) == ("html", fmt, YEAR, AGENCY)
    assert values(e) == expected(cells)
    assert raws(e) == report.shown  # the printed text, blanks as printed ("" for &nbsp;)
    assert all(c.line for c in e.cells)


@pytest.mark.parametrize("template", TEMPLATES)
def test_gbk_page_and_its_utf8_copy_give_identical_cells(template: str) -> None:
    _, gbk, gbk_type = page(template, "gbk")
    _, utf8, utf8_type = page(template, "utf-8")
    assert gbk != utf8
    a = extract_bytes(gbk, URL, content_type=gbk_type)
    b = extract_bytes(utf8, URL, content_type=utf8_type)
    assert a.status == b.status == "ok"
    assert raws(a) == raws(b)
    assert a.narrative == b.narrative
    assert [c.line for c in a.cells] == [c.line for c in b.cells]


# ------------------------------------------------------------------ encodings


def test_charset_from_the_http_header_alone() -> None:
    report, data, content_type = page("fragment", "gbk")
    assert b"charset" not in data.lower()
    assert content_type == "text/html; charset=GBK"
    e = extract_bytes(data, URL, content_type=content_type)
    assert e.status == "ok"
    assert raws(e) == report.shown


def test_charset_detected_when_nothing_declares_it() -> None:
    report, data, _ = page("fragment", "gbk")
    assert sniff(data) == "html"
    e = extract_bytes(data, URL)
    assert e.status == "ok"
    assert raws(e) == report.shown


def test_gb2312_declared_page_reads_as_gb18030() -> None:
    text, encoding, problems = decode_html("<meta charset=gb2312><p>报告 𠀀 镕</p>".encode("gb18030"))
    assert (encoding, problems) == ("gb18030", [])
    assert "𠀀 镕" in text  # characters outside GB2312 that GBK/GB18030 pages use


def test_byte_order_mark_beats_a_wrong_declaration() -> None:
    report, data, _ = page("word", "utf-8")
    data = b"\xef\xbb\xbf" + data.replace(b"charset=utf-8", b"charset=gb2312")
    e = extract_bytes(data, URL, content_type="text/html; charset=GBK")
    assert e.status == "ok"
    assert raws(e) == report.shown


def test_utf8_page_that_declares_gb2312_is_read_as_utf8() -> None:
    report, data, _ = page("legacy", "utf-8")
    data = data.replace(b"charset=utf-8", b"charset=gb2312")
    assert b"charset=gb2312" in data
    e = extract_bytes(data, URL, content_type="text/html; charset=gb2312")
    assert e.status == "ok"
    assert raws(e) == report.shown


def test_gbk_page_served_as_utf8_is_read_as_gbk() -> None:
    report, data, _ = page("portal", "gbk")
    e = extract_bytes(data, URL, content_type="text/html; charset=UTF-8")
    assert e.status == "ok"
    assert raws(e) == report.shown


def test_gbk_page_served_as_iso_8859_1_is_read_as_gbk() -> None:
    report, data, _ = page("fragment", "gbk")  # no <meta>: only the server's wrong default
    e = extract_bytes(data, URL, content_type="text/html; charset=ISO-8859-1")
    assert e.status == "ok"
    assert raws(e) == report.shown


def test_mixed_encodings_each_part_read_in_its_own() -> None:
    report, data, _ = page("portal", "utf-8")
    text = data.decode("utf-8")
    cut = text.index("<footer")
    mixed = data[: len(text[:cut].encode("utf-8"))] + text[cut:].encode("gbk")  # a GBK footer include
    e = extract_bytes(mixed, URL)
    assert e.status == "ok"
    assert raws(e) == report.shown
    assert any("mixed encodings" in p for p in e.problems)
    page_text, encoding, _ = decode_html(mixed)
    assert encoding == "utf-8+gb18030"
    assert "版权所有" in page_text and "\ufffd" not in page_text


# ------------------------------------------------------------------ the body and what is kept


def test_report_body_is_found_among_navigation_and_footers() -> None:
    report, data, content_type = page("portal", "utf-8")
    e = extract_bytes(data, URL, content_type=content_type)
    text = "\n".join(line.text for line in read_html(data, content_type).lines)
    for chrome in (
        "政务服务",
        "当前位置",
        "分享到",
        "上一篇",
        "相关链接",
        "版权所有",
        "document.write",
        "99 99",
    ):
        assert chrome not in text, chrome
    # text outside the tables is kept, in the narrative
    narrative = unicodedata.normalize("NFKC", e.narrative)  # the stream's compact NFKC text
    for kept in (
        "一、总体情况",
        "(四)平台建设情况",
        "六、其他需要报告的事项",
        "未收取政府信息公开信息处理费",
    ):
        assert kept in narrative, kept
    assert "本年新收" not in narrative
    assert text.startswith(report.title)


def test_cells_point_to_their_line_in_the_page() -> None:
    _, data, content_type = page("portal", "utf-8")
    e = extract_bytes(data, URL, content_type=content_type)
    source = data.decode("utf-8").splitlines()
    for c in e.cells:
        if c.raw:
            assert c.raw in source[c.line - 1], (c, source[c.line - 1][:80])


def test_tables_printed_as_images_need_ocr() -> None:
    body = "".join(
        f"<p><strong>{h}</strong></p><p><img src='/uploads/2025/table{i}.png' width='640'></p>"
        for i, h in enumerate(
            [
                "二、主动公开政府信息情况",
                "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况",
            ]
        )
    )
    html = (
        f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
        "<div class='nav'><a href='/'>首页</a><img src='/images/logo.png'></div>"
        "<div class='content'><p>一、总体情况</p><p>2024年，我办持续深化政务公开。</p>"
        f"{body}<p>五、存在的主要问题及改进情况</p><p>公开质量有待提高。</p></div></body></html>"
    )
    e = extract_bytes(html.encode(), URL)
    assert e.status == "needs_ocr"
    assert "3 images" in e.error and "OCR" in e.error
    assert "公开质量有待提高" in e.narrative  # the text of the page is kept


@pytest.mark.parametrize("name", ["report.pdf", "report.doc", "report.docx", "report.wps"])
def test_page_that_only_links_to_an_attachment_records_the_link(name: str) -> None:
    html = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{TITLE}</title>"
        "</head><body><nav><a href='/zwgk/'>政务公开</a><a href='/files/guide.pdf'>公开指南.pdf</a></nav>"
        f"<div class='article'><h1>{TITLE}</h1>"
        f"<div class='content'><p>现将《{TITLE}》予以公布。</p>"
        f"<p>附件：<a href='../../upload/2025/{name}'>{TITLE}</a></p>"
        "</div></div></body></html>"
    )
    e = extract_bytes(html.encode(), URL)
    assert e.status == "failed"
    assert e.attachments == [f"https://www.jinlin.gov.cn/zwgk/upload/2025/{name}"]
    assert "attachment (附件)" in e.error and name in e.error
    assert e.agency == AGENCY and e.year == YEAR


def test_attachment_links_are_recorded_beside_the_cells() -> None:
    report, data, content_type = page("portal", "utf-8", attachment=True)
    e = extract_bytes(data, URL, content_type=content_type)
    assert e.status == "ok"
    assert raws(e) == report.shown
    assert e.attachments == ["https://www.jinlin.gov.cn/zwgk/ndbg/202501/P020250120.pdf"]


def test_relative_attachment_kept_as_written_for_a_local_file() -> None:
    _, data, content_type = page("legacy", "gbk", attachment=True)
    e = extract_bytes(data, "data/pages/report.html", content_type=content_type)
    assert e.attachments == ["../../upload/2025/report.doc"]


# ------------------------------------------------------------------ bad pages


def test_truncated_page_keeps_what_it_shows_and_guesses_nothing() -> None:
    report, data, _ = page("portal", "gbk")
    cut = data.index("3.危及".encode("gbk")) + 1  # in the middle of a GBK character, inside table 三
    e = extract_bytes(data[:cut], URL)
    assert e.status == "partial"
    got = raws(e)
    shown = {k: v for k, v in got.items() if v is not None}
    assert {k: report.shown[k] for k in shown} == shown  # every value it gives is right
    assert all(got[k] == report.shown[k] for k in got if k[0] == "active_disclosure")
    assert (
        got[("requests", "denied_state_secret", "total")]
        == report.shown[("requests", "denied_state_secret", "total")]
    )
    assert all(v is None for k, v in got.items() if k[0] == "appeals")
    assert "table 四" in e.error


def test_page_without_a_report_fails_with_reason() -> None:
    html = (
        "<html><head><meta charset='utf-8'><title>关于开展安全生产检查的通知</title></head><body>"
        "<div class='content'><h1>关于开展2024年度安全生产检查的通知</h1>"
        "<p>各单位：请于3月1日前报送检查情况。</p>"
        "<table><tr><td>单位</td><td>人数</td></tr><tr><td>安监局</td><td>12</td></tr></table></div></body></html>"
    )
    e = extract_bytes(html.encode(), URL)
    assert e.status == "failed"
    assert "no statistical tables" in e.error
    assert e.attachments == []


def test_binary_served_as_html_fails_with_reason() -> None:
    noise = bytes(range(256)) * 64
    e = extract_bytes(noise, "report.html", content_type="text/html; charset=utf-8")
    assert (e.status, e.file_type) == ("failed", "html")
    assert "binary" in e.error
    e2 = extract_bytes(b"<html><body>" + noise, "report.html")
    assert e2.status == "failed" and "binary" in e2.error


def test_empty_page_fails_with_reason() -> None:
    e = extract_bytes(b"<!DOCTYPE html><html><head><title></title></head><body> </body></html>", URL)
    assert (e.status, e.error) == ("failed", "no text in the page")


def test_pdf_served_as_html_is_read_by_its_bytes() -> None:
    e = extract_bytes(b"%PDF-1.7\n" + b"\x00" * 100, "report.html", content_type="text/html")
    assert e.file_type == "pdf"


# ------------------------------------------------------------------ the grid


def rows(spec: list[list[tuple[str, int, int]]]) -> list[str]:
    return [text for _, text in grid.grid_rows(grid.place(spec))]


def test_grid_spanned_label_and_number_written_once() -> None:
    got = rows(
        [
            [("三、本年度办理结果", 2, 1), ("（一）予以公开", 1, 1), ("1", 1, 1), ("2", 1, 1)],
            [("（二）部分公开", 1, 1), ("3", 1, 1), ("4", 1, 1)],
        ]
    )
    assert got == ["三、本年度办理结果\t（一）予以公开\t1\t2", "（二）部分公开\t3\t4"]


def test_grid_blank_cells_under_their_own_headers() -> None:
    header = [("信息内容", 1, 1), ("本年制发件数", 1, 1), ("本年废止件数", 1, 1), ("现行有效件数", 1, 1)]
    got = rows(
        [
            header,
            [("规章", 1, 1), ("0", 1, 1), ("\xa0", 1, 1), ("3", 1, 1)],
            [("规范性文件", 1, 1), ("1", 1, 1), ("2", 1, 1), ("", 1, 1)],
        ]
    )
    assert got[1:] == [f"规章\t0\t{EMPTY_FIELD}\t3", f"规范性文件\t1\t2\t{EMPTY_FIELD}"]


def test_grid_misaligned_colspan_leaves_no_extra_blanks() -> None:
    header = [("信息内容", 1, 1), ("本年处理决定数量", 1, 3)]
    got = rows(
        [
            header,
            [("行政许可", 1, 1), ("5", 1, 1), ("\xa0", 1, 1), ("", 1, 1)],
            [("行政处罚", 1, 1), ("", 1, 1), ("", 1, 1), ("", 1, 1)],
        ]
    )
    assert got[1:] == ["行政许可\t5", f"行政处罚\t{EMPTY_FIELD}"]


def test_grid_all_blank_value_row_under_headers() -> None:
    header = [("结果维持", 1, 1), ("结果纠正", 1, 1), ("总计", 1, 1)]
    assert rows([header, [("", 1, 1)] * 3]) == ["结果维持\t结果纠正\t总计", "\t".join([EMPTY_FIELD] * 3)]
    assert rows([[("", 1, 1)] * 3, [("x", 1, 1), ("1", 1, 1)]]) == ["x\t1"]  # an empty row is no data
