"""Fixtures: seed 001 (石龙区人民政府办公室 2024, 2021 format) as a hand-built Extraction."""

from __future__ import annotations

import os

# Before anything imports Prefect: no telemetry (there is no network) and a quiet test server.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
# a busy machine may take the temporary server's first start (its database made) past Prefect's 20 s
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import shutil
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from gongkai import taxonomy
from gongkai.load import files, loader, records, views
from gongkai.model import Extraction, RawCell
from gongkai.transform.cells import tidy_frame
from tests.expected import SEED_REPORTS

# The property tests draw the same examples on every run (their seed comes from the test's name), so a
# run's time and outcome repeat; HYPOTHESIS_PROFILE=explore draws new ones each time.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

SEED_SHA256 = "94e8f3f6ac4e68ace18e4b4fd21089b2d9dbaa537ab7628d1d850c7d93f6d872"
SEED_SOURCE = "seeds/001_20ac404ea9b9f41f.txt"
SEED_EXTRACTED_AT = datetime(2026, 11, 22, 8, 0, 0)
# The cells that seed 001 prints other than 0 (all 200 of its cells are printed).
_SEED_001 = next(e for e in SEED_REPORTS if e.file.startswith("001"))
SEED_NONZERO = {key: str(int(value)) for key, value in _SEED_001.cells().items() if value}

Key = tuple[str, str, str]
SeedBuilder = Callable[..., Extraction]
Loader = Callable[..., None]


def build_seed(
    changes: Mapping[Key, str | None] | None = None,
    *,
    sha256: str = SEED_SHA256,
    source: str = SEED_SOURCE,
    other_as_one_row: bool = False,
    agency: str | None = "石龙区人民政府办公室",
    district: str | None = "石龙区",
    year: int | None = 2024,
) -> Extraction:
    """Seed 001's cells as printed; ``changes`` replaces raw texts (None: the cell is unreadable)."""
    raws = {(c.table, c.row, c.column): "0" for c in taxonomy.grid("2021", other_as_one_row)}
    raws.update({k: v for k, v in SEED_NONZERO.items() if k in raws})
    raws.update(changes or {})
    return Extraction(
        source=source,
        sha256=sha256,
        file_type="txt",
        status="ok",
        agency=agency,
        district=district,
        year=year,
        format="2021",
        cells=[RawCell(t, r, c, raw) for (t, r, c), raw in raws.items()],
    )


@pytest.fixture
def seed() -> SeedBuilder:
    return build_seed


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file with its schema and views, built once and copied by ``con``."""
    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    connection = files.connect(path)
    views.create_views(connection)
    connection.close()
    return path


@pytest.fixture
def con(empty_warehouse: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh warehouse file (tmp_path / "warehouse.duckdb") with its schema and views."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(empty_warehouse, path)
    connection = files.connect(path)
    yield connection
    connection.close()


def load_extraction(
    con: duckdb.DuckDBPyConnection,
    extraction: Extraction,
    extractor_version: str = "test-1",
    extracted_at: datetime = SEED_EXTRACTED_AT,
) -> None:
    """What the flow does with one extraction: the tidy frame (none when failed) and one load."""
    has_data = extraction.status not in records.NO_DATA_STATUSES
    cells = tidy_frame(extraction) if has_data else None
    loader.load_report(con, records.report_record(extraction, extractor_version, extracted_at), cells)


@pytest.fixture
def load() -> Loader:
    return load_extraction


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test server for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def prefect_api(prefect_harness: None) -> str:
    """The session's Prefect test server's API URL. A ``gongkai run`` given it as PREFECT_API_URL runs its
    flow there, as at a site with a Prefect server, and starts no temporary server of its own (the tests of
    the temporary server do not use it)."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())
