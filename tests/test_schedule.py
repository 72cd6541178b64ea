"""The nightly deployment, applied to a real (test) Prefect server: cron, timezone, one run at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prefect.client.orchestration import get_client

from gongkai.flows import schedule


def test_the_nightly_deployment_is_scheduled_at_two_in_shanghai(
    prefect_harness: None, tmp_path: Path
) -> None:
    dep = schedule.deployment(tmp_path / "catalog.csv", tmp_path / "data")
    deployment_id = dep.apply()

    async def read():  # type: ignore[no-untyped-def]
        async with get_client() as client:
            return await client.read_deployment(deployment_id)

    stored = asyncio.run(read())
    assert stored.name == "nightly"
    assert stored.paused is False
    (sched,) = stored.schedules
    assert (sched.schedule.cron, sched.schedule.timezone, sched.active) == (
        "0 2 * * *",
        "Asia/Shanghai",
        True,
    )
    assert stored.global_concurrency_limit is not None and stored.global_concurrency_limit.limit == 1
    assert stored.parameters == {
        "catalog_path": str((tmp_path / "catalog.csv").resolve()),
        "data_dir": str((tmp_path / "data").resolve()),
    }


def test_the_schedule_is_configurable(tmp_path: Path) -> None:
    dep = schedule.deployment(tmp_path / "c.csv", tmp_path, cron="30 3 * * 1-5", timezone="UTC")
    assert (dep.schedules[0].schedule.cron, dep.schedules[0].schedule.timezone) == ("30 3 * * 1-5", "UTC")
