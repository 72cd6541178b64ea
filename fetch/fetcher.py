"""Many URLs at once, politely, in this process: per-host limits, retries with backoff and Retry-After.

One :class:`Fetcher` does all of a step's fetching: one HTTP client, one :class:`HostLimiter` (so the
per-host limits hold across every URL of the step), a pool of threads. Retries wait concurrently: a URL
waiting for its next attempt holds no thread, and the others go on.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

from gongkai.fetch.archive import archive_put
from gongkai.fetch.http import FetchSettings, HostLimiter, client, fetch
from gongkai.model import Fetched, Previous

Log = Callable[[str], None]
LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchRequest:
    url: str
    previous: Previous | None = None
    parent_url: str | None = None


class Fetcher:
    """``with Fetcher(settings, raw_dir) as fetcher: fetcher.get_all(requests)``; bodies go to the archive."""

    def __init__(self, settings: FetchSettings, raw_dir: Path, log: Log = LOGGER.warning):
        self.settings = settings
        self.raw_dir = Path(raw_dir)
        self.log = log
        self.limiter = HostLimiter(settings.per_host_concurrency, settings.per_host_delay_seconds)

    def __enter__(self) -> Fetcher:
        self._http = client(self.settings)
        self._pool = ThreadPoolExecutor(max_workers=self.settings.workers)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()

    def get_all(self, requests: list[FetchRequest]) -> list[Fetched]:
        """Every request's final answer, in order: each retryable failure retried ``settings.retries``
        times, after its backoff or the server's Retry-After (capped), whichever is longer."""
        answers: list[Fetched | None] = [None] * len(requests)
        running: dict[Future[Fetched], tuple[int, int]] = {
            self._pool.submit(self._attempt, r): (i, 1) for i, r in enumerate(requests)
        }
        waiting: list[tuple[float, int, int]] = []  # (when, index, attempt), a heap
        while running or waiting:
            while waiting and waiting[0][0] <= time.monotonic():
                _, i, attempt = heapq.heappop(waiting)
                running[self._pool.submit(self._attempt, requests[i])] = (i, attempt)
            pause = max(0.0, waiting[0][0] - time.monotonic()) if waiting else None
            if not running:
                time.sleep(pause or 0.0)
                continue
            done, _ = wait(running, timeout=pause, return_when=FIRST_COMPLETED)
            for future in done:
                i, attempt = running.pop(future)
                answer = replace(future.result(), attempts=attempt)
                if answer.retryable and attempt <= self.settings.retries:
                    delay = self.delay(answer, attempt)
                    retries = self.settings.retries
                    self.log(f"retry {attempt}/{retries} of {answer.url} in {delay:g} s: {answer.error}")
                    heapq.heappush(waiting, (time.monotonic() + delay, i, attempt + 1))
                else:
                    answers[i] = answer
        return [a for a in answers if a is not None]

    def delay(self, answer: Fetched, attempt: int) -> float:
        """Before retry ``attempt``: the backoff, or the server's Retry-After (capped) if longer."""
        backoff = self.settings.retry_delay_seconds
        wait_for = backoff[min(attempt, len(backoff)) - 1] if backoff else 0.0
        if answer.retry_after is not None:
            wait_for = max(wait_for, min(answer.retry_after, self.settings.max_retry_after_seconds))
        return wait_for

    def _attempt(self, request: FetchRequest) -> Fetched:
        """One attempt; a body is archived at once and let go of (read from the archive when needed)."""
        answer = fetch(
            self._http, request.url, request.previous, self.settings, self.limiter, request.parent_url
        )
        if answer.outcome != "downloaded" or answer.data is None:
            return answer
        try:
            archive_put(self.raw_dir, answer.data)
        except OSError as e:
            return replace(answer, outcome="failed", data=None, error=f"cannot archive the body: {e}")
        return replace(answer, data=None)
