"""Benchmark: full ingest of a mixed synthetic corpus with 1 and 2 worker processes.

The corpus (bench/corpus.py) has known cells, so every run is also checked for correctness. The
1-worker run is the baseline measured in the same invocation; the figure is the 2-worker speed-up.

    python bench/scale.py --reports 2000 --workers 1 2
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
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
from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from bench.corpus import generate  # noqa: E402
from gongkai.flows.nightly import with_workers  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--batch-size", type=int, help="default: the flow's own (staging.batch_size)")
    parser.add_argument("--corpus", type=Path, help="reuse a corpus folder (made if missing)")
    args = parser.parse_args()

    corpus = args.corpus or Path(tempfile.gettempdir()) / f"gongkai-corpus-{args.reports}"
    if not (corpus / "answers.parquet").exists():
        t0 = time.perf_counter()
        generate(corpus, args.reports)
        print(f"generated {args.reports} reports in {time.perf_counter() - t0:.0f} s: {corpus}")
    results = []
    with prefect_test_harness(server_startup_timeout=120):
        for workers in args.workers:
            data = Path(tempfile.mkdtemp(prefix=f"gongkai-scale-{workers}-"))
            shutil.copy(corpus / "catalog.csv", data / "catalog.csv")
            (data / "reports").symlink_to(corpus / "reports")
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            summary = with_workers(workers)(
                catalog_path=data / "catalog.csv", data_dir=data, batch_size=args.batch_size
            )
            wall, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
            exact, n = check(corpus, data / "warehouse.duckdb")
            peak_mb = (
                max(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                    resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                )
                / 1024
            )
            results.append((workers, wall, cpu, peak_mb, exact, n, summary))
            shutil.rmtree(data, ignore_errors=True)

    print(f"\n{args.reports} mixed reports, batches of {args.batch_size or 'the flow default'}")
    print(
        f"{'workers':>7}{'wall s':>9}{'CPU s':>8}{'CPU use':>9}{'reports/s':>11}{'peak MB':>9}{'exact':>12}"
    )
    for workers, wall, cpu, peak, exact, n, _ in results:
        print(
            f"{workers:>7}{wall:>9.1f}{cpu:>8.1f}{cpu / wall:>8.0%} {n / wall:>10.1f}"
            f"{peak:>9.0f}{exact:>7}/{n}"
        )
    for workers, *_, summary in results:
        stages = ", ".join(f"{k} {v:.1f}" for k, v in summary.stage_seconds.items())
        work = ", ".join(f"{k} {v:.1f}" for k, v in summary.worker_cpu_seconds.items())
        print(f"  {workers} worker(s): stages (wall s): {stages}; worker CPU s: {work}")
    if len(results) > 1:
        base = results[0][1]
        for workers, wall, *_ in results[1:]:
            print(f"speed-up, {workers} workers vs {results[0][0]}: {base / wall:.2f}x")


if __name__ == "__main__":
    main()
