"""The ``runs`` table: one row per flow run, started and finished with its counts and summary."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import duckdb

from gongkai.load.records import utc_naive


def start_run(con: duckdb.DuckDBPyConnection, started_at: datetime | None = None) -> str:
    """Record the start of a flow run; returns its run_id."""
    run_id = uuid.uuid4().hex
    con.execute("INSERT INTO runs (run_id, started_at) VALUES (?, ?)", [run_id, utc_naive(started_at)])
    return run_id


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    n_loaded: int,
    n_skipped: int,
    n_failed: int,
    summary: Mapping[str, Any] | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Record the end of a run with its counts and a JSON summary."""
    con.execute(
        "UPDATE runs SET finished_at = ?, n_loaded = ?, n_skipped = ?, n_failed = ?, summary = ?"
        " WHERE run_id = ?",
        [
            utc_naive(finished_at),
            n_loaded,
            n_skipped,
            n_failed,
            json.dumps(dict(summary or {}), ensure_ascii=False, sort_keys=True, default=str),
            run_id,
        ],
    )
