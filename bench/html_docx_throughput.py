"""HTML and DOCX extraction throughput, against the naive reading of the same files.

Generates ``--reports`` reports from known cells (both formats, consistent and inconsistent values,
blank cells), renders each as an HTML page (cycling through every template of tests/fixtures_office
in UTF-8 and GBK) and as a DOCX (cycling through its variants), then runs, each in a fresh
single-process worker (one core):

- html: ``extract_bytes`` on every page (decode, body, grid tables, the table parser);
- html baseline: the page decoded the same way, every text node of the whole page on a line of its
  own (what a scraper saves; nothing glued, no body found, no grid), through the same text parser;
- docx: ``extract_bytes`` on every DOCX;
- docx baseline: python-docx's paragraphs and tables in body order, each table row as its
  ``row.cells`` texts joined by tabs (merged cells repeat their text), through the same text parser.

Every extraction is compared cell by cell with the known cells. Prints reports per second per core
(CPU time of the worker; wall time beside it), the share of reports read exactly, and peak RSS.

    python bench/html_docx_throughput.py --reports 200
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def generate(kind: str, n: int, seed: int) -> list[tuple[bytes, str | None, dict, str]]:
    """``n`` rendered reports of ``kind`` (html or docx): bytes, content type, known cells, variant."""
    from tests.fixtures_office import AGENCY, SHAPES, YEAR, make_cells
    from tests.fixtures_office.render_docx import VARIANTS, render_docx
    from tests.fixtures_office.render_html import TEMPLATES, render_html
    from tests.fixtures_office.report import build_report

    rng = random.Random(seed)
    out = []
    combos = [(t, e) for t in TEMPLATES for e in ("utf-8", "gbk")]
    for i in range(n):
        fmt, one_row = SHAPES[i % len(SHAPES)]
        cells = make_cells(fmt, one_row, rng.random() < 0.8, rng.randrange(2**31))
        report = build_report(cells, fmt, AGENCY, YEAR, seed=i, blank_share=rng.choice([0.0, 0.3]))
        if kind == "html":
            template, encoding = combos[i % len(combos)]
            data, content_type = render_html(report, template, encoding)
            variant = f"{template} {encoding}"
        else:
            variant = VARIANTS[(i // len(SHAPES)) % len(VARIANTS)]
            data, content_type = render_docx(report, variant), None
        shape = f"{fmt}{' one-row' if one_row and fmt == '2021' else ''}"
        out.append((data, content_type, {k: float(v) for k, v in cells.items()}, f"{variant}|{shape}"))
    return out


def _html_baseline(data: bytes, content_type: str | None):  # type: ignore[no-untyped-def]
    import hashlib

    import lxml.html

    from gongkai.extract.html import decode_html
    from gongkai.extract.report import extract_lines
    from gongkai.extract.text import lines_of

    text, _, _ = decode_html(data, content_type)
    page = lxml.html.document_fromstring(text.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    # every text node on a line of its own, as a scraper saves a page: nothing glued, nothing laid out
    lines = lines_of("\n".join(t.strip() for t in page.itertext()))
    return extract_lines(lines, "bench", hashlib.sha256(data).hexdigest(), "html")


def _docx_baseline(data: bytes, content_type: str | None):  # type: ignore[no-untyped-def]
    import hashlib
    import io

    import docx
    from docx.table import Table

    from gongkai.extract.report import extract_lines
    from gongkai.extract.stream import Line

    document = docx.Document(io.BytesIO(data))
    texts: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            texts += ["\t".join(cell.text for cell in row.cells) for row in block.rows]
        else:
            texts.append(block.text)
    lines = [Line(t, None, i) for i, t in enumerate(texts, 1) if t.strip()]
    return extract_lines(lines, "bench", hashlib.sha256(data).hexdigest(), "docx")


def _ours(data: bytes, content_type: str | None):  # type: ignore[no-untyped-def]
    from gongkai.extract.report import extract_bytes

    return extract_bytes(data, "bench", content_type=content_type)


def run(job: tuple[str, str, int, int]) -> dict:
    """One measurement in this (fresh) process: generate, warm up, then time every extraction."""
    from gongkai.transform.cells import tidy_frame

    kind, reader, n, seed = job
    docs = generate(kind, n, seed)
    extract = {"ours": _ours, "html-baseline": _html_baseline, "docx-baseline": _docx_baseline}[reader]
    extract(*docs[0][:2])  # imports and caches outside the timing
    cpu, wall = time.process_time(), time.perf_counter()
    results, each = [], []
    for data, content_type, _, _ in docs:
        start = time.process_time()
        results.append(extract(data, content_type))
        each.append(time.process_time() - start)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    by_label: dict[str, list[float]] = {}
    for seconds, (_, _, _, label) in zip(each, docs, strict=True):
        for part in label.split("|"):
            by_label.setdefault(part, []).append(seconds)
    exact = cells_right = cells_total = 0
    for e, (_, _, want, _) in zip(results, docs, strict=True):
        got = {}
        if e.cells:
            frame = tidy_frame(e)
            got = {(r["table"], r["row"], r["column"]): r["value"] for r in frame.iter_rows(named=True)}
        right = sum(1 for k, v in want.items() if got.get(k) == v)
        cells_right += right
        cells_total += len(want)
        exact += right == len(want) and len(got) == len(want)
    return {
        "kind": kind,
        "reader": reader,
        "reports": n,
        "cpu_s": cpu,
        "wall_s": wall,
        "per_s_core": n / cpu if cpu else float("inf"),
        "exact": exact,
        "cells_right": cells_right / cells_total,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "ms_by_variant": {k: 1000 * sum(v) / len(v) for k, v in by_label.items()},
        "kb_by_variant": {label.split("|")[0]: len(data) / 1024 for data, _, _, label in docs},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=200, help="reports of each kind")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    jobs = [
        ("html", "ours", args.reports, args.seed),
        ("html", "html-baseline", args.reports, args.seed),
        ("docx", "ours", args.reports, args.seed),
        ("docx", "docx-baseline", args.reports, args.seed),
    ]
    context = mp.get_context("spawn")
    results = []
    for job in jobs:
        with context.Pool(1) as pool:
            results.append(pool.apply(run, (job,)))
    columns = ("reports", "cpu s", "wall s", "/s/core", "exact", "cells", "RSS MB")
    print(f"{'kind':<6}{'reader':<15}" + "".join(f"{c:>9}" for c in columns))
    for r in results:
        print(
            f"{r['kind']:<6}{r['reader']:<15}{r['reports']:>9}{r['cpu_s']:>9.2f}{r['wall_s']:>9.2f}"
            f"{r['per_s_core']:>9.0f}{r['exact']:>9}{r['cells_right']:>9.1%}{r['peak_rss_mb']:>9.0f}"
        )
    for r in results:
        if r["reader"] == "ours":
            print(f"{r['kind']}, ours, CPU ms per report by variant and by format:")
            for label, ms in r["ms_by_variant"].items():
                size = r["kb_by_variant"].get(label)
                page = f"  {size:.0f} KB" if size else ""
                print(f"  {label:<16}{ms:>7.2f} ms  {1000 / ms:>5.0f}/s{page}")
    by = {(r["kind"], r["reader"]): r for r in results}
    for kind, baseline in (("html", "html-baseline"), ("docx", "docx-baseline")):
        ours, base = by[(kind, "ours")], by[(kind, baseline)]
        print(
            f"{kind}: ours {ours['per_s_core']:.0f} reports/s per core, "
            f"{ours['exact']}/{ours['reports']} exact; baseline {base['per_s_core']:.0f}/s, "
            f"{base['exact']}/{base['reports']} exact "
            f"(speed ratio {ours['per_s_core'] / base['per_s_core']:.2f})"
        )


if __name__ == "__main__":
    main()
