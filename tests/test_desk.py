"""The review desk over HTTP (FastAPI's TestClient on a real warehouse built by the nightly steps from
the bundled samples): every route, the escaping of what documents say, the cross-site protection of
review writes, reviews surviving a new night, and the desk following the nightly swap."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient

from gongkai.desk import queries
from gongkai.desk.app import create_app
from gongkai.desk.security import FIELD
from gongkai.load import files, reviews
from tests.test_pipeline import SEED_001, run_plain

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"
HOSTILE = "<script>alert(1)</script>"
ORIGIN = "http://testserver"
HTML_PAGE = Path(__file__).resolve().parent / "data" / "html" / "hanweb_gbk_2021.html"


def desk_data(folder: Path) -> Path:
    """The bundled samples, the seed 001 agency's 2023 report with one changed number (R2, R3 and a
    year-on-year change), a report whose catalog agency is a script tag and a web page (GBK); the
    catalog's path."""
    shutil.copytree(SAMPLES, folder / "samples")
    seed = (SAMPLES / SEED_001).read_text(encoding="utf-8")
    changed = seed.replace("(一) 予以公开\t8\t0\t0\t0\t0\t0\t8", "(一) 予以公开\t7\t0\t0\t0\t0\t0\t8")
    assert changed != seed
    (folder / "shilong-2023.txt").write_text(changed.replace("2024", "2023"), encoding="utf-8")
    (folder / "hostile.txt").write_text(seed + "\n附：本报告由脚本生成。\n", encoding="utf-8")
    shutil.copyfile(HTML_PAGE, folder / "page.html")
    catalog = (SAMPLES.parent / "catalog.csv").read_text(encoding="utf-8")
    catalog += f"石龙区人民政府办公室,石龙区,2023,shilong-2023.txt\n{HOSTILE},石龙区,2024,hostile.txt\n"
    catalog += "网页区人民政府办公室,网页区,2021,page.html\n"
    (folder / "catalog.csv").write_text(catalog, encoding="utf-8")
    return folder / "catalog.csv"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("desk")
    run_plain(desk_data(folder), folder)
    return folder


@pytest.fixture(scope="module")
def client(data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(data_dir / "warehouse.duckdb")) as c:
        c.get("/")  # the session cookie
        yield c


def report_id(data_dir: Path, where: str) -> str:
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT report_id FROM reports WHERE {where} ORDER BY report_id").fetchall()[0][0]
    finally:
        con.close()


def listed(page: str) -> str:
    """The rows of a page's list (after its filters' options)."""
    return page.split("<tbody>", 1)[1]


def token(client: TestClient, path: str) -> str:
    page = client.get(path).text
    return re.search(rf'name="{FIELD}" value="([0-9a-f]+)"', page).group(1)


def test_overview(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "最近的夜间运行" in page.text and "待审核的报告" in page.text
    assert "新载入 <b>13</b>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_reports_filters_sort_and_paging(client: TestClient, data_dir: Path) -> None:
    everything = client.get("/reports")
    assert everything.status_code == 200
    assert "共 13 份报告" in everything.text
    shilong = client.get("/reports", params={"district": "石龙区", "year": "2023"})
    assert "共 1 份报告" in shilong.text and "石龙区人民政府办公室" in shilong.text
    assert "共 1 份报告" in client.get("/reports", params={"rule": "R2", "district": "石龙区"}).text
    assert "共 0 份报告" in client.get("/reports", params={"status": "failed"}).text
    partial = listed(
        client.get("/reports", params={"status": "partial", "sort": "nulls", "dir": "desc"}).text
    )
    assert partial.index("友好区人民政府办公室") < partial.index(
        "上海市科学技术委员会"
    )  # 14 NULL cells before 1
    kinds = client.get("/reports", params={"kind": "subdistrict_township"}).text
    assert "共 1 份报告" in kinds and "西工区金水湖街道办事处" in kinds
    by_agency = listed(client.get("/reports", params={"sort": "agency", "dir": "asc"}).text)
    assert by_agency.index("上海市科学技术委员会") < by_agency.index("平潭综合实验区")
    assert client.get("/reports", params={"page": "2"}).status_code == 200
    assert "共 0 份报告" in client.get("/reports", params={"review": "confirmed", "year": "1990"}).text


def test_report_page_lays_out_the_template(client: TestClient, data_dir: Path) -> None:
    rid = report_id(data_dir, "year = 2023 AND agency = '石龙区人民政府办公室'")
    page = client.get(f"/report/{rid}").text
    for label in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "申请人情况",
        "法人或其他组织",
        "（三）不予公开",
        "行政复议",
        "未经复议直接起诉",
        "结果纠正",
    ):
        assert label in page
    # the changed 予以公开 breaks R2 (its column) and R3 (its row): the cells are highlighted with the rule
    assert re.search(r'class="cell value warning[^"]*"[^>]*title="R[23] ', page)
    assert "表三办理结果合计" in page and "应为" in page
    assert f"/report/{rid}/cell/requests/granted/natural_person" in page


def test_last_year_one_click_away_with_changes(client: TestClient, data_dir: Path) -> None:
    now = report_id(data_dir, "year = 2024 AND agency = '石龙区人民政府办公室'")
    before = report_id(data_dir, "year = 2023 AND agency = '石龙区人民政府办公室'")
    page = client.get(f"/report/{now}").text
    assert f'href="/report/{before}"' in page and f"/report/{now}/changes" in page
    changes = client.get(f"/report/{now}/changes").text
    assert "（一）予以公开" in changes and "+1" in changes
    assert client.get(f"/report/{before}/changes").status_code == 404


def test_a_scanned_report_marks_its_ocr_cells(client: TestClient, data_dir: Path) -> None:
    scan = report_id(data_dir, "read_by = 'ocr'")  # the bundled scan, read by the real OCR
    page = client.get(f"/report/{scan}").text
    assert page.count('ocr"') > 100  # every cell read from the picture is marked
    part = client.get(f"/report/{scan}/cell/requests/new/natural_person", params={"part": 1}).text
    assert "OCR，置信度" in part


def test_cell_evidence(client: TestClient, data_dir: Path) -> None:
    pdf = report_id(data_dir, "file_type = 'pdf'")
    part = client.get(f"/report/{pdf}/cell/requests/new/total", params={"part": "1"})
    assert part.status_code == 200 and "<html" not in part.text
    assert "原文" in part.text and "页码" in part.text and "行号" in part.text
    whole = client.get(f"/report/{pdf}/cell/requests/new/total").text
    assert "<html" in whole and "一、本年新收政府信息公开申请数量" in whole
    image = client.get(f"/report/{pdf}/cell/requests/new/total/region.png")
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    text = report_id(data_dir, "file_type = 'text' AND status = 'ok'")
    assert client.get(f"/report/{text}/cell/requests/new/total/region.png").status_code == 404
    html = report_id(data_dir, "file_type = 'html'")
    snippet = client.get(f"/report/{html}/cell/requests/new/total", params={"part": "1"}).text
    assert '<table class="gk-evidence">' in snippet and 'class="gk-cell"' in snippet


def test_what_documents_say_is_shown_not_run(client: TestClient, data_dir: Path) -> None:
    rid = report_id(data_dir, "agency LIKE '<script>%'")
    for path in ("/reports", f"/report/{rid}", "/", "/compare?district=石龙区&year=2024"):
        page = client.get(path).text
        assert HOSTILE not in page, path
    found = client.get("/reports", params={"q": "script"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in found


def test_review_needs_the_token_and_the_same_origin(client: TestClient, data_dir: Path) -> None:
    rid = report_id(data_dir, "year = 2023 AND agency = '石龙区人民政府办公室'")
    form = {"verdict": "confirmed", "reviewer": "王分析", "note": "予以公开与合计不符"}
    store = reviews.store_for(data_dir / "warehouse.duckdb")
    before = len(reviews.history(store))
    no_token = client.post(f"/report/{rid}/review", data=form, headers={"Origin": ORIGIN})
    assert no_token.status_code == 403
    good = {**form, FIELD: token(client, f"/report/{rid}")}
    foreign = client.post(f"/report/{rid}/review", data=good, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403
    nowhere = client.post(f"/report/{rid}/review", data=good)
    assert nowhere.status_code == 403
    other_browser = TestClient(client.app)  # another cookie: the token is not its own
    assert (
        other_browser.post(f"/report/{rid}/review", data=good, headers={"Origin": ORIGIN}).status_code == 403
    )
    assert len(reviews.history(store)) == before


def test_review_is_recorded_and_redirected(client: TestClient, data_dir: Path) -> None:
    rid = report_id(data_dir, "year = 2023 AND agency = '石龙区人民政府办公室'")
    form = {
        FIELD: token(client, f"/report/{rid}"),
        "verdict": "confirmed",
        "reviewer": "王分析",
        "note": "<b>予以公开</b>与合计不符",
        "rule": "R2",
        "table_code": "requests",
        "row_code": "handled_total",
        "column_code": "natural_person",
    }
    saved = client.post(
        f"/report/{rid}/review", data=form, headers={"Origin": ORIGIN}, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"].startswith(f"/report/{rid}")
    page = client.get(saved.headers["location"]).text
    assert '<span class="review confirmed"' in page  # the verdict shown, not only the form's choice
    assert "王分析" in page
    assert "&lt;b&gt;予以公开&lt;/b&gt;与合计不符" in page
    assert 'value="王分析"' in page  # the reviewer's name is remembered for the next form
    cell = {
        FIELD: form[FIELD],
        "verdict": "fixed",
        "reviewer": "王分析",
        "corrected_value": "8",
        "table_code": "requests",
        "row_code": "granted",
        "column_code": "natural_person",
    }
    assert client.post(f"/report/{rid}/review", data=cell, headers={"Origin": ORIGIN}).status_code == 200
    evidence = client.get(f"/report/{rid}/cell/requests/granted/natural_person").text
    assert '<span class="review fixed"' in evidence and "更正为 8" in evidence
    bad = {**cell, "verdict": "maybe"}
    assert client.post(f"/report/{rid}/review", data=bad, headers={"Origin": ORIGIN}).status_code == 400


def test_compare(client: TestClient) -> None:
    page = client.get("/compare", params={"district": "石龙区", "year": "2024"}).text
    assert "石龙区人民政府办公室" in page and "P25" in page
    assert page.count("<svg") == 2 and "Noto Sans CJK SC" in page
    assert client.get("/compare").status_code == 200


def test_exports(client: TestClient, data_dir: Path, tmp_path: Path) -> None:
    assert "主管部门对标与风险清单" in client.get("/exports").text
    csv = client.get("/exports/districts.csv", params={"year": "2024"})
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    from gongkai.load import export

    export.export(data_dir / "warehouse.duckdb", "districts", tmp_path / "cli.csv", year=2024)
    assert csv.content == (tmp_path / "cli.csv").read_bytes()  # as `gongkai export districts` writes it
    book = client.get("/exports/workbook.xlsx", params={"year": "2024"})
    assert book.status_code == 200 and book.content.startswith(b"PK")
    assert "attachment" in book.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(book.content)) as z:
        rels = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
    links = sorted(set(re.findall(r'Target="https?://[^/"]+(/report/[0-9a-f]{16})"', rels)))
    assert links and all(client.get(link).status_code == 200 for link in links)  # the desk's own pages


def test_unknown_report_and_static(client: TestClient) -> None:
    assert client.get("/report/0000000000000000").status_code == 404
    assert client.get("/static/desk.css").status_code == 200
    assert client.get("/static/desk.js").status_code == 200


def test_the_desk_follows_the_swap_and_never_blocks_the_writer(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(data_dir / "warehouse.duckdb", db)
    app = create_app(db)
    with TestClient(app) as c:
        assert "共 13 份报告" in c.get("/reports").text
        with app.state.desk.warehouse.session() as held:  # a request in flight holds the old file
            with files.writing(db) as con:  # the nightly writer: copy, write, swap (never waits)
                con.execute("DELETE FROM reports WHERE agency LIKE '<script>%'")
            assert held.one("SELECT count(*) AS n FROM reports")["n"] == 13
        app.state.desk.warehouse.wait_fresh()
        assert "共 12 份报告" in c.get("/reports").text


def test_web_without_a_warehouse_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gongkai.cli import main

    assert main(["web", "--data-dir", str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert "no warehouse at" in said and "gongkai run" in said


def test_the_reports_list_pages_through_every_report_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PAGE_SIZE", 5)
    pages = [listed(client.get("/reports", params={"sort": "agency", "page": n}).text) for n in (1, 2, 3, 4)]
    links = [re.findall(r'href="/report/([0-9a-f]{16})"', page) for page in pages]
    assert [len(set(ids)) for ids in links] == [5, 5, 3, 0]
    assert len(set().union(*map(set, links))) == 13  # no report twice, none left out
