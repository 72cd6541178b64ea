"""The review desk in a real browser (Debian's chromium, driven by selenium through chromedriver) on a
real `gongkai web` over a warehouse built by a real `gongkai run` from the bundled samples: overview →
report → a cell's evidence → a verdict recorded → another nightly run → the verdict is still there.
Screenshots of every page go to tests/screenshots/ (not committed) for a person to look at."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "tests" / "screenshots"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1440,1000",
)
GONGKAI = [sys.executable, "-m", "gongkai.cli"]

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):  # .ci/run installs them
    pytest.skip("needs Debian's chromium and chromium-driver", allow_module_level=True)

from selenium import webdriver  # noqa: E402  (after the skip: selenium is needed only here)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def nightly_run(data_dir: Path, prefect_api: str) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api}
    done = subprocess.run(
        [*GONGKAI, "run", "--catalog", str(data_dir / "catalog.csv"), "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, prefect_api: str) -> Path:
    folder = tmp_path_factory.mktemp("desk-browser")
    shutil.copytree(ROOT / "data" / "samples", folder / "samples")
    shutil.copyfile(ROOT / "data" / "catalog.csv", folder / "catalog.csv")
    nightly_run(folder, prefect_api)
    return folder


@pytest.fixture(scope="module")
def desk_url(data_dir: Path) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [*GONGKAI, "web", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "gongkai web did not answer within 60 s"
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def shot(browser: webdriver.Chrome, name: str) -> Path:
    """A screenshot of the whole page (the window stretched to its height)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1440, min(max(height, 900), 5000))
    path = SHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    print(f"screenshot: {path}")
    browser.set_window_size(1440, 1000)
    return path


def wait_for(browser: webdriver.Chrome, css: str, timeout: float = 20):  # type: ignore[no-untyped-def]
    return WebDriverWait(browser, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def test_review_a_report_and_keep_the_verdict_over_a_night(
    browser: webdriver.Chrome, desk_url: str, data_dir: Path, prefect_api: str
) -> None:
    browser.get(desk_url + "/")
    assert "概览" in browser.title
    assert "待审核的报告" in browser.page_source
    shot(browser, "01-overview")

    browser.find_element(By.LINK_TEXT, "报告 Reports").click()
    wait_for(browser, "table.sortable")
    browser.find_element(By.PARTIAL_LINK_TEXT, "错误").click()  # sort by errors
    wait_for(browser, "table.sortable")
    shot(browser, "02-reports")

    browser.find_element(By.LINK_TEXT, "洪泽区人民政府").click()  # the PDF, with two R4 warnings
    wait_for(browser, "table.template.appeals")
    assert "二、主动公开政府信息情况" in browser.page_source
    shot(browser, "03-report")

    flagged = browser.find_element(By.CSS_SELECTOR, "table.appeals td.warning a[data-evidence]")
    flagged.click()
    wait_for(browser, "#evidence .evidence dl.meta")
    image = wait_for(browser, "#evidence img.region")
    loaded = "return arguments[0].complete && arguments[0].naturalWidth > 0"
    WebDriverWait(browser, 20).until(lambda b: b.execute_script(loaded, image))
    evidence = browser.find_element(By.ID, "evidence").text
    assert "原文" in evidence and "页码" in evidence
    shot(browser, "04-cell-evidence")

    flag = browser.find_element(By.CSS_SELECTOR, "#flags article.flag")
    flag.find_element(By.TAG_NAME, "summary").click()
    flag.find_element(By.CSS_SELECTOR, "input[value=confirmed]").click()
    flag.find_element(By.NAME, "note").send_keys("行政复议总计印为 0，请机关核实并更正")
    flag.find_element(By.NAME, "corrected_value").send_keys("11")
    flag.find_element(By.NAME, "reviewer").send_keys("李审核")
    flag.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 20).until(lambda b: "#saved" in b.current_url)
    first_flag = browser.find_element(By.CSS_SELECTOR, "#flags article.flag").text
    assert "确认有误、需整改" in first_flag and "李审核" in first_flag and "更正为 11" in first_flag
    shot(browser, "05-verdict-recorded")

    nightly_run(data_dir, prefect_api)  # the night comes while the page is open
    browser.refresh()
    wait_for(browser, "#flags article.flag")
    first_flag = browser.find_element(By.CSS_SELECTOR, "#flags article.flag").text
    assert "确认有误、需整改" in first_flag and "李审核" in first_flag
    shot(browser, "06-after-nightly-run")

    browser.get(desk_url + "/")
    runs = browser.find_elements(By.CSS_SELECTOR, ".run")
    assert len(runs) == 2, "the desk shows the second night's run"

    browser.get(desk_url + "/compare?year=2024&district=石龙区")
    wait_for(browser, "figure.chart svg")
    shot(browser, "07-compare")
    browser.get(desk_url + "/exports")
    shot(browser, "08-exports")
