"""The desk and the nightly run never wait on each other: a real `gongkai run` while another process
records reviews and a desk-style reader holds the warehouse open with the live reviews loaded."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongkai.load import files, reviews
from tests.expected import SEEDS
from tests.test_pipeline import run_plain, write_catalog

SEED_NAMES = ("001_20ac404ea9b9f41f.txt", "000_67ee20e95a2da50e.txt", "004_eff542c003e52132.txt")

# Writes the log whole (os.replace): the test reads it while the loop runs.
_LOG = r"""
import json, os, sys, time
from pathlib import Path

def save(log, seen):
    Path(str(log) + ".part").write_text(json.dumps(seen))
    os.replace(str(log) + ".part", log)
"""

# A desk request: a fresh read connection, one review appended; the time each write took.
REVIEWER = (
    _LOG
    + r"""
from gongkai.load import reviews
db, log, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
seen = {"writes": [], "errors": []}
verdicts = list(reviews.VERDICTS)
while not stop.exists():
    try:
        con = reviews.read_connection(db)
        try:
            report_id = con.execute("SELECT min(report_id) FROM reports").fetchall()[0][0]
            began = time.time()
            verdict = verdicts[len(seen["writes"]) % 3]
            done = reviews.add(reviews.store_for(db), con, report_id, verdict, "审核员")
            seen["writes"].append([done.review_id, began, time.time() - began])
        finally:
            con.close()
    except Exception as error:
        seen["errors"].append(f"{type(error).__name__}: {error}")
    save(log, seen)
    time.sleep(0.05)
save(log, seen)
"""
)

# The desk's pages: held, one connection held throughout with the live reviews reloaded each time; or
# fresh, a connection per page. DuckDB shares one database per file within a process while a
# connection is open, so the two are two processes (a held one would keep the fresh ones on the old file).
READER = (
    _LOG
    + r"""
from gongkai.load import reviews
db, log, stop, mode = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
QUERY = "SELECT (SELECT count(*) FROM report_reviews), (SELECT count(*) FROM review_log)"
held = reviews.read_connection(db) if mode == "held" else None
seen = {"states": [], "errors": []}
while True:
    stopping = stop.exists()
    try:
        con = held or reviews.read_connection(db)
        try:
            reviews.load_live(con, reviews.store_for(db))
            seen["states"].append(list(con.execute(QUERY).fetchall()[0]))
        finally:
            if held is None:
                con.close()
    except Exception as error:
        seen["errors"].append(f"{type(error).__name__}: {error}")
    save(log, seen)
    if stopping:
        break
    time.sleep(0.05)
"""
)


def started(process: subprocess.Popen, log: Path, key: str, deadline: float) -> None:
    while not (log.exists() and json.loads(log.read_text())[key]):
        assert process.poll() is None and time.monotonic() < deadline, f"{log.name} did not start"
        time.sleep(0.05)


@pytest.mark.slow
def test_reviews_are_written_and_read_while_gongkai_run_swaps_the_warehouse(tmp_path: Path) -> None:
    for name in SEED_NAMES:
        shutil.copy(SEEDS / name, tmp_path / name)
    catalog = write_catalog(tmp_path / "catalog.csv", [f",,2024,{SEED_NAMES[0]}"])
    run_plain(catalog, tmp_path)  # the old state: one report
    db = tmp_path / "warehouse.duckdb"
    stop_writes, stop = tmp_path / "stop-writes", tmp_path / "stop"  # the readers last see every review
    logs = {who: tmp_path / f"{who}.json" for who in ("reviewer", "held", "fresh")}
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}  # conftest's Prefect settings too
    commands = {
        "reviewer": ["-c", REVIEWER, str(db), str(logs["reviewer"]), str(stop_writes)],
        **{mode: ["-c", READER, str(db), str(logs[mode]), str(stop), mode] for mode in ("held", "fresh")},
    }
    helpers = {
        who: subprocess.Popen([sys.executable, *command], env=env) for who, command in commands.items()
    }
    try:
        deadline = time.monotonic() + 60
        for who, log in logs.items():
            started(helpers[who], log, "writes" if who == "reviewer" else "states", deadline)
        write_catalog(catalog, [f",,2024,{name}" for name in SEED_NAMES])
        run_began = time.time()
        night = subprocess.run(
            [
                sys.executable,
                "-m",
                "gongkai.cli",
                "run",
                "--catalog",
                str(catalog),
                "--data-dir",
                str(tmp_path),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        run_ended = time.time()
        time.sleep(0.5)  # a few more reviews and reads after the swap
        stop_writes.touch()
        helpers["reviewer"].wait(timeout=60)
        stop.touch()
        for helper in helpers.values():
            helper.wait(timeout=60)
    finally:
        for helper in helpers.values():
            if helper.poll() is None:
                helper.kill()
    assert night.returncode == 0, night.stderr
    assert [h.returncode for h in helpers.values()] == [0, 0, 0]
    wrote, held, fresh = (json.loads(log.read_text()) for log in logs.values())
    assert wrote["errors"] == held["errors"] == fresh["errors"] == []
    during = [w for w in wrote["writes"] if run_began <= w[1] <= run_ended]
    assert during, "no review was written while the run was live"
    # no write waited on the run: the writer only ever opens the store read-only
    assert max(seconds for _, _, seconds in wrote["writes"]) < reviews.BUSY_TIMEOUT
    ids = [review_id for review_id, _, _ in wrote["writes"]]
    assert ids == list(range(1, len(ids) + 1))
    # the held reader keeps the old warehouse (one report); the fresh one sees one, then three, never
    # back; both see every review written so far, the live ones, whatever the warehouse's copy
    assert {n for n, _ in held["states"]} == {1}
    assert {n for n, _ in fresh["states"]} == {1, 3}
    assert [n for n, _ in fresh["states"]] == sorted(n for n, _ in fresh["states"])
    for states in (held["states"], fresh["states"]):
        seen = [n_reviews for _, n_reviews in states]
        assert seen == sorted(seen) and seen[-1] == len(ids)
    # the warehouse's own copy: the reviews up to the run's read of the store, a prefix of them
    plain = files.connect(db, read_only=True)
    copied = [r for (r,) in plain.execute("SELECT review_id FROM review_log ORDER BY 1").fetchall()]
    plain.close()
    written_before_run = [w[0] for w in wrote["writes"] if w[1] + w[2] < run_began]
    assert copied == list(range(1, len(copied) + 1))
    assert len(written_before_run) <= len(copied) <= len(ids)
