"""The ``gongkai`` command: parse one report, run the nightly flow, query and export the warehouse."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from gongkai.errors import Refusal

if TYPE_CHECKING:
    from gongkai.fetch.http import FetchSettings

DEFAULT_DATA_DIR = Path(os.environ.get("GONGKAI_DATA_DIR", "data"))


def _quiet_prefect() -> None:
    """No telemetry (there is no network) and no server chatter before Prefect is imported."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # the temporary server's first start on a machine migrates its database: more than the 20 s
    # Prefect waits by default when the machine is busy
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _db(args: argparse.Namespace) -> Path:
    return Path(args.db) if args.db else Path(args.data_dir) / "warehouse.duckdb"


def cmd_parse(args: argparse.Namespace) -> int:
    from gongkai.extract.guard import Guard
    from gongkai.limits import Limits
    from gongkai.transform.cells import format_value, tidy_frame

    with Guard(Limits.from_env(args.time_limit, args.memory_limit, ocr=not args.no_ocr)) as guard:
        extraction = guard.extract_path(args.file, year_hint=args.year)
    frame = tidy_frame(extraction) if extraction.cells else None
    rows = list(frame.iter_rows(named=True)) if frame is not None else []
    if args.json:
        doc = {
            "agency": extraction.agency,
            "district": extraction.district,
            "year": extraction.year,
            "format": extraction.format,
            "status": extraction.status,
            "cells": [
                {
                    "table": r["table"],
                    "row": r["row"],
                    "column": r["column"],
                    "value": _json_number(r["value"]),
                    "raw": r["raw"],
                    "page": r["page"],
                    "line": r["line"],
                }
                for r in rows
            ],
            "problems": extraction.problems if extraction.cells else [extraction.error or "no cells"],
        }
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["table", "row", "column", "value"])
        for r in rows:
            writer.writerow([r["table"], r["row"], r["column"], format_value(r["value"])])
    if not extraction.cells:
        print(f"gongkai parse: {args.file}: {extraction.status}: {extraction.error}", file=sys.stderr)
        return 1
    return 0


def _json_number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect()
    if not args.verbose:  # Prefect's task lines give way to the stages' progress; its warnings stay
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from gongkai.fetch.catalog import read_catalog
    from gongkai.flows import progress, server, stopping
    from gongkai.flows.nightly import with_workers

    read_catalog(args.catalog)  # a catalog the run cannot start from stops it here, before any fetch
    settings = _fetch_settings(args.retry_delays)  # so does a bad option, before the server starts

    stopping.stop_on_signals()
    progress.show(sys.stdout, terminal=sys.stdout.isatty(), verbose=args.verbose)
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with server.temporary_server(data_dir):
        flow = with_workers(args.workers, dask_address=args.dask_address, use_dask=args.dask)
        summary = flow(
            catalog_path=Path(args.catalog),
            data_dir=data_dir,
            batch_size=args.batch_size,
            ocr=not args.no_ocr,
            settings=settings,
        )
    print(summary.text())
    return 0


def _fetch_settings(retry_delays: str | None) -> FetchSettings | None:
    """The fetch limits of ``gongkai run``: the defaults, or as many retries as delays given."""
    from gongkai.fetch.http import FetchSettings

    if retry_delays is None:
        return None
    delays = tuple(float(d) for d in retry_delays.split(",") if d.strip())
    if any(not 0 <= d <= 3600 for d in delays):
        raise ValueError(f"--retry-delays: each delay is 0-3600 seconds, not {retry_delays!r}")
    return FetchSettings(retries=len(delays), retry_delay_seconds=delays)


FLAG_COLUMNS = ("agency", "year", "rule", "severity", "cells", "expected", "printed", "description_zh")


def cmd_serve(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from gongkai.flows import schedule

    try:
        url = schedule.api_url()
    except schedule.NoPrefectServer as e:
        print(f"gongkai serve: {e}", file=sys.stderr)
        return 2
    dep = schedule.deployment(Path(args.catalog), Path(args.data_dir), cron=args.cron, timezone=args.timezone)
    print(
        f"serving gongkai-nightly/{dep.name} on {url}: cron {args.cron!r} ({args.timezone}),"
        " one run at a time"
    )
    schedule.serve(dep)
    return 0


def _print_frame(frame, as_csv: bool) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    from gongkai.load.export import excel_csv, plain_numbers

    if as_csv:
        sys.stdout.flush()
        sys.stdout.buffer.write(excel_csv(frame))
        return
    frame = plain_numbers(frame)
    with pl.Config(
        tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=250, tbl_hide_dataframe_shape=True
    ):
        print(frame)
    print(f"({frame.height} rows)")


def cmd_sql(args: argparse.Namespace) -> int:
    from gongkai.load import export

    _print_frame(export.query(_db(args), args.query, timeout=args.timeout), args.csv)
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    from gongkai.load import export

    frame = export.flags(_db(args), args.year)
    _print_frame(frame if args.csv else frame.select(FLAG_COLUMNS), args.csv)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from gongkai.load import export, workbook

    if args.what == "workbook":
        if not args.output or args.parquet:
            raise ValueError("say where: -o FILE.xlsx (a workbook has no Parquet form)")
        out = workbook.write_workbook(_db(args), Path(args.output), args.year, args.district, args.desk_url)
        print(f"wrote {out}")
        return 0
    if args.district:
        raise ValueError("--district is for the workbook; filter the CSV in Excel")
    if not args.output and not args.parquet:
        raise ValueError("say where: -o FILE.csv and/or --parquet FOLDER")
    csv_path = Path(args.output) if args.output else None
    parquet_dir = Path(args.parquet) if args.parquet else None
    for out in export.export(_db(args), args.what, csv_path, parquet_dir, year=args.year):
        print(f"wrote {out}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    import polars as pl

    from gongkai.load import reviews

    db = _db(args)
    if args.action == "add":
        if not args.report_id:
            raise ValueError("say which report: gongkai review add REPORT_ID --verdict … --reviewer …")
        con = reviews.read_connection(db)
        try:
            target = {
                "rule": args.rule,
                "table_code": args.table,
                "row_code": args.row,
                "column_code": args.column,
            }
            done = reviews.add(
                reviews.store_for(db), con, args.report_id, args.verdict, args.reviewer, args.note or "",
                args.corrected, **target,
            )  # fmt: skip
        finally:
            con.close()
        print(
            f"review {done.review_id}: {reviews.VERDICTS[done.verdict]} on {done.target} of {done.report_id}"
        )
        return 0
    frame = reviews.frame(reviews.store_for(db))
    if args.report_id:
        frame = frame.filter(pl.col("report_id") == args.report_id)
    _print_frame(frame.select(reviews.LISTED), args.csv)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from gongkai.load import export

    _print_frame(export.compare(_db(args), args.year, args.district, args.kind), args.csv)
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    from gongkai.desk.app import create_app
    from gongkai.load.files import NoWarehouse

    db = _db(args)
    if not db.exists():
        raise NoWarehouse(f"no warehouse at {db}: run `gongkai run` first, or give --db/--data-dir")
    print(f"the review desk on http://{args.host}:{args.port}/ over {db} (Ctrl-C to stop)")
    uvicorn.run(create_app(db), host=args.host, port=args.port, log_level="warning")
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    from gongkai.load import dictionary, files, views

    if args.db or args.from_warehouse:
        con = files.connect(_db(args), read_only=True)
        try:
            text = dictionary.markdown(con)
        finally:
            con.close()
    else:
        text = views.fresh_dictionary()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gongkai", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("parse", help="read one report file and print its cells")
    p.add_argument("file", type=Path)
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--csv", action="store_true", help="table,row,column,value (the default)")
    fmt.add_argument("--json", action="store_true", help="agency, district, year, format, cells, problems")
    p.add_argument("--year", type=int, help="data year to assume when the report does not say it")
    p.add_argument(
        "--time-limit", type=float, help="seconds to read the report (default 180; GONGKAI_TIME_LIMIT)"
    )
    p.add_argument(
        "--memory-limit", type=float, help="megabytes to read it in (default 2048; GONGKAI_MEMORY_LIMIT)"
    )
    p.add_argument(
        "--no-ocr",
        action="store_true",
        help="do not recognise scanned pages: such a report is needs_ocr (also GONGKAI_OCR=0)",
    )
    p.set_defaults(func=cmd_parse)

    def with_db(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--data-dir", default=DEFAULT_DATA_DIR, help="folder of warehouse.duckdb (default: data)"
        )
        p.add_argument("--db", help="the warehouse file itself")

    p = sub.add_parser("run", help="run the nightly flow once")
    p.add_argument("--catalog", default=DEFAULT_DATA_DIR / "catalog.csv")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    p.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")
    p.add_argument(
        "--batch-size",
        type=int,
        help="reports per extraction task (default: about 4 tasks per worker, 10-500)",
    )
    p.add_argument("--dask", action="store_true", help="run the tasks on a local Dask cluster of --workers")
    p.add_argument(
        "--dask-address", help="a running Dask scheduler (tcp://host:8786); also GONGKAI_DASK_ADDRESS"
    )
    p.add_argument(
        "--verbose", action="store_true", help="Prefect's log of every task instead of the stages' progress"
    )
    p.add_argument(
        "--no-ocr",
        action="store_true",
        help="do not recognise scanned pages: such a report is needs_ocr (also GONGKAI_OCR=0)",
    )
    p.add_argument(
        "--retry-delays",
        help="seconds before each retry of a failed fetch, comma-separated (default 2,10,30)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("serve", help="serve the scheduled nightly deployment (needs a Prefect server)")
    p.add_argument("--catalog", default=DEFAULT_DATA_DIR / "catalog.csv")
    p.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    p.add_argument("--cron", default="0 2 * * *", help="when to run (default: 0 2 * * *, 02:00)")
    p.add_argument("--timezone", default="Asia/Shanghai")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "sql", help="run a SQL query on the warehouse: read-only, no access to files or extensions"
    )
    p.add_argument("query")
    p.add_argument("--csv", action="store_true", help="CSV for Excel (UTF-8 with BOM) on standard output")
    p.add_argument("--timeout", type=float, default=300.0, help="stop the query after this many seconds")
    with_db(p)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("flags", help="list the consistency flags")
    p.add_argument("--year", type=int)
    p.add_argument("--csv", action="store_true", help="CSV for Excel (UTF-8 with BOM) on standard output")
    with_db(p)
    p.set_defaults(func=cmd_flags)

    p = sub.add_parser(
        "export",
        help="write district_summary or the tidy cells as CSV (UTF-8 with BOM, for Excel) or Parquet",
    )
    p.add_argument("what", choices=["districts", "cells", "workbook"])
    p.add_argument("--year", type=int)
    p.add_argument("--district", help="workbook: only this district")
    p.add_argument(
        "--desk-url", default="http://127.0.0.1:8000", help="workbook: the desk's address, for links"
    )
    p.add_argument("-o", "--output", help="the CSV file")
    p.add_argument("--parquet", help="a folder of Parquet files, one folder per data year (year=2024/)")
    with_db(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "review", help="record a verdict on a report, a flag or a cell (add), or list the reviews (list)"
    )
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("report_id", nargs="?", help="the report (reports.report_id); list: only its reviews")
    p.add_argument(
        "--verdict", help="add: confirmed (确认有误、需整改), false_positive (误报) or fixed (已整改)"
    )
    p.add_argument("--reviewer", help="add: who records it")
    p.add_argument("--note", help="add: the note")
    p.add_argument("--corrected", help="add: the value the agency sent as a correction")
    p.add_argument("--rule", help="add: the flag's rule (with --table/--row/--column as the flag has them)")
    p.add_argument("--table", help="add: the flag's or cell's table")
    p.add_argument("--row", help="add: the flag's or cell's row")
    p.add_argument("--column", help="add: the flag's or cell's column")
    p.add_argument(
        "--csv", action="store_true", help="list: CSV for Excel (UTF-8 with BOM) on standard output"
    )
    with_db(p)
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("compare", help="agencies side by side for one year (agency_compare, one column each)")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--district", help="only the agencies of this district")
    p.add_argument("--kind", help="only this peer group (部门, 街道, …)")
    p.add_argument("--csv", action="store_true", help="CSV for Excel (UTF-8 with BOM) on standard output")
    with_db(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "web", help="the review desk: a web app over the warehouse (read-only) and its reviews"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=8000)
    with_db(p)
    p.set_defaults(func=cmd_web)

    p = sub.add_parser("dictionary", help="the data dictionary as markdown (docs/data_dictionary.md)")
    p.add_argument("-o", "--output", help="write it here (default: standard output)")
    p.add_argument(
        "--from-warehouse", action="store_true", help="read the comments of the warehouse (--db/--data-dir)"
    )
    with_db(p)
    p.set_defaults(func=cmd_dictionary)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:
        return 0
    except Exception as e:  # a clear message, not a traceback, for the analyst at the terminal
        if os.environ.get("GONGKAI_DEBUG"):
            raise
        said = str(e) if isinstance(e, Refusal) else f"{type(e).__name__}: {e}"
        print(f"gongkai {args.command}: {said}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
