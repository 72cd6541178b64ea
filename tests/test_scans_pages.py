"""Tables printed as pictures in web pages and Word files: read where they stand, fetched by the night
like any body (politeness, archive, conditional GET), found beside a local page within bounds."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from gongkai.extract.report import extract_bytes, extract_file
from gongkai.flows import steps
from gongkai.load import export
from tests.fixtures.cells import Cells
from tests.fixtures.document import Document, build_document
from tests.fixtures_office import make_cells
from tests.local_site import LocalSite
from tests.scans.check import exact_or_null
from tests.scans.pictures import docx_document, html_page
from tests.scans.scanner import PRESETS
from tests.test_pipeline import run_plain, write_catalog

HEADINGS = (
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
)
TITLE = "金林区人民政府办公室2024年政府信息公开工作年度报告"


def page_of(srcs: list[str]) -> bytes:
    """An article whose three tables are the pictures ``srcs``."""
    body = "".join(
        f"<p><strong>{h}</strong></p><p><img src='{src}' width='640' height='300'></p>"
        for h, src in zip(HEADINGS, srcs, strict=True)
    )
    return (
        f"<html><head><meta charset='utf-8'><title>{TITLE}</title></head><body>"
        f"<div class='content'><h1>{TITLE}</h1><p>一、总体情况</p><p>2024年，我办持续深化政务公开。</p>"
        f"{body}<p>五、存在的主要问题及改进情况</p><p>公开质量有待提高。</p></div></body></html>"
    ).encode()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    s = LocalSite().start()
    yield s
    s.stop()


def test_a_page_asks_for_its_pictures_by_url_then_says_why_they_are_missing(
    site: LocalSite, tmp_path: Path
) -> None:
    """The night fetches a page's pictures after its first reading, logs them with the page as their
    parent, and reads the page once more: a picture gone from the site is a problem in words."""
    e = extract_bytes(page_of(["/img/t0.png", "t1.png", "/img/t0.png"]), "http://x.gov.cn/nb/page.html")
    assert e.status == "needs_ocr" and "2 images" in e.error
    assert e.pictures == ["http://x.gov.cn/img/t0.png", "http://x.gov.cn/nb/t1.png"]

    site.static("/nb/page.html", page_of(["/img/t0.png", "/img/t1.png", "/img/t2.png"]), "text/html")
    catalog = write_catalog(
        tmp_path / "catalog.csv", [f"金林区人民政府办公室,金林区,2024,{site.url('/nb/page.html')}"]
    )
    run_plain(catalog, tmp_path / "data")
    db = steps.warehouse_path(tmp_path / "data")
    (status, problems), *more = export.query(db, "SELECT status, problems FROM reports").rows()
    assert not more and status == "needs_ocr"
    assert "picture http://127.0.0.1" in problems and "fetch failed: HTTP 404" in problems
    fetched = export.query(db, "SELECT url, parent_url, outcome FROM fetches WHERE url LIKE '%/img/%'")
    assert sorted(fetched.rows()) == [
        (site.url(f"/img/t{i}.png"), site.url("/nb/page.html"), "failed") for i in range(3)
    ]
    assert [len(site.requests_to(f"/img/t{i}.png")) for i in range(3)] == [1, 1, 1]


def test_a_local_page_reads_only_pictures_under_its_own_folder(tmp_path: Path) -> None:
    folder = tmp_path / "site" / "nb"
    folder.mkdir(parents=True)
    (tmp_path / "site" / "secret.png").write_bytes(b"\x89PNG not for this page")
    page = folder / "page.html"
    page.write_bytes(page_of(["../secret.png", "missing.png", "http://x.gov.cn/t.png"]))
    e = extract_file(page)
    assert e.status == "needs_ocr" and e.pictures == ["http://x.gov.cn/t.png"]  # a URL: the night fetches it
    page.write_bytes(page_of(["../secret.png", "missing.png", "sub/../../nb/../../secret.png"]))
    e = extract_file(page)
    problems = json.dumps(e.problems, ensure_ascii=False)
    assert "../secret.png is outside the page's folder" in problems
    assert "nb/missing.png: it does not exist" in problems
    assert "sub/../../nb/../../secret.png is outside the page's folder" in problems
    (folder / "junk.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    page.write_bytes(page_of(["junk.png", "junk.png", "data:image/png;base64,AAAA"]))
    problems = json.dumps(extract_file(page).problems, ensure_ascii=False)
    assert "picture 1 (junk.png): not a picture that can be read" in problems
    assert "picture 3 (data:image/png;base64,AAAA): not a picture that can be read" in problems


# ------------------------------------------------------------------ read by OCR


@pytest.fixture(scope="module")
def pictured() -> tuple[Cells, Document]:
    """One report whose tables are pictures (made once for the module: OCR costs seconds)."""
    cells = make_cells("2021", True, consistent=True, seed=12)
    return cells, build_document(cells, "2021", "金林区人民政府办公室", 2024, narrative_paragraphs=1)


@pytest.mark.slow
def test_a_local_page_whose_tables_are_pictures_beside_it(pictured, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cells, document = pictured
    page, files = html_page(document, PRESETS["clean_300"].but(dpi=150), folder="img/")
    (tmp_path / "img").mkdir()
    for name, png in files.items():
        (tmp_path / name).write_bytes(png)
    (tmp_path / "page.html").write_bytes(page)
    e = extract_file(tmp_path / "page.html")
    assert exact_or_null(e, cells)[0] >= len(cells) * 0.9
    assert {c.page for c in e.cells if c.table == "appeals"} == {len(files)}  # the picture's number
    assert e.read_by == "text+ocr"


@pytest.mark.slow
def test_a_docx_whose_tables_are_pictures(pictured) -> None:  # type: ignore[no-untyped-def]
    cells, document = pictured
    e = extract_bytes(docx_document(document, PRESETS["grey_150"]), "report.docx")
    assert exact_or_null(e, cells)[0] >= len(cells) * 0.9
    assert e.read_by == "text+ocr"  # its text gave the narrative, its pictures the tables


@pytest.mark.slow
def test_the_night_fetches_a_pages_pictures_then_asks_again_conditionally(  # type: ignore[no-untyped-def]
    pictured, site: LocalSite, tmp_path: Path
) -> None:
    cells, document = pictured
    page, files = html_page(document, PRESETS["clean_300"].but(dpi=150), folder="/upload/")
    site.static("/nb/page.html", page, "text/html; charset=utf-8")
    for name, png in files.items():
        site.static(name, png, "image/png")
    row = f"金林区人民政府办公室,金林区,2024,{site.url('/nb/page.html')}"
    catalog = write_catalog(tmp_path / "catalog.csv", [row])
    run_plain(catalog, tmp_path / "data")
    db = steps.warehouse_path(tmp_path / "data")
    got = export.query(db, "SELECT table_code, row_code, column_code, value FROM cells").rows()
    read = {(t, r, c): v for t, r, c, v in got}
    assert not [k for k, v in cells.items() if read.get(k) is not None and float(read[k]) != float(v)]
    assert sum(1 for v in read.values() if v is not None) >= len(cells) * 0.9
    parents = export.query(db, "SELECT DISTINCT parent_url FROM fetches WHERE url LIKE '%.png'").rows()
    assert parents == [(site.url("/nb/page.html"),)]
    # the next night: the page answers 304, nothing is read again, no picture is asked for
    asked = len(site.log)
    summary = run_plain(catalog, tmp_path / "data")
    assert summary.skipped == [site.url("/nb/page.html")]
    assert [r.path for r in site.log[asked:]] == ["/nb/page.html"]
