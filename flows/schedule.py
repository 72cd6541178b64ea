"""The nightly deployment: a cron schedule (02:00 Asia/Shanghai by default), one run at a time."""

from __future__ import annotations

from pathlib import Path

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEPLOYMENT_NAME = "nightly"


def deployment(
    catalog_path: Path,
    data_dir: Path,
    cron: str = DEFAULT_CRON,
    timezone: str = DEFAULT_TIMEZONE,
) -> RunnerDeployment:
    """The flow as a scheduled deployment; absolute paths, since the runs start elsewhere."""
    from gongkai.flows.nightly import nightly

    return nightly.to_deployment(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron, timezone=timezone)],
        concurrency_limit=1,
        parameters={
            "catalog_path": str(Path(catalog_path).resolve()),
            "data_dir": str(Path(data_dir).resolve()),
        },
        description="Fetch new and changed reports, extract, load, check and export (gongkai).",
        tags=["gongkai"],
    )


class NoPrefectServer(RuntimeError):
    """``serve`` was asked to schedule without a Prefect server to schedule on."""


def api_url() -> str:
    """The Prefect server the schedule lives on; refuses when none is set.

    Without ``PREFECT_API_URL`` Prefect starts a temporary server that dies with the process, and its
    schedules never fire: serving there would print "being served" and never run the night.
    """
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise NoPrefectServer(
            "no Prefect server: start one (prefect server start) and set "
            "PREFECT_API_URL=http://127.0.0.1:4200/api; a schedule on the temporary server never fires"
        )
    return url


def serve(deployment: RunnerDeployment) -> None:
    """Serve until stopped; the schedule stays active when this process stops or restarts."""
    from prefect import serve as prefect_serve

    api_url()

    prefect_serve(deployment, pause_on_shutdown=False, limit=1)
