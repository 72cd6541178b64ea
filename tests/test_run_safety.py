"""``gongkai run`` killed, stopped and watched: leftovers removed, the warehouse whole, one line per stop,
progress instead of Prefect's task lines. Real subprocesses, a real pseudo-terminal, a real local site."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pty
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from gongkai.fetch.http import FetchSettings
from gongkai.flows import server, writer
from gongkai.flows.nightly import nightly
from gongkai.load import files
from tests.expected import SEEDS
from tests.local_site import LocalSite

GONGKAI = [sys.executable, "-m", "gongkai.cli", "run"]
SEED_TEXTS = sorted(SEEDS.glob("00[1-3]_*.txt"))  # tab-separated tables


def corpus(folder: Path, n: int, shift: int = 0) -> Path:
    """``n`` text reports made from the seeds, each with its first figure edited; their catalog."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["agency,district,year,source"]
    for i in range(n):
        seed = SEED_TEXTS[i % len(SEED_TEXTS)]
        edit = shift + i
        text = seed.read_text("utf-8")
        text = re.sub(r"\t(\d+)", lambda m, d=edit: f"\t{int(m.group(1)) + d}", text, count=1)
        path = folder / f"r{i:03d}.txt"
        path.write_text(text, encoding="utf-8")
        rows.append(f",,,{path}")
    catalog = folder / "catalog.csv"
    catalog.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return catalog


def start(catalog: Path, data: Path, *more: str, api: str | None = None) -> subprocess.Popen[str]:
    """``gongkai run`` in its own process group: with its temporary Prefect server, or at ``api``."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    if api:
        env["PREFECT_API_URL"] = api
    return subprocess.Popen(
        [*GONGKAI, "--catalog", str(catalog), "--data-dir", str(data), *more],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as at a terminal
    )


def fingerprint(data: Path) -> str | None:
    db = data / "warehouse.duckdb"
    return hashlib.sha256(db.read_bytes()).hexdigest() if db.exists() else None


def leftovers(data: Path) -> list[str]:
    batches = data / "batches"
    left = [p.name for p in batches.iterdir() if p.is_dir()] if batches.exists() else []
    left += [p.name for p in files.next_copy(data / "warehouse.duckdb") if p.exists()]
    return left + ([server.PID_FILE] if (data / server.PID_FILE).exists() else [])


def server_pid(data: Path, not_this: int | None = None, timeout: float = 30) -> int:
    """The pid of the run's temporary server, once recorded (``not_this``: a killed run's record)."""
    record = data / server.PID_FILE
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if record.exists():
            try:
                pid = json.loads(record.read_text())[0]
            except ValueError:
                pid = None
            if pid is not None and pid != not_this:
                return pid
        time.sleep(0.05)
    raise AssertionError("no temporary server recorded")


def gone(pid: int, timeout: float = 8) -> bool:
    try:
        psutil.Process(pid).wait(timeout)
    except psutil.NoSuchProcess:
        return True
    except psutil.TimeoutExpired:
        return False
    return True


def count_reports(data: Path) -> int:
    con = files.connect(data / "warehouse.duckdb", read_only=True)
    try:
        return con.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        con.close()


# 1. Leftovers of a killed run


def test_a_run_removes_the_leftovers_of_a_killed_run_but_not_a_live_ones(tmp_path: Path) -> None:
    dead = tmp_path / "batches" / "20261203T010203000000"
    dead.mkdir(parents=True)
    (dead / "a00000.cells.parquet").write_bytes(b"x")
    for p in files.next_copy(tmp_path / "warehouse.duckdb"):
        p.write_bytes(b"half-written")
    with writer.running(tmp_path) as removed:
        assert [p.name for p in removed] == [dead.name, "warehouse.duckdb.next", "warehouse.duckdb.next.wal"]
        assert leftovers(tmp_path) == []
        # a second run while this one lives leaves this one's folder alone
        live = tmp_path / "batches" / "20261203T020000000000"
        live.mkdir()
        with writer.running(tmp_path) as removed_by_second:
            assert removed_by_second == []
        assert live.exists()


def test_the_writers_copy_is_left_alone_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    with files.writing(db) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        assert files.clear_stale_copy(db) == []
        assert files.next_copy(db)[0].exists()
    assert files.clear_stale_copy(db) == []


def test_an_orphaned_temporary_server_is_stopped_and_no_other_process(tmp_path: Path) -> None:
    looks_like = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", server.SERVER_APP])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for process, stopped in ((other, False), (looks_like, True)):
            created = psutil.Process(process.pid).create_time()
            (tmp_path / server.PID_FILE).write_text(json.dumps([process.pid, created]))
            assert server.stop_orphan(tmp_path) == (process.pid if stopped else None)
            assert (process.poll() is not None or gone(process.pid, 2)) is stopped
            assert not (tmp_path / server.PID_FILE).exists()
        # a pid reused by another process since: left alone
        (tmp_path / server.PID_FILE).write_text(json.dumps([other.pid, 12345.0]))
        assert server.stop_orphan(tmp_path) is None and other.poll() is None
    finally:
        for p in (looks_like, other):
            p.kill()
            p.wait()


# 2. kill -9 at random moments


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_the_warehouse_whole(tmp_path: Path, prefect_api: str) -> None:
    data = tmp_path / "data"
    first = start(corpus(tmp_path / "first", 10, shift=1000), data, api=prefect_api)
    assert first.wait(120) == 0, first.stdout.read()
    before = fingerprint(data)
    shutil.copyfile(data / "warehouse.duckdb", tmp_path / "before.duckdb")
    night = corpus(tmp_path / "night", 80)
    rng = random.Random(20261203)
    states, pid = [], None
    for repetition in range(3):
        run = start(night, data)
        pid = server_pid(data, not_this=pid)
        time.sleep(rng.uniform(0.5, 6.0))
        if repetition == 0:  # the run's process alone: its watchdog stops the server
            os.kill(run.pid, signal.SIGKILL)
        else:
            os.killpg(run.pid, signal.SIGKILL)
        run.wait(10)
        assert gone(pid), "the temporary server outlived its run"
        states.append(fingerprint(data))
        if states[-1] != before:  # killed after the swap: the night's warehouse, whole
            assert count_reports(data) == 90
            shutil.copyfile(tmp_path / "before.duckdb", data / "warehouse.duckdb")
    assert states.count(before) >= 2, states
    last = start(night, data)
    out, _ = last.communicate(timeout=120)
    assert last.returncode == 0, out
    assert re.search(r"run \w+: 80 loaded", out), out
    assert count_reports(data) == 90
    assert leftovers(data) == []


# 3. Ctrl-C and SIGTERM


@pytest.fixture
def slow_site() -> Iterator[LocalSite]:
    site = LocalSite().start()
    site.slow("/r/slow.txt", SEED_TEXTS[0].read_bytes(), seconds=15)
    yield site
    site.stop()


def stop_and_check(run: subprocess.Popen[str], data: Path, signum: int, before: str | None) -> str:
    pids = [run.pid, *(c.pid for c in psutil.Process(run.pid).children(recursive=True))]
    sent = time.monotonic()
    os.kill(run.pid, signum)
    out, _ = run.communicate(timeout=10)
    assert time.monotonic() - sent < 5
    assert run.returncode == 128 + signum, out
    assert out.rstrip().endswith("stopped: the warehouse is unchanged"), out
    assert "Traceback" not in out, out
    assert all(gone(pid, 3) for pid in pids)
    assert fingerprint(data) == before
    assert [p for p in leftovers(data) if p != server.PID_FILE] == []
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "workers"), [(signal.SIGINT, "1"), (signal.SIGTERM, "2")])
def test_a_signal_during_extraction_stops_the_run_cleanly(tmp_path: Path, signum: int, workers: str) -> None:
    data = tmp_path / "data"
    run = start(corpus(tmp_path / "night", 80), data, "--workers", workers, "--batch-size", "10")
    for line in run.stdout:
        if line.startswith("sources fetched"):
            break
    stop_and_check(run, data, signum, None)


@pytest.mark.slow
def test_ctrl_c_during_fetching_stops_the_run_cleanly(tmp_path: Path, slow_site: LocalSite) -> None:
    data = tmp_path / "data"
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(f"agency,district,year,url\n某局,某区,2024,{slow_site.url('/r/slow.txt')}\n")
    run = start(catalog, data)
    end = time.monotonic() + 60
    while not slow_site.requests_to("/r/slow.txt") and time.monotonic() < end:
        time.sleep(0.05)
    stop_and_check(run, data, signal.SIGINT, None)


# 4. Noise


@pytest.fixture
def failing_site() -> Iterator[LocalSite]:
    site = LocalSite().start()
    site.flaky("/r/500.txt", SEED_TEXTS[0].read_bytes(), failures=1)
    site.flaky("/r/429.txt", SEED_TEXTS[1].read_bytes(), failures=1, code=429, retry_after="0")
    site.status("/r/404.txt", 404)
    yield site
    site.stop()


def failing_catalog(site: LocalSite, path: Path) -> Path:
    rows = ["agency,district,year,url"] + [
        f"某局,某区,2024,{site.url(f'/r/{name}.txt')}" for name in ("500", "429", "404")
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_off_a_terminal_a_line_per_stage_and_per_retry(
    tmp_path: Path, failing_site: LocalSite, prefect_api: str
) -> None:
    run = start(failing_catalog(failing_site, tmp_path / "catalog.csv"), tmp_path / "data", api=prefect_api)
    out, _ = run.communicate(timeout=120)
    assert run.returncode == 0, out
    assert "Traceback" not in out and "ERROR" not in out, out
    lines = out.splitlines()
    retries = [line for line in lines if line.startswith("warning: retry 1/")]
    assert [r.split(" in ")[0].rsplit("/", 1)[1] for r in retries] == ["500.txt", "429.txt"], out
    assert "Task run" not in out and "Flow run" not in out, out
    assert "sources fetched: 3 of 3" in lines and "reports extracted: 3 of 3" in lines, out
    assert "reports loaded: 3 of 3" in lines, out
    assert any(line.startswith("run ") and "3 loaded, 0 unchanged, 1 failed" in line for line in lines), out


def test_a_timeout_retried_is_one_warning_without_a_traceback(
    prefect_harness: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = LocalSite().start()
    site.slow("/r/slow.txt", SEED_TEXTS[0].read_bytes(), seconds=1.5)
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(f"agency,district,year,url\n某局,某区,2024,{site.url('/r/slow.txt')}\n")
    settings = FetchSettings(
        timeout_seconds=0.3, per_host_delay_seconds=0, retries=1, retry_delay_seconds=(0.1,)
    )
    try:
        with caplog.at_level(logging.INFO):
            nightly(catalog_path=catalog, data_dir=tmp_path / "data", settings=settings)
    finally:
        site.stop()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(" of ")[0] for r in warnings] == ["retry 1/1"], warnings
    assert "timed out" in warnings[0].getMessage() or "timeout" in warnings[0].getMessage().lower()
    assert all(r.exc_info is None for r in warnings)


def run_on_a_terminal(argv: list[str], api: str, timeout: float = 120) -> tuple[int, str]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: gongkai on the pseudo-terminal
        os.environ["PREFECT_API_URL"] = api
        os.execv(argv[0], argv)
    chunks = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_on_a_terminal_progress_updates_in_place(tmp_path: Path, prefect_api: str) -> None:
    catalog = corpus(tmp_path / "night", 20)
    code, out = run_on_a_terminal(
        [*GONGKAI, "--catalog", str(catalog), "--data-dir", str(tmp_path / "data"), "--batch-size", "10"],
        prefect_api,
    )
    assert code == 0, out
    assert "\r\x1b[Kreports extracted: 10 of 20" in out, out
    assert "\r\x1b[Kreports extracted: 20 of 20\r\n" in out, out
    assert "Task run" not in out and "Traceback" not in out, out
    assert re.search(r"run \w+: 20 loaded", out), out
    verbose_code, verbose = run_on_a_terminal(
        [*GONGKAI, "--catalog", str(catalog), "--data-dir", str(tmp_path / "data"), "--verbose"], prefect_api
    )
    assert verbose_code == 0 and "Task run" in verbose and "\x1b[K" not in verbose, verbose
