"""Benchmark: full ingest of a mixed synthetic corpus with 1 and 2 worker processes.

The corpus (bench/corpus.py) has known cells, so every run is also checked for correctness. The
1-worker run is the baseline measured in the same invocation; the figure is the 2-worker speed-up.
Each run is the nightly flow in a fresh process of its own (under Prefect's test harness), so that
its peak memory is its own; the check against the known cells runs afterwards, untimed.

    python bench/scale.py --reports 2000 --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from bench.corpus import generate  # noqa: E402
from gongkai.load import export  # noqa: E402


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def check(corpus: Path, db: Path) -> tuple[int, int]:
    """(reports whose every cell equals the known value, reports)."""
    answers = pl.read_parquet(corpus / "answers.parquet")
    got = export.query(
        db,
        "SELECT r.source AS file, c.table_code AS table, c.row_code AS row, c.column_code AS column, "
        "CAST(c.value AS DOUBLE) AS value FROM cells c JOIN stg_reports r USING (report_id)",
    ).with_columns(pl.col("file").str.replace(r"^.*/(reports/)", "$1"))
    joined = answers.join(got, on=["file", "table", "row", "column"], how="left", suffix="_got")
    wrong = joined.filter(
        pl.col("value_got").is_null() | ((pl.col("value") - pl.col("value_got")).abs() > 1e-6)
    )
    n = answers["file"].n_unique()
    return n - wrong["file"].n_unique(), n


def peak_rss_mb() -> float:
    """This process's peak RSS since it started its program (VmHWM). ``ru_maxrss`` would also count
    the parent's pages between fork and exec: a large parent inflates it."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(workers: int, data: Path, batch_size: int | None) -> dict:
    """The nightly flow once, in this process: wall and CPU time, peak memory, the summary."""
    from prefect.testing.utilities import prefect_test_harness

    from gongkai.flows.nightly import with_workers

    with prefect_test_harness(server_startup_timeout=120):
        cpu0, t0 = cpu_seconds(), time.perf_counter()
        summary = with_workers(workers)(
            catalog_path=data / "catalog.csv", data_dir=data, batch_size=batch_size
        )
        wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    own = peak_rss_mb()
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "workers": workers,
        "wall": wall,
        "cpu": cpu,
        "peak_mb": own,
        "worker_peak_mb": worker if workers > 1 else None,
        "stage_seconds": summary.stage_seconds,
        "worker_cpu_seconds": summary.worker_cpu_seconds,
        "loaded": len(summary.loaded),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, help="default: the flow's own (batches.batch_size)")
    parser.add_argument("--corpus", type=Path, help="reuse a corpus folder (made if missing)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # a run's data folder (child process)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.workers[0], args.one, args.batch_size)))
        return

    corpus = args.corpus or Path(tempfile.gettempdir()) / f"gongkai-corpus-{args.reports}"
    if not (corpus / "answers.parquet").exists():
        t0 = time.perf_counter()
        generate(corpus, args.reports)
        print(f"generated {args.reports} reports in {time.perf_counter() - t0:.0f} s: {corpus}")
    results = []
    for workers in args.workers:
        data = Path(tempfile.mkdtemp(prefix=f"gongkai-scale-{workers}-"))
        shutil.copy(corpus / "catalog.csv", data / "catalog.csv")
        (data / "reports").symlink_to(corpus / "reports")
        command = [sys.executable, __file__, "--one", str(data), "--workers", str(workers)]
        if args.batch_size:
            command += ["--batch-size", str(args.batch_size)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result["exact"], result["n"] = check(corpus, data / "warehouse.duckdb")
        results.append(result)
        shutil.rmtree(data, ignore_errors=True)

    print(f"\n{args.reports} mixed reports, batches of {args.batch_size or 'the flow default'}")
    print(
        f"{'workers':>7}{'wall s':>9}{'CPU s':>8}{'CPU use':>9}{'reports/s':>11}{'peak MB':>9}"
        f"{'worker MB':>11}{'exact':>12}"
    )
    for r in results:
        worker_mb = f"{r['worker_peak_mb']:.0f}" if r["worker_peak_mb"] else "-"
        print(
            f"{r['workers']:>7}{r['wall']:>9.1f}{r['cpu']:>8.1f}{r['cpu'] / r['wall']:>8.0%} "
            f"{r['n'] / r['wall']:>10.1f}{r['peak_mb']:>9.0f}{worker_mb:>11}{r['exact']:>7}/{r['n']}"
        )
    for r in results:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stage_seconds"].items())
        work = ", ".join(f"{k} {v:.1f}" for k, v in r["worker_cpu_seconds"].items())
        print(f"  {r['workers']} worker(s): stages (wall s): {stages}; worker CPU s: {work}")
    base = results[0]
    for r in results[1:]:
        print(f"speed-up, {r['workers']} workers vs {base['workers']}: {base['wall'] / r['wall']:.2f}x")


if __name__ == "__main__":
    main()
