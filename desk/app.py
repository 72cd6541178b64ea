"""The desk's routes: overview, reports, a report with its evidence and reviews, compare, exports.

Every page reads the warehouse through one read-only session (``warehouse.Warehouse``) in which the
review store's current rows are loaded (``gongkai.load.reviews.load_live``, rebuilt when the store
changes: ``LiveReviews``). The only write is a
review, appended to the review store (``reviews.add``) after the CSRF and Origin checks, then
redirected (POST-redirect-GET).
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

import duckdb
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from gongkai.desk import charts, layout, queries
from gongkai.desk.security import COOKIE, FIELD, HEADERS, Guard
from gongkai.desk.warehouse import Session, Stamp, Warehouse
from gongkai.errors import Refusal
from gongkai.load import evidence, export, reviews, workbook

HERE = Path(__file__).parent
REVIEWER_COOKIE = "desk_reviewer"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("gongkai.desk", "templates"), autoescape=True)
    env.filters["num"] = layout.plain
    env.filters["pct"] = lambda v: "" if v is None else f"{float(v) * 100:.1f}%"
    env.globals.update(
        STATUS_ZH=queries.STATUS_ZH,
        SEVERITY_ZH=queries.SEVERITY_ZH,
        REVIEW_ZH=queries.REVIEW_ZH,
        CSRF_FIELD=FIELD,
    )
    return env


class LiveReviews:
    """The review store's rows and the review views over them, rebuilt in the desk's memory when the
    store changes (its file or its write-ahead log): a recorded verdict shows on the next page."""

    views = ("review_log", "review_current", "flag_reviews", "report_reviews")
    names = (*views, "desk_review_states")

    def __init__(self, store: Path):
        self.store = store

    def version(self) -> tuple[tuple[int, int] | None, ...]:
        files = (self.store, self.store.with_name(self.store.name + "-wal"))
        return tuple((st.st_size, st.st_mtime_ns) if (st := _stat(f)) else None for f in files)

    def build(self, con: duckdb.DuckDBPyConnection) -> None:
        reviews.load_live(con, self.store)  # TEMP review_log, which the review views read
        for name in self.views:
            con.execute(f"CREATE OR REPLACE TABLE memory.main.{name} AS SELECT * FROM {name}")
        con.execute(f"CREATE OR REPLACE TABLE memory.main.desk_review_states AS {queries.REVIEW_STATES}")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


class Desk:
    """What every request shares: the warehouse, the review store beside it, the CSRF guard."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        self.data_dir = self.db_path.parent
        self.store = reviews.store_for(self.db_path)
        self.warehouse = Warehouse(self.db_path, queries.MATERIALISED, LiveReviews(self.store))
        self.guard = Guard()
        self.templates = _environment()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.warehouse.session() as db:
            yield db

    def page(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(
            request=request,
            csrf_token=self.guard.token(request.state.session),
            reviewer=unquote(request.cookies.get(REVIEWER_COOKIE, "")),
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def refuse(self, request: Request, message: str, status_code: int = 404) -> HTMLResponse:
        return self.page(request, "error.html", status_code, message=message)


def _query_url(path: str, params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return f"{path}?{urlencode(merged)}" if merged else path


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _report_filter(p: dict[str, str]) -> queries.ReportFilter:
    return queries.ReportFilter(
        district=p.get("district") or None,
        year=_int(p.get("year")),
        kind=p.get("kind") or None,
        status=p.get("status") or None,
        rule=p.get("rule") or None,
        review=p.get("review") or None,
        q=p.get("q") or None,
        sort=p["sort"] if p.get("sort") in queries.SORTS else "flags",
        desc=p.get("dir", "desc") != "asc",
        page=max(_int(p.get("page")) or 1, 1),
    )


def _cell_url(report_id: str, key: layout.Key) -> str:
    return f"/report/{quote(report_id)}/cell/" + "/".join(quote(part, safe="") for part in key)


def create_app(db_path: Path) -> FastAPI:
    """The desk over the warehouse at ``db_path`` (read-only; the review store lives beside it)."""
    desk = Desk(db_path)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        desk.warehouse.close()

    app = FastAPI(
        title="gongkai review desk", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.desk = desk
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def session_and_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        session = request.cookies.get(COOKIE) or Guard.new_session()
        request.state.session = session
        try:
            response = await call_next(request)
        except Refusal as e:  # no warehouse yet, or a file the evidence cannot be read from
            response = desk.refuse(request, str(e), 503)
        response.headers.update(HEADERS)
        if request.cookies.get(COOKIE) != session:
            response.set_cookie(COOKIE, session, httponly=True, samesite="strict")
        return response

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        with desk.session() as db:
            return desk.page(
                request,
                "overview.html",
                runs=queries.runs(db),
                statuses=queries.status_counts(db),
                flags=queries.flag_totals(db),
                failing=queries.failing_sources(db),
                to_review=queries.to_review(db),
            )

    @app.get("/reports", response_class=HTMLResponse)
    def report_list(request: Request) -> HTMLResponse:
        p = dict(request.query_params)
        f = _report_filter(p)
        with desk.session() as db:
            rows, total = queries.reports(db, f)
            choices = queries.choices(db)
        pages = max((total + queries.PAGE_SIZE - 1) // queries.PAGE_SIZE, 1)

        def sort_url(column: str) -> str:
            flip = "asc" if f.sort == column and f.desc else "desc"
            return _query_url("/reports", p, sort=column, dir=flip, page=None)

        return desk.page(
            request,
            "reports.html",
            rows=rows,
            total=total,
            f=f,
            pages=pages,
            choices=choices,
            sort_url=sort_url,
            page_url=lambda n: _query_url("/reports", p, page=n),
        )

    @app.get("/report/{report_id}", response_class=HTMLResponse)
    def report(request: Request, report_id: str) -> HTMLResponse:
        with desk.session() as db:
            found = queries.report(db, report_id)
            if found is None:
                return desk.refuse(request, f"没有编号为 {report_id} 的报告")
            flags = queries.report_flags(db, report_id)
            stored = queries.cells(db, report_id)
            labels = queries.grid_labels(db, found["format"]) if stored else []
            return desk.page(
                request,
                "report.html",
                r=found,
                grids=layout.grids(labels, stored, flags),
                flags=flags,
                figures=queries.narrative_figures(db, report_id),
                prev=queries.previous_report(db, report_id),
                next=queries.next_report(db, report_id),
                report_review=queries.review_of(db, report_id),
                cell_url=_cell_url,
            )

    @app.get("/report/{report_id}/changes", response_class=HTMLResponse)
    def changes(request: Request, report_id: str) -> HTMLResponse:
        with desk.session() as db:
            found = queries.report(db, report_id)
            prev = queries.previous_report(db, report_id) if found else None
            if found is None or prev is None:
                return desk.refuse(request, "这份报告没有同一机关上一年度的报告可比")
            cross = [f for f in queries.report_flags(db, report_id) if f["rule"] in ("R5", "R7")]
            return desk.page(
                request,
                "changes.html",
                r=found,
                prev=queries.report(db, prev["report_id"]),
                cross=cross,
                diffs=queries.year_on_year(db, report_id, prev["report_id"]),
            )

    @app.get("/report/{report_id}/cell/{table}/{row}/{column}", response_class=HTMLResponse)
    def cell_evidence(request: Request, report_id: str, table: str, row: str, column: str) -> HTMLResponse:
        key = (table, row, column)
        with desk.session() as db:
            found = queries.report(db, report_id)
            if found is None:
                return desk.refuse(request, f"没有编号为 {report_id} 的报告")
            ev = evidence.cell_evidence(db.con, report_id, table, row, column)
            flags = layout.flagged_cells(queries.report_flags(db, report_id)).get(key, [])
            part = request.query_params.get("part") == "1"
            snippet = evidence.html_snippet(ev, desk.data_dir) if ev and ev.file_type == "html" else None
            return desk.page(
                request,
                "evidence_part.html" if part else "evidence.html",
                r=found,
                key=key,
                ev=ev,
                label=queries.cell_label(db, found["format"], *key),
                flags=flags,
                review=queries.review_of(db, report_id, *key),
                image_url=_cell_url(report_id, key) + "/region.png" if ev and ev.page is not None else None,
                snippet=Markup(snippet) if snippet else None,
                part=part,
            )

    @app.get("/report/{report_id}/cell/{table}/{row}/{column}/region.png")
    def cell_image(request: Request, report_id: str, table: str, row: str, column: str) -> Response:
        with desk.session() as db:
            ev = evidence.cell_evidence(db.con, report_id, table, row, column)
        image = evidence.page_image(ev, desk.data_dir) if ev else None
        if image is None:
            return Response("no page image for this cell", status_code=404, media_type="text/plain")
        return FileResponse(image, media_type="image/png")

    @app.post("/report/{report_id}/review")
    async def review(request: Request, report_id: str) -> Response:
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True))
        refused = desk.guard.refusal(request, form)
        if refused:
            return desk.refuse(request, f"没有保存：{refused}", 403)
        key = {k: form.get(k) or None for k in ("rule", "table_code", "row_code", "column_code")}
        with desk.session() as db:
            try:
                reviews.add(
                    desk.store,
                    db.con,
                    report_id,
                    form.get("verdict", ""),
                    form.get("reviewer", ""),
                    form.get("note", ""),
                    form.get("corrected_value") or None,
                    **key,
                )
            except reviews.BadReview as e:
                return desk.refuse(request, f"没有保存：{e}", 400)
        response = RedirectResponse(f"/report/{quote(report_id)}#saved", status_code=303)
        response.set_cookie(REVIEWER_COOKIE, quote(form.get("reviewer", "").strip()), samesite="strict")
        return response

    @app.get("/compare", response_class=HTMLResponse)
    def compare(request: Request) -> HTMLResponse:
        p = dict(request.query_params)
        with desk.session() as db:
            choices = queries.choices(db)
            year = _int(p.get("year")) or (choices["years"][0][0] if choices["years"] else None)
            district = p.get("district") or queries.first_district(db, year)
            table = queries.compare(db, year, district) if year is not None else queries.Compared([], [])
            agency = p.get("agency") or (table.agencies[0]["agency"] if table.agencies else None)
            history = queries.agency_history(db, agency, district) if agency else []
            summary = queries.district_history(db, district)
        return desk.page(
            request,
            "compare.html",
            year=year,
            district=district,
            agency=agency,
            table=table,
            choices=choices,
            agency_chart=Markup(_history_chart(f"{agency or ''} 历年依申请公开", history)),
            district_chart=Markup(_history_chart(f"{district or '（区县不明）'} 历年汇总", summary)),
        )

    @app.get("/exports", response_class=HTMLResponse)
    def exports(request: Request) -> HTMLResponse:
        with desk.session() as db:
            return desk.page(request, "exports.html", choices=queries.choices(db))

    @app.get("/exports/districts.csv")
    def districts_csv(request: Request) -> Response:
        year = _int(request.query_params.get("year"))
        body = _district_csv(desk.db_path, Stamp.of(desk.db_path), year)
        return _download(body, f"district_summary{f'-{year}' if year else ''}.csv", "text/csv; charset=utf-8")

    @app.get("/exports/workbook.xlsx")
    def workbook_xlsx(request: Request) -> Response:
        year = _int(request.query_params.get("year"))
        district = request.query_params.get("district") or None
        desk_url = f"{request.url.scheme}://{request.headers.get('host', '127.0.0.1')}"
        with tempfile.TemporaryDirectory(prefix="gongkai-desk-") as tmp:
            out = workbook.write_workbook(
                desk.db_path, Path(tmp) / "workbook.xlsx", year=year, district=district, desk_url=desk_url
            )
            body = out.read_bytes()
        name = "主管部门对标与风险清单" + "".join(f"-{part}" for part in (district, year) if part) + ".xlsx"
        return _download(body, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    return app


@functools.lru_cache(maxsize=16)
def _district_csv(db_path: Path, stamp: Stamp, year: int | None) -> bytes:
    """The district CSV exactly as `gongkai export districts` writes it, once per warehouse file."""
    with tempfile.TemporaryDirectory(prefix="gongkai-desk-") as tmp:
        out = Path(tmp) / "district_summary.csv"
        export.export(db_path, "districts", csv_path=out, year=year)
        return out.read_bytes()


def _download(body: bytes, name: str, media_type: str) -> Response:
    ascii_name = name.encode("ascii", "replace").decode().replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(body, media_type=media_type, headers={"Content-Disposition": disposition})


def _history_chart(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    years = [str(r["year"]) for r in rows]
    series = [
        charts.Series("本年新收", [r["received"] for r in rows]),
        charts.Series("办结（总计）", [r["handled"] for r in rows]),
        charts.Series("予以公开", [r["granted"] for r in rows]),
    ]
    return charts.bars(title, years, series)
