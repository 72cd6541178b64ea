"""One polite HTTP attempt at one URL: conditional GET, redirects by hand, a size cap and a deadline.

:func:`fetch` never raises: every answer and every error is a :class:`Fetched` record, a failure
with its reason in words. Timeouts, connection errors, 5xx and 429 are marked ``retryable`` (with the
server's ``Retry-After``); ``fetch.fetcher`` retries them. A 404 or any other final answer is not.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from gongkai import __version__
from gongkai.limits import MAX_REPORT_BYTES
from gongkai.model import Fetched, Previous

# What went wrong on the wire, in words (a reason an analyst reads, not an exception's class name).
_WHILE = {
    httpx.ConnectTimeout: "while connecting",
    httpx.ReadTimeout: "waiting for the server",
    httpx.WriteTimeout: "sending the request",
    httpx.PoolTimeout: "waiting for a free connection",
}
_TRANSPORT = {
    httpx.ConnectError: "could not connect",
    httpx.RemoteProtocolError: "the server broke off the answer",
    httpx.ReadError: "the connection broke while reading the answer",
    httpx.WriteError: "the connection broke while sending the request",
    httpx.ProxyError: "the proxy refused the request",
    httpx.UnsupportedProtocol: "not an http(s) address",
}

USER_AGENT = f"gongkai/{__version__} (government disclosure report archive)"
REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchSettings:
    """Limits of one nightly run's fetching (flow parameters override them)."""

    timeout_seconds: float = 20.0  # to connect, and between two reads
    deadline_seconds: float = 60.0  # one request, headers and whole body: a trickling body ends here
    max_bytes: int = MAX_REPORT_BYTES
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_delay_seconds: float = 0.5
    retries: int = 3
    retry_delay_seconds: tuple[float, ...] = (2.0, 10.0, 30.0)
    max_retry_after_seconds: float = 60.0  # a longer Retry-After is waited this long
    workers: int = 16
    max_listing_pages: int = 20


def is_url(source: str) -> bool:
    try:
        return urlsplit(source).scheme in {"http", "https"}
    except ValueError:  # not even a URL (an unclosed IPv6 bracket): a path, then
        return False


class HostLimiter:
    """At most ``concurrency`` requests at once per host, and ``delay`` seconds between their starts."""

    def __init__(self, concurrency: int, delay: float):
        self.concurrency = concurrency
        self.delay = delay
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, url: str) -> Iterator[float]:
        """Wait for ``url``'s host to allow one more request; yields when it starts (monotonic)."""
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
            yield time.monotonic()


def client(settings: FetchSettings) -> httpx.Client:
    timeout = httpx.Timeout(settings.timeout_seconds, connect=min(10.0, settings.timeout_seconds))
    return httpx.Client(
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT, "Accept": "*/*"},
        trust_env=False,
    )


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def fetch(
    http: httpx.Client,
    url: str,
    previous: Previous | None,
    settings: FetchSettings,
    limiter: HostLimiter,
    parent_url: str | None = None,
) -> Fetched:
    """One attempt at ``url``: conditional when ``previous`` has validators; redirects followed by hand,
    each hop in its host's ``limiter`` slot."""
    headers = {}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    base = Fetched(url=url, outcome="failed", parent_url=parent_url)

    def failed(
        error: str, status: int | None = None, retryable: bool = False, wait: float | None = None
    ) -> Fetched:
        return replace(
            base,
            status=status,
            error=error,
            retryable=retryable,
            retry_after=wait,
            fetched_at=datetime.now(UTC),
        )

    current = url
    for _hop in range(settings.max_redirects + 1):
        try:
            scheme = urlsplit(current).scheme
            if scheme not in {"http", "https"}:
                return failed(f"redirected to a {scheme or 'relative'} URL, only http and https are followed")
            with limiter.slot(current) as started, http.stream("GET", current, headers=headers) as response:
                deadline = started + settings.deadline_seconds
                status = response.status_code
                if status in REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        return failed(f"HTTP {status} without a Location", status)
                    current = urljoin(current, location)
                    continue
                if status == 304:
                    if not headers or previous is None or previous.sha256 is None:
                        return failed("HTTP 304 Not Modified to a request that was not conditional", status)
                    return replace(
                        base,
                        outcome="not_modified",
                        status=304,
                        final_url=current,
                        sha256=previous.sha256,
                        etag=response.headers.get("etag") or previous.etag,
                        last_modified=response.headers.get("last-modified") or previous.last_modified,
                        fetched_at=datetime.now(UTC),
                    )
                reason = f"HTTP {status} {response.reason_phrase}".strip()
                if status == 429 or status >= 500:
                    return failed(reason, status, True, retry_after(response.headers.get("retry-after")))
                if status >= 400:
                    return failed(reason, status)
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
                    if time.monotonic() > deadline:
                        limit = settings.deadline_seconds
                        return failed(
                            f"the answer took more than the {limit:g} s deadline ({size} bytes)", status
                        )
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
            return failed(
                f"timed out after {settings.timeout_seconds:g} s {_WHILE.get(type(e), '')}".rstrip(),
                retryable=True,
            )
        except httpx.TransportError as e:
            return failed(f"{_TRANSPORT.get(type(e), 'the connection failed')}: {e}", retryable=True)
        except httpx.DecodingError as e:
            encoding = response.headers.get("content-encoding", "?")
            return failed(f"the body is not valid {encoding} as its Content-Encoding says: {e}", status)
        except Exception as e:  # whatever else goes wrong is this URL's failure, not the night's
            return failed(f"the fetch failed unexpectedly: {e}")
    return failed(f"more than {settings.max_redirects} redirects (a redirect loop?)")
