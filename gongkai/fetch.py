"""Polite, incremental HTTP fetching: conditional GET, bounded redirects and sizes, a raw archive.

One call of :func:`fetch` is one attempt. Timeouts, connection errors, 5xx and 429 raise
:class:`RetryableFetchError` (the Prefect task retries them with backoff); a 404 or any other final
answer comes back as a failed :class:`Fetched` record, never retried.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from gongkai import __version__

USER_AGENT = f"gongkai/{__version__} (government disclosure report archive)"
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one nightly run's fetching (flow parameters override them)."""

    timeout_seconds: float = 20.0
    max_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_delay_seconds: float = 0.5
    retries: int = 3
    retry_delay_seconds: tuple[float, ...] = (2.0, 10.0, 30.0)
    workers: int = 16
    max_listing_pages: int = 20


@dataclass(frozen=True)
class Previous:
    """What the last successful fetch of a URL left: validators for a conditional GET, the body's hash."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None


@dataclass
class Fetched:
    """The outcome of fetching one URL (also what the ``fetches`` table records)."""

    url: str
    outcome: str  # downloaded | not_modified | failed
    status: int | None = None
    final_url: str | None = None
    sha256: str | None = None
    n_bytes: int = 0
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None
    parent_url: str | None = None
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attempts: int = 1
    retryable: bool = False
    data: bytes | None = field(default=None, repr=False)

    def record(self) -> dict:
        """The ``fetches`` row (without the body)."""
        return {
            "url": self.url,
            "outcome": self.outcome,
            "status": self.status,
            "final_url": self.final_url,
            "sha256": self.sha256,
            "bytes": self.n_bytes,
            "etag": self.etag,
            "last_modified": self.last_modified,
            "content_type": self.content_type,
            "error": self.error,
            "parent_url": self.parent_url,
            "fetched_at": self.fetched_at,
            "attempts": self.attempts,
        }


class RetryableFetchError(Exception):
    """A failure worth another attempt (timeout, connection error, 5xx, 429); carries the record."""

    def __init__(self, fetched: Fetched):
        super().__init__(fetched.error)
        self.fetched = fetched


def is_url(source: str) -> bool:
    return urlsplit(source).scheme in {"http", "https"}


# -------------------------------------------------------------------------- politeness


class HostLimiter:
    """At most ``concurrency`` requests at once per host, and ``delay`` seconds between their starts."""

    def __init__(self, concurrency: int, delay: float):
        self.concurrency = concurrency
        self.delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.Semaphore(self.concurrency))
        with semaphore:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + self.delay
            if start > now:
                time.sleep(start - now)
            yield


_limiters: dict[tuple[int, float], HostLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(settings: FetchSettings) -> HostLimiter:
    """One limiter per process and setting, shared by every task that fetches."""
    key = (settings.per_host_concurrency, settings.per_host_delay_seconds)
    with _limiters_lock:
        return _limiters.setdefault(key, HostLimiter(*key))


# -------------------------------------------------------------------------- fetching


def client(settings: FetchSettings) -> httpx.Client:
    timeout = httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        trust_env=False,
    )


def fetch(
    http: httpx.Client,
    url: str,
    previous: Previous | None = None,
    settings: FetchSettings = FetchSettings(),
    parent_url: str | None = None,
) -> Fetched:
    """One attempt at ``url``: conditional when ``previous`` has validators; redirects followed by hand."""
    headers = {}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    base = Fetched(url=url, outcome="failed", parent_url=parent_url)

    def failed(error: str, status: int | None = None, retry: bool = False) -> Fetched:
        record = replace(base, status=status, error=error, fetched_at=datetime.now(UTC))
        if retry:
            raise RetryableFetchError(record)
        return record

    current = url
    limiter = limiter_for(settings)
    for _hop in range(settings.max_redirects + 1):
        scheme = urlsplit(current).scheme
        if scheme not in {"http", "https"}:
            return failed(f"redirected to a {scheme or 'relative'} URL, only http and https are followed")
        try:
            with limiter.slot(current), http.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        return failed(f"HTTP {status} without a Location", status)
                    current = urljoin(current, location)
                    continue
                if status == 304:
                    return replace(
                        base,
                        outcome="not_modified",
                        status=304,
                        final_url=current,
                        sha256=previous.sha256 if previous else None,
                        etag=response.headers.get("etag") or (previous.etag if previous else None),
                        last_modified=response.headers.get("last-modified")
                        or (previous.last_modified if previous else None),
                        fetched_at=datetime.now(UTC),
                    )
                if status == 429 or status >= 500:
                    return failed(f"HTTP {status} {response.reason_phrase}".strip(), status, retry=True)
                if status >= 400:
                    return failed(f"HTTP {status} {response.reason_phrase}".strip(), status)
                if status != 200:
                    return failed(f"HTTP {status}: no report body", status)
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > settings.max_bytes:
                    cap = settings.max_bytes
                    return failed(f"body of {declared} bytes exceeds the {cap}-byte cap", status)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > settings.max_bytes:
                        return failed(f"body exceeds the {settings.max_bytes}-byte cap", status)
                    chunks.append(chunk)
                data = b"".join(chunks)
                return replace(
                    base,
                    outcome="downloaded",
                    status=status,
                    final_url=current,
                    sha256=hashlib.sha256(data).hexdigest(),
                    n_bytes=len(data),
                    etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"),
                    content_type=response.headers.get("content-type"),
                    fetched_at=datetime.now(UTC),
                    data=data,
                )
        except httpx.TimeoutException as e:
            return failed(f"timed out after {settings.timeout_seconds:g} s ({type(e).__name__})", retry=True)
        except httpx.TransportError as e:
            return failed(f"connection error: {type(e).__name__}: {e}", retry=True)
    return failed(f"more than {settings.max_redirects} redirects (a redirect loop?)")


# -------------------------------------------------------------------------- the raw archive


def archive_path(raw_dir: Path, sha256: str) -> Path:
    return Path(raw_dir) / sha256[:2] / sha256


def archive_put(raw_dir: Path, data: bytes) -> str:
    """Store a body under its sha256; an existing body is never overwritten."""
    sha = hashlib.sha256(data).hexdigest()
    path = archive_path(raw_dir, sha)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return sha


def archive_get(raw_dir: Path, sha256: str) -> bytes | None:
    path = archive_path(raw_dir, sha256)
    return path.read_bytes() if path.exists() else None
