"""PDF extraction throughput: gongkai's extractor against pdfplumber ``extract_tables`` on every page.

Generates ``--reports`` multi-page report PDFs from known cells (a mix of every layout of
tests/fixtures, both formats, consistent and inconsistent values) once into a temporary directory,
then runs, each in a fresh single-process worker (one core):

- ours: ``extract_bytes`` on every file; every cell is compared with the known cells;
- baseline: ``pdfplumber.open`` and ``page.extract_tables()`` on every page of every file.

Prints reports per second per core (CPU time of the single worker process; wall time beside it),
the ratio, peak RSS per worker and how many reports were
read by position (pypdfium2, and pdfplumber where that was not enough).

    python bench/pdf_throughput.py --reports 200
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def generate(
    out: Path, n: int, seed: int, inconsistent_share: float, layouts: list[str], big: int
) -> list[dict]:
    """Render ``n`` reports into ``out``; returns their manifest (file, layout, format, cells)."""
    from tests.fixtures.cells import random_cells
    from tests.fixtures.document import build_document
    from tests.fixtures.render import (
        REPORTLAB_LAYOUTS,
        document_docx,
        docx_to_pdf,
        render_pdf,
        soffice_available,
    )

    if "libreoffice_docx" in layouts and not soffice_available():
        print("soffice not found: the libreoffice_docx layout is left out", file=sys.stderr)
        layouts = [name for name in layouts if name != "libreoffice_docx"]
    rng = random.Random(seed)
    agencies = (
        "金林区人民政府办公室",
        "石龙区人民政府",
        "友好区财政局",
        "西工区金水湖街道办事处",
        "洪泽区人民政府",
    )
    manifest: list[dict] = []
    docx: list[tuple[int, bytes]] = []
    for i in range(n):
        layout = layouts[i % len(layouts)]
        fmt = "2019" if rng.random() < 0.3 else "2021"
        consistent = rng.random() >= inconsistent_share
        one_row = fmt == "2021" and rng.random() < 0.2
        cells = random_cells(rng, fmt, consistent, other_as_one_row=one_row, big=big)
        agency = rng.choice(agencies)
        year = rng.randint(2019, 2020) if fmt == "2019" else rng.randint(2021, 2025)
        paragraphs = rng.randint(6, 12)
        path = out / f"r{i:04d}_{layout}.pdf"
        if layout == "libreoffice_docx":
            document = build_document(cells, fmt, agency, year, narrative_paragraphs=paragraphs, seed=i)
            docx.append((i, document_docx(document)))
        else:
            assert layout in REPORTLAB_LAYOUTS
            path.write_bytes(
                render_pdf(cells, fmt, layout, agency, year, narrative_paragraphs=paragraphs, seed=i)
            )
        manifest.append(
            {
                "file": path.name,
                "layout": layout,
                "format": fmt,
                "consistent": consistent,
                "cells": [[*k, v] for k, v in cells.items()],
            }
        )
    if docx:
        for (i, _), pdf in zip(docx, docx_to_pdf([d for _, d in docx]), strict=True):
            (out / manifest[i]["file"]).write_bytes(pdf)
    return manifest


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_ours(folder: str, manifest: list[dict]) -> dict:
    import pdfplumber  # noqa: F401  (imported before the clock starts, as in the baseline)

    import gongkai.extract.pdf as pdf_module
    from gongkai.extract import layout  # noqa: F401
    from gongkai.extract.report import extract_bytes
    from gongkai.transform.cells import tidy_frame

    readers: Counter[str] = Counter()
    original = pdf_module._positions

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        readers[args[-1]] += 1
        return original(*args, **kwargs)

    pdf_module._positions = counting
    times: dict[str, float] = defaultdict(float)
    exact = 0
    mismatches: list[str] = []
    by_layout: dict[str, Counter[str]] = defaultdict(Counter)
    total = cpu_total = 0.0
    for item in manifest:
        data = (Path(folder) / item["file"]).read_bytes()
        before = readers.copy()
        start, cpu = time.perf_counter(), time.process_time()
        extraction = extract_bytes(data, source=item["file"])
        total += time.perf_counter() - start
        elapsed = time.process_time() - cpu
        cpu_total += elapsed
        times[item["layout"]] += elapsed
        by_layout[item["layout"]].update(readers - before)
        # correctness (not timed)
        want = {(t, r, c): v for t, r, c, v in item["cells"]}
        got = {}
        if extraction.status in {"ok", "partial"}:
            frame = tidy_frame(extraction)
            got = {(r["table"], r["row"], r["column"]): r["value"] for r in frame.iter_rows(named=True)}
        if got == want:
            exact += 1
        else:
            wrong = [k for k in want if got.get(k) != want[k]]
            mismatches.append(f"{item['file']}: {extraction.status} {len(wrong)} cells differ")
    return {
        "seconds": total,
        "cpu_seconds": cpu_total,
        "by_layout": dict(times),
        "exact": exact,
        "mismatches": mismatches,
        "readers": dict(readers),
        "readers_by_layout": {k: dict(v) for k, v in by_layout.items()},
        "peak_rss_mb": peak_rss_mb(),
    }


def run_baseline(folder: str, manifest: list[dict]) -> dict:
    import io

    import pdfplumber

    times: dict[str, float] = defaultdict(float)
    total = cpu_total = 0.0
    pages = 0
    tables = 0
    for item in manifest:
        data = (Path(folder) / item["file"]).read_bytes()
        start, cpu = time.perf_counter(), time.process_time()
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for page in pdf.pages:
                tables += len(page.extract_tables())
                page.close()
                pages += 1
        total += time.perf_counter() - start
        elapsed = time.process_time() - cpu
        cpu_total += elapsed
        times[item["layout"]] += elapsed
    return {
        "seconds": total,
        "cpu_seconds": cpu_total,
        "by_layout": dict(times),
        "pages": pages,
        "tables": tables,
        "peak_rss_mb": peak_rss_mb(),
    }


def merge_parts(parts: list[dict]) -> dict:
    """Add up the figures of the chunks one worker measured (peak memory: the largest)."""
    out: dict = {}
    for part in parts:
        for key, value in part.items():
            if key == "peak_rss_mb":
                out[key] = max(out.get(key, 0.0), value)
            elif isinstance(value, int | float):
                out[key] = out.get(key, 0) + value
            elif isinstance(value, list):
                out.setdefault(key, []).extend(value)
            elif isinstance(value, dict):
                merged = out.setdefault(key, {})
                for k, v in value.items():
                    if isinstance(v, dict):
                        inner = merged.setdefault(k, {})
                        for k2, v2 in v.items():
                            inner[k2] = inner.get(k2, 0) + v2
                    else:
                        merged[k] = merged.get(k, 0) + v
    return out


def measure(folder: str, manifest: list[dict], chunks: int = 8) -> tuple[dict, dict]:
    """Ours and the baseline, each in its own fresh process (so that its peak RSS is its own),
    taking turns chunk by chunk so that a change in the machine's load hits both alike."""
    ctx = mp.get_context("spawn")
    size = max(1, -(-len(manifest) // chunks))
    parts: dict[str, list[dict]] = {"ours": [], "baseline": []}
    with ctx.Pool(1) as ours, ctx.Pool(1) as baseline:
        for lo in range(0, len(manifest), size):
            chunk = manifest[lo : lo + size]
            parts["ours"].append(ours.apply(run_ours, (folder, chunk)))
            parts["baseline"].append(baseline.apply(run_baseline, (folder, chunk)))
    return merge_parts(parts["ours"]), merge_parts(parts["baseline"])


def main(argv: list[str] | None = None) -> int:
    from tests.fixtures.render import LAYOUTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--inconsistent-share", type=float, default=0.2)
    parser.add_argument("--layouts", default=",".join(LAYOUTS))
    parser.add_argument("--big", type=int, default=3000, help="largest occasional count in a cell")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gongkai-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        manifest = generate(
            folder, args.reports, args.seed, args.inconsistent_share, args.layouts.split(","), args.big
        )
        generated = time.perf_counter() - start
        size = sum((folder / m["file"]).stat().st_size for m in manifest)
        ours, base = measure(str(folder), manifest)

    n = len(manifest)
    pages = base["pages"]
    ours_rate = n / ours["cpu_seconds"]
    base_rate = n / base["cpu_seconds"]
    layouts = Counter(m["layout"] for m in manifest)
    print(
        f"{n} reports, {pages} pages ({pages / n:.1f} per report), {size / 1e6:.1f} MB, "
        f"generated in {generated:.0f} s"
    )
    print(
        f"formats: {Counter(m['format'] for m in manifest)}; "
        f"inconsistent: {sum(not m['consistent'] for m in manifest)}"
    )
    print()
    print(f"{'':28s}{'reports/s/core':>16s}{'CPU ms/report':>15s}{'wall ms/report':>16s}{'peak RSS MB':>13s}")
    for name, rate, result in (
        ("gongkai extract_bytes", ours_rate, ours),
        ("pdfplumber extract_tables", base_rate, base),
    ):
        wall = 1000 * result["seconds"] / n
        print(f"{name:28s}{rate:16.1f}{1000 / rate:15.1f}{wall:16.1f}{result['peak_rss_mb']:13.0f}")
    print(f"speed-up: {ours_rate / base_rate:.1f}x")
    readers = ours["readers"]
    print(
        f"exact cells: {ours['exact']}/{n}; read by position: {readers.get('pdfium', 0)} with pypdfium2, "
        f"{readers.get('pdfplumber', 0)} also with pdfplumber"
    )
    print()
    head = f"{'layout (CPU ms/report)':22s}{'reports':>8s}{'ours':>10s}{'baseline':>13s}{'ratio':>8s}"
    print(head + f"{'pdfium pos.':>13s}{'pdfplumber':>12s}")
    for layout in layouts:
        k = layouts[layout]
        o = 1000 * ours["by_layout"][layout] / k
        b = 1000 * base["by_layout"][layout] / k
        used = ours["readers_by_layout"].get(layout, {})
        print(
            f"{layout:22s}{k:8d}{o:10.1f}{b:13.1f}{b / o:8.1f}"
            f"{used.get('pdfium', 0):13d}{used.get('pdfplumber', 0):12d}"
        )
    for line in ours["mismatches"][:20]:
        print("MISMATCH", line)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "reports": n,
                    "pages": pages,
                    "ours": {k: v for k, v in ours.items() if k != "mismatches"},
                    "baseline": base,
                    "speedup": ours_rate / base_rate,
                },
                indent=2,
            )
        )
    return 0 if ours["exact"] == n else 1


if __name__ == "__main__":
    raise SystemExit(main())
