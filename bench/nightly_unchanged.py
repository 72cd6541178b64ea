"""Benchmark: a nightly run over N catalog URLs served on loopback hosts, when nothing changed.

The first (cold) run downloads and extracts everything: the baseline, measured in the same run.
The second run is the one that matters every night: conditional requests only, no extraction.

    python bench/nightly_unchanged.py --reports 2000 --hosts 40
"""

from __future__ import annotations

import argparse
import os
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

from prefect.testing.utilities import prefect_test_harness  # noqa: E402

from gongkai.fetch.http import FetchSettings  # noqa: E402
from gongkai.flows.nightly import nightly  # noqa: E402
from gongkai.load import export  # noqa: E402
from tests.local_site import LocalSite  # noqa: E402

SEEDS = sorted((ROOT / "data" / "samples").glob("00*.txt"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--delay", type=float, default=0.05, help="politeness delay per host (s)")
    args = parser.parse_args()

    texts = [p.read_bytes() for p in SEEDS]
    sites = [LocalSite().start(f"127.0.0.{2 + h}") for h in range(args.hosts)]
    work = Path(tempfile.mkdtemp(prefix="gongkai-bench-"))
    rows = ["agency,district,year,url"]
    for i in range(args.reports):
        site = sites[i % args.hosts]
        body = texts[i % len(texts)] + f"\n（bench copy {i}）\n".encode()
        site.static(f"/r/{i}.txt", body)
        rows.append(f",,2024,{site.url(f'/r/{i}.txt')}")
    (work / "catalog.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    settings = FetchSettings(timeout_seconds=10, per_host_delay_seconds=args.delay, workers=32)

    def requests() -> int:
        return sum(len(s.log) for s in sites)

    with prefect_test_harness(server_startup_timeout=120):
        t0 = time.perf_counter()
        cold = nightly(catalog_path=work / "catalog.csv", data_dir=work, settings=settings)
        cold_s, cold_requests = time.perf_counter() - t0, requests()
        t1 = time.perf_counter()
        warm = nightly(catalog_path=work / "catalog.csv", data_dir=work, settings=settings)
        warm_s, warm_requests = time.perf_counter() - t1, requests() - cold_requests
    conditional = sum(1 for s in sites for r in s.log[len(s.log) - 1 :] if "if-none-match" in r.headers)
    outcomes = dict(
        export.query(
            work / "warehouse.duckdb",
            "SELECT outcome, count(*) FROM fetches WHERE fetched_at >= "
            "(SELECT max(started_at) FROM runs) GROUP BY ALL",
        ).rows()
    )
    print(f"catalog entries: {args.reports} on {args.hosts} loopback hosts, politeness delay {args.delay} s")
    print(f"{'run':<24}{'wall s':>9}{'requests':>10}{'extracted':>11}")
    print(f"{'cold (baseline)':<24}{cold_s:>9.2f}{cold_requests:>10}{len(cold.loaded):>11}")
    print(f"{'unchanged night':<24}{warm_s:>9.2f}{warm_requests:>10}{len(warm.loaded):>11}")
    print(
        f"unchanged night: {outcomes.get('not_modified', 0)} answered 304, "
        f"{conditional}/{args.hosts} last requests conditional"
    )
    print(f"ratio cold / unchanged: {cold_s / warm_s:.1f}x")
    for s in sites:
        s.stop()


if __name__ == "__main__":
    main()
