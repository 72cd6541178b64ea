"""Reading while the nightly run writes: readers see the old or the new state, never a failure.

The writer works on ``warehouse.duckdb.next`` and swaps it in with ``os.replace``; a reader in another
process queries the live file in a loop during the run, both on a connection it holds open throughout
and on a fresh connection each time.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongkai.flows import steps, stopping, writer
from gongkai.load import files, loader
from tests.expected import SEEDS
from tests.test_pipeline import run_plain, write_catalog

SEED_NAMES = ("001_20ac404ea9b9f41f.txt", "000_67ee20e95a2da50e.txt", "004_eff542c003e52132.txt")

READER = r"""
import json, os, sys, time
from pathlib import Path
import duckdb

db, mode, log, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
QUERY = "SELECT (SELECT count(*) FROM reports), (SELECT sum(n_agencies) FROM district_summary)"
# held: opened before the run and kept open throughout (a BI tool, a notebook); fresh: opened anew each
# time (an analyst starting the duckdb shell). DuckDB shares one database per file within a process
# while a connection is open, so the two kinds of reader are two processes.
held = duckdb.connect(db, read_only=True) if mode == "held" else None
seen = {"states": [], "errors": []}
while True:
    stopping = stop.exists()
    try:
        con = held or duckdb.connect(db, read_only=True)
        try:
            seen["states"].append(list(con.execute(QUERY).fetchall()[0]))
        finally:
            if held is None:
                con.close()
    except Exception as error:  # the test wants none
        seen["errors"].append(f"{type(error).__name__}: {error}")
    # whole or not at all: the test reads the log while this loop writes it (a plain write_text
    # truncates first, and a read in between found an empty file)
    log.with_suffix(".part").write_text(json.dumps(seen))
    os.replace(log.with_suffix(".part"), log)
    if stopping:
        break
    time.sleep(0.01)
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_reader_holds_the_warehouse_open_during_a_run(tmp_path: Path) -> None:
    for name in SEED_NAMES:
        shutil.copy(SEEDS / name, tmp_path / name)
    catalog = tmp_path / "catalog.csv"
    write_catalog(catalog, [f",,2024,{SEED_NAMES[0]}"])
    run_plain(catalog, tmp_path)  # the old state: one report
    db = steps.warehouse_path(tmp_path)
    stop = tmp_path / "stop"
    logs = {mode: tmp_path / f"{mode}.json" for mode in ("held", "fresh")}
    readers = {
        mode: subprocess.Popen([sys.executable, "-c", READER, str(db), mode, str(log), str(stop)])
        for mode, log in logs.items()
    }
    try:
        deadline = time.monotonic() + 60
        for mode, log in logs.items():  # both readers are reading
            while not (log.exists() and json.loads(log.read_text())["states"]):
                assert readers[mode].poll() is None and time.monotonic() < deadline, f"{mode} did not start"
                time.sleep(0.05)
        write_catalog(catalog, [f",,2024,{name}" for name in SEED_NAMES])
        summary = run_plain(catalog, tmp_path)  # the new state: three reports
        assert len(summary.loaded) == 2
        stop.touch()
        for reader in readers.values():
            reader.wait(timeout=60)
    finally:
        for reader in readers.values():
            if reader.poll() is None:
                reader.kill()
    held, fresh = (json.loads(logs[mode].read_text()) for mode in ("held", "fresh"))
    assert [r.returncode for r in readers.values()] == [0, 0]
    assert held["errors"] == [] and fresh["errors"] == []
    old, new = [1, 1], [3, 3]
    assert {tuple(s) for s in held["states"]} == {tuple(old)}  # a consistent snapshot of the old state
    assert {tuple(s) for s in fresh["states"]} == {tuple(old), tuple(new)}  # the old, then the new
    first_new = fresh["states"].index(new)
    assert all(s == new for s in fresh["states"][first_new:])  # never back to the old state
    assert not (tmp_path / "warehouse.duckdb.next").exists()


def test_a_failed_run_leaves_the_live_warehouse_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in SEED_NAMES:
        shutil.copy(SEEDS / name, tmp_path / name)
    catalog = write_catalog(tmp_path / "catalog.csv", [f",,2024,{SEED_NAMES[0]}"])
    run_plain(catalog, tmp_path)
    db = steps.warehouse_path(tmp_path)
    before = digest(db)
    write_catalog(catalog, [f",,2024,{name}" for name in SEED_NAMES])
    loaded = []

    def load_then_fail(con, reports, *args, **kwargs):  # type: ignore[no-untyped-def]
        loaded.extend(real_load(con, reports, *args, **kwargs))  # written to the copy, then a crash
        raise OSError("disk full")

    real_load = loader.load_group  # what the night's writer calls
    monkeypatch.setattr(loader, "load_group", load_then_fail)
    with pytest.raises(OSError, match="disk full"):
        run_plain(catalog, tmp_path)
    assert loaded  # the copy had changed before the failure
    assert digest(db) == before
    assert not (tmp_path / "warehouse.duckdb.next").exists()
    monkeypatch.undo()
    assert len(run_plain(catalog, tmp_path).loaded) == 2  # the next run does it


def test_writing_swaps_in_a_complete_file_only_when_done(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with files.writing(db) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert not db.exists()  # nothing is live until the block ends
        assert (tmp_path / "warehouse.duckdb.next").exists()
    reader = files.connect(db, read_only=True)
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    with files.writing(db) as con:  # a reader holds the old file meanwhile
        con.execute("UPDATE t SET x = 2")
    assert reader.execute("SELECT x FROM t").fetchall() == [(1,)]
    reader.close()
    assert files.connect(db, read_only=True).execute("SELECT x FROM t").fetchall() == [(2,)]
    assert not list(tmp_path.glob("*.wal"))


def test_a_stop_says_the_warehouse_is_unchanged_only_until_the_swap(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with writer.loading(db, []):
        assert stopping.stop_message() == stopping.STOPPED  # the copy is removed, the file stays
    assert stopping.stop_message() == stopping.STOPPED_AFTER_SWAP  # the exports were still to come
    with pytest.raises(OSError), writer.loading(db, []):
        raise OSError("disk full")
    assert stopping.stop_message() == stopping.STOPPED
