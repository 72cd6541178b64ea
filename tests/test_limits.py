"""Issue 11: one report never costs the night. Every extraction runs in a child with a time and a memory
limit; local sources are checked before they are read. Small limits and generated inputs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongkai.extract.guard import Guard
from gongkai.limits import MB, Limits

SAMPLE = Path(__file__).parent.parent / "data" / "samples" / "000_67ee20e95a2da50e.txt"
SMALL = Limits(seconds=60, memory_bytes=300 * MB)


def many_lines(path: Path) -> Path:
    """A 44 MB text report: within the size cap, but its reading needs far more than 300 MB."""
    path.write_text("本单位 2023 年 收入 1,234.56 万元 支出 789.01 万元\n" * 700_000, encoding="utf-8")
    return path


def test_a_report_past_the_memory_limit_fails_in_words_and_the_next_one_is_read(tmp_path: Path) -> None:
    with Guard(SMALL) as guard:
        first = guard.child
        hungry = guard.extract_path(many_lines(tmp_path / "big.txt"))
        after = guard.extract_path(SAMPLE)
    assert (hungry.status, hungry.error) == ("failed", "needed more than 300 MB of memory; stopped")
    assert after.status == "ok" and len(after.cells) == 200
    assert first is None  # the child starts with the first report


def test_a_report_past_the_time_limit_is_stopped_and_its_child_killed(tmp_path: Path) -> None:
    text = many_lines(tmp_path / "big.txt")  # more than 2 s to read, in less than 1 GB
    with Guard(Limits(seconds=2, memory_bytes=1024 * MB)) as guard:
        started = time.monotonic()
        slow = guard.extract_path(text)
        took = time.monotonic() - started
        assert guard.child is None  # killed; the next report gets a fresh one
        ok = guard.extract_path(SAMPLE)
    assert (slow.status, slow.error) == ("failed", "took longer than 2 s to read; stopped")
    assert took < 2 + 3  # the deadline, and the grace to stop
    assert ok.status == "ok"


def test_the_child_is_reused_across_reports() -> None:
    with Guard(SMALL) as guard:
        guard.extract_path(SAMPLE)
        child = guard.child
        guard.extract_path(SAMPLE)
        assert guard.child is child and child is not None and child.poll() is None
    assert child.poll() is not None  # ended with the guard


def parse(*args: str, **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    gongkai = Path(sys.executable).parent / "gongkai"
    return subprocess.run([gongkai, "parse", *args], capture_output=True, text=True, timeout=120, **kw)


def test_gongkai_parse_holds_the_limits_and_says_why(tmp_path: Path) -> None:
    done = parse(str(many_lines(tmp_path / "big.txt")), "--memory-limit", "300", "--time-limit", "60")
    assert done.returncode == 1
    assert "failed: needed more than 300 MB of memory; stopped" in done.stderr
    env = {**os.environ, "GONGKAI_TIME_LIMIT": "2"}
    done = parse(str(tmp_path / "big.txt"), "--memory-limit", "1024", env=env)
    assert "failed: took longer than 2 s to read; stopped" in done.stderr


def test_gongkai_parse_stops_on_sigterm_and_leaves_no_child(tmp_path: Path) -> None:
    text = many_lines(tmp_path / "big.txt")  # read for longer than the 2.5 s below
    gongkai = Path(sys.executable).parent / "gongkai"
    process = subprocess.Popen(
        [gongkai, "parse", str(text), "--memory-limit", "1024"], stderr=subprocess.PIPE
    )
    time.sleep(2.5)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)
    time.sleep(0.5)
    assert children and all(gone(pid) for pid in children)


def gone(pid: str) -> bool:
    """Ended: no such process, or a zombie waiting for init to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("kind", ["directory", "fifo", "dangling link", "device"])
def test_gongkai_parse_refuses_what_is_not_a_report_file(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "thing"
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dangling link":
        path.symlink_to(tmp_path / "gone")
    else:
        path = Path("/dev/zero")
    done = parse(str(path))
    what = {
        "directory": "is a directory",
        "fifo": "is a named pipe (FIFO)",
        "dangling link": "is a link to a file that does not exist",
        "device": "is a character device",
    }[kind]
    assert (
        done.returncode == 1 and f"{path} {what}, not a report file" in done.stderr
    ) or what in done.stderr
    assert "Error" not in done.stderr


def test_gongkai_parse_refuses_a_file_past_the_size_cap_before_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "huge.txt"
    with big.open("wb") as f:
        f.truncate(51 * MB)  # sparse: no bytes to read, only a size
    done = parse(str(big))
    assert done.returncode == 1
    assert f"cannot read {big}: it is 51 MB, more than the 50 MB cap for a report file" in done.stderr


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """300 MB and 60 s for every reading of the run, its worker processes included."""
    monkeypatch.setenv("GONGKAI_MEMORY_LIMIT", "300")
    monkeypatch.setenv("GONGKAI_TIME_LIMIT", "60")


@pytest.mark.parametrize("workers", [1, 2])
def test_the_nightly_run_records_a_report_past_a_limit_and_loads_the_rest(
    prefect_harness: None, small_limits: None, tmp_path: Path, workers: int
) -> None:
    from gongkai.flows import steps
    from gongkai.flows.nightly import with_workers
    from gongkai.load import export

    shutil.copy(SAMPLE, tmp_path / "good.txt")
    many_lines(tmp_path / "big.txt")
    (tmp_path / "catalog.csv").write_text(
        "agency,district,year,source\n某局,某区,2024,big.txt\n石龙区人民政府办公室,石龙区,2024,good.txt\n",
        encoding="utf-8",
    )
    summary = with_workers(workers)(catalog_path=tmp_path / "catalog.csv", data_dir=tmp_path)
    assert set(summary.failed) == {str(tmp_path / "big.txt")}
    reports = export.query(steps.warehouse_path(tmp_path), "SELECT source, status, error FROM reports")
    got = {Path(source).name: (status, error) for source, status, error in reports.rows()}
    assert got == {
        "big.txt": ("failed", "needed more than 300 MB of memory; stopped"),
        "good.txt": ("ok", None),
    }


def test_libreoffice_converts_inside_the_child_under_the_default_limits(tmp_path: Path) -> None:
    from tests.fixtures_office import expected, values
    from tests.fixtures_office.render_docx import render_doc, soffice_available
    from tests.test_docx_extract import report_of

    if not soffice_available():
        pytest.skip("LibreOffice (soffice) not installed: apt-get install libreoffice-writer-nogui")
    cells, report = report_of("2021", seed=11)
    doc = tmp_path / 'it\'s "a" $(touch PWNED); report.doc'  # the name never reaches a shell
    doc.write_bytes(render_doc(report, "plain"))
    with Guard(Limits()) as guard:
        extraction = guard.extract_path(doc)
    assert extraction.file_type == "doc" and extraction.status == "ok", extraction.error
    assert values(extraction) == expected(cells)
    assert not list(tmp_path.glob("PWNED*"))
