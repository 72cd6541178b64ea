"""The nightly schedule fires: a real Prefect server, ``gongkai serve`` with a one-minute cron, a run loads.

The stored deployment alone proves nothing: with SQLAlchemy 2.1 the server stored it and then failed
every minute to schedule it. Here the server's scheduler creates the run, the served process starts it,
and the warehouse it writes has the reports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
GONGKAI = str(Path(sys.executable).with_name("gongkai"))
PREFECT = str(Path(sys.executable).with_name("prefect"))
SAMPLES = ("001_20ac404ea9b9f41f.txt", "003_da09ef5f53b79caf.txt")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_LOGGING_LEVEL="WARNING",
        # the scheduler looks every 5 s (default 60 s) and the runner polls every 5 s (default 10 s)
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
        PREFECT_RUNNER_POLL_FREQUENCY="5",
    )
    return env


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The process and everything it started (the runner's flow-run subprocesses, uvicorn)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``prefect server start`` on a free port of 127.0.0.1, with its own home and database."""
    port = _free_port()
    env = _environment(tmp_path / "prefect-home")
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, (tmp_path / "server.log").read_text(errors="replace")
            time.sleep(0.5)
        else:
            pytest.fail("the Prefect server did not start in 90 s")
        yield api, {**env, "PREFECT_API_URL": api}
    finally:
        _stop(server)
        log.close()
    text = (tmp_path / "server.log").read_text(errors="replace")
    assert "Can't evaluate bulk DML" not in text, text[-3000:]


def _nightly_runs(api: str) -> list[dict]:
    answer = httpx.post(
        f"{api}/flow_runs/filter",
        json={"flow_runs": {"deployment_id": {"is_null_": False}}, "sort": "EXPECTED_START_TIME_ASC"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


@pytest.mark.slow
def test_a_served_one_minute_schedule_runs_the_nightly_flow_and_loads_reports(
    prefect_server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    api, env = prefect_server
    samples = tmp_path / "samples"
    samples.mkdir()
    for name in SAMPLES:
        shutil.copy(ROOT / "data" / "samples" / name, samples / name)
    catalog = tmp_path / "catalog.csv"
    catalog.write_text(
        "agency,district,year,source\n"
        "石龙区人民政府办公室,石龙区,2024,samples/001_20ac404ea9b9f41f.txt\n"
        "西工区金水湖街道办事处,西工区,2024,samples/003_da09ef5f53b79caf.txt\n",
        encoding="utf-8",
    )
    data_dir = tmp_path / "data"
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [GONGKAI, "serve", "--catalog", str(catalog), "--data-dir", str(data_dir), "--cron", "* * * * *"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240  # the next minute, then the run itself
        runs: list[dict] = []
        while time.monotonic() < deadline:
            assert serve.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")
            runs = _nightly_runs(api)
            if any(r["state_type"] == "COMPLETED" for r in runs):
                break
            assert not any(r["state_type"] in {"FAILED", "CRASHED"} for r in runs), runs
            time.sleep(2)
        else:
            pytest.fail(f"no scheduled run completed in 240 s: {[r['state_type'] for r in runs]}")
    finally:
        _stop(serve)
        log.close()

    completed = next(r for r in runs if r["state_type"] == "COMPLETED")
    assert completed["auto_scheduled"] is True  # made by the server's scheduler, not by hand
    assert completed["parameters"]["data_dir"] == str(data_dir.resolve())
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        loaded = con.execute("SELECT agency, status FROM reports ORDER BY agency").fetchall()
    finally:
        con.close()
    assert loaded == [("石龙区人民政府办公室", "ok"), ("西工区金水湖街道办事处", "ok")]


def test_serve_refuses_without_a_prefect_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    done = subprocess.run(
        [GONGKAI, "serve", "--catalog", "data/catalog.csv", "--data-dir", str(tmp_path)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no Prefect server" in done.stderr and "PREFECT_API_URL" in done.stderr
    assert "serving" not in done.stdout
