"""Scanned-report throughput: gongkai's OCR reading against the naive one, with every cell checked.

Generates ``--reports`` report PDFs from known cells (ruled and split-over-pages layouts, both formats,
consistent and inconsistent values) and scans them with ``tests.scans`` (the ``PRESETS``: 120–300 dpi,
grey and colour, skew, noise, blur, JPEG, the red seal over table cells), once into a temporary
directory. Then runs, each in a fresh single-process worker (one core, one onnxruntime thread):

- ours: ``extract_bytes`` on every file (the table pages found first, then recognised as
  ``extract.scan`` prepares them);
- baseline: the same engine (RapidOCR, the same models) at its default settings on every page of the
  report, rendered at the scan's resolution, read through the same table reader
  (``layout.lines_from_objects`` with the page's ruling lines, then ``extract_lines``).

Prints scanned reports per minute per core (CPU time of the worker), the ratio, cells exact / NULL /
wrong for both, and the peak RSS of each worker.

    python bench/ocr_throughput.py --reports 8
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pdf_throughput import merge_parts, peak_rss_mb  # noqa: E402

LAYOUTS = ("reportlab_ruled", "split_pages")


def generate(out: Path, n: int, seed: int, inconsistent_share: float) -> list[dict]:
    """Render and scan ``n`` reports into ``out``; returns their manifest (file, preset, format, cells)."""
    from tests.fixtures.cells import random_cells
    from tests.fixtures.render import render_pdf
    from tests.scans.scanner import PRESETS, scan_pdf

    rng = random.Random(seed)
    presets = list(PRESETS)
    manifest = []
    for i in range(n):
        layout, preset = LAYOUTS[i % len(LAYOUTS)], presets[i % len(presets)]
        fmt = "2019" if rng.random() < 0.3 else "2021"
        consistent = rng.random() >= inconsistent_share
        one_row = fmt == "2021" and rng.random() < 0.2
        cells = random_cells(rng, fmt, consistent, other_as_one_row=one_row, big=3000)
        year = rng.randint(2019, 2020) if fmt == "2019" else rng.randint(2021, 2025)
        pdf = render_pdf(cells, fmt, layout, "金林区人民政府办公室", year, seed=i)
        scan = PRESETS[preset].but(seed=seed + i)
        name = f"r{i:03d}_{layout}_{preset}.pdf"
        (out / name).write_bytes(scan_pdf(pdf, scan))
        manifest.append(
            {
                "file": name,
                "preset": preset,
                "dpi": scan.dpi,
                "format": fmt,
                "consistent": consistent,
                "cells": [[*k, v] for k, v in cells.items()],
            }
        )
    return manifest


def _score(item: dict, extraction) -> Counter[str]:  # type: ignore[no-untyped-def]
    """Cells exact, NULL and wrong against the known cells."""
    from gongkai.transform.cells import tidy_frame

    got = {}
    if extraction.cells:
        frame = tidy_frame(extraction)
        got = {(r["table"], r["row"], r["column"]): r["value"] for r in frame.iter_rows(named=True)}
    out: Counter[str] = Counter()
    for t, r, c, v in item["cells"]:
        value = got.get((t, r, c))
        out["null" if value is None else "exact" if float(value) == float(v) else "wrong"] += 1
    return out


def run_ours(folder: str, manifest: list[dict]) -> dict:
    from gongkai.extract import ocr
    from gongkai.extract.report import extract_bytes

    ocr.engine()  # loaded before the clock starts, as in the baseline
    cells: Counter[str] = Counter()
    wall = cpu = 0.0
    wrong: list[str] = []
    for item in manifest:
        data = (Path(folder) / item["file"]).read_bytes()
        start, started = time.perf_counter(), time.process_time()
        extraction = extract_bytes(data, source=item["file"])
        wall += time.perf_counter() - start
        cpu += time.process_time() - started
        score = _score(item, extraction)
        cells += score
        if score["wrong"]:
            wrong.append(f"{item['file']}: {score['wrong']} wrong cells")
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "cells": dict(cells),
        "wrong": wrong,
        "peak_rss_mb": peak_rss_mb(),
    }


def _default_engine():  # type: ignore[no-untyped-def]
    """RapidOCR at its default settings, with the same models read from the wheel, on one thread."""
    from rapidocr import RapidOCR

    from gongkai.extract import ocr

    params = {key: str(ocr.models_dir() / name) for key, name in ocr._MODELS.items()}
    params |= {
        "Global.log_level": "error",
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    return RapidOCR(params=params)


def run_baseline(folder: str, manifest: list[dict]) -> dict:
    import numpy as np
    import pypdfium2 as pdfium

    from gongkai.extract import layout, ocr, scan
    from gongkai.extract.lines import extract_lines

    ocr._ENGINE = _default_engine()  # ocr.recognise runs this engine in this process
    cells: Counter[str] = Counter()
    wall = cpu = 0.0
    pages = 0
    for item in manifest:
        data = (Path(folder) / item["file"]).read_bytes()
        start, started = time.perf_counter(), time.process_time()
        document = pdfium.PdfDocument(data)
        lines = []
        scale = 72 / item["dpi"]
        for number, page in enumerate(document, start=1):
            grey = np.asarray(page.render(scale=1 / scale, grayscale=True).to_pil().convert("L"))
            boxes = ocr.recognise(grey)
            chars = scan.chars_of(boxes, scale)
            lines += layout.lines_from_objects(chars, scan.ruling_edges(grey, scale), number)
            pages += 1
        document.close()
        extraction = extract_lines(lines, item["file"], "", "pdf")
        wall += time.perf_counter() - start
        cpu += time.process_time() - started
        cells += _score(item, extraction)
    return {
        "seconds": wall,
        "cpu_seconds": cpu,
        "cells": dict(cells),
        "pages": pages,
        "peak_rss_mb": peak_rss_mb(),
    }


def measure(folder: str, manifest: list[dict]) -> tuple[dict, dict]:
    """Ours and the baseline, each in its own fresh process (its peak RSS its own), taking turns
    report by report so that a change in the machine's load hits both alike."""
    os.environ.setdefault("GONGKAI_OCR_THREADS", "1")
    ctx = mp.get_context("spawn")
    parts: dict[str, list[dict]] = {"ours": [], "baseline": []}
    with ctx.Pool(1) as ours, ctx.Pool(1) as baseline:
        for item in manifest:
            parts["ours"].append(ours.apply(run_ours, (folder, [item])))
            parts["baseline"].append(baseline.apply(run_baseline, (folder, [item])))
    return merge_parts(parts["ours"]), merge_parts(parts["baseline"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--inconsistent-share", type=float, default=0.25)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gongkai-bench-ocr-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        manifest = generate(folder, args.reports, args.seed, args.inconsistent_share)
        generated = time.perf_counter() - start
        size = sum((folder / m["file"]).stat().st_size for m in manifest)
        ours, base = measure(str(folder), manifest)

    n = len(manifest)
    pages = base["pages"]
    print(
        f"{n} scanned reports, {pages} pages ({pages / n:.1f} per report), {size / 1e6:.1f} MB, "
        f"generated in {generated:.0f} s; presets {dict(Counter(m['preset'] for m in manifest))}; "
        f"formats {dict(Counter(m['format'] for m in manifest))}; "
        f"inconsistent {sum(not m['consistent'] for m in manifest)}"
    )
    print()
    print(
        f"{'':34s}{'reports/min/core':>17s}{'CPU s/report':>13s}"
        f"{'exact':>8s}{'NULL':>7s}{'wrong':>7s}{'peak MB':>9s}"
    )
    rates = {}
    for name, result in (("gongkai (table pages, prepared)", ours), ("baseline (every page, default)", base)):
        rate = rates[name] = 60 * n / result["cpu_seconds"]
        c = result["cells"]
        print(
            f"{name:34s}{rate:17.2f}{result['cpu_seconds'] / n:13.1f}{c.get('exact', 0):8d}"
            f"{c.get('null', 0):7d}{c.get('wrong', 0):7d}{result['peak_rss_mb']:9.0f}"
        )
    ours_rate, base_rate = rates.values()
    print(f"speed-up: {ours_rate / base_rate:.1f}x")
    for line in ours["wrong"]:
        print("WRONG", line)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "reports": n,
                    "pages": pages,
                    "ours": ours,
                    "baseline": base,
                    "speedup": ours_rate / base_rate,
                },
                indent=2,
            )
        )
    return 0 if not ours["cells"].get("wrong") else 1


if __name__ == "__main__":
    raise SystemExit(main())
