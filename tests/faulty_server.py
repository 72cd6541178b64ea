"""A misbehaving HTTP server on 127.0.0.1, in a thread: every way a government web server fails.

Each fault is a path. Every answer is bounded: at most ``MAX_REQUESTS`` per path (then a plain 404),
no sleep or trickle longer than ``MAX_STALL`` seconds, and ``stop()`` wakes every sleeper.
"""

from __future__ import annotations

import gzip
import socket
import threading
import zlib
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.expected import SEEDS

MAX_REQUESTS = 12
MAX_STALL = 5.0  # seconds a slow answer may take, at most (under the fetch timeout of 20 s)
SEED_002 = (SEEDS / "002_75fd27514a3859df.txt").read_bytes()
SEED_003 = (SEEDS / "003_da09ef5f53b79caf.txt").read_bytes()
SEED_004 = (SEEDS / "004_eff542c003e52132.txt").read_bytes()
PINGTAN_2019 = (SEEDS / "pingtan-2019-crawl.txt").read_bytes()
TEXT = "text/plain; charset=utf-8"

Fault = Callable[["FaultyHandler", int], None]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gzip_bomb(size: int) -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: the gzip container
    block = b"\0" * (1024 * 1024)
    return b"".join(squeeze.compress(block) for _ in range(size // len(block))) + squeeze.flush()


class FaultyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FaultyServer

    def answer(
        self, code: int, headers: dict[str, str], body: bytes = b"", length: int | None = None
    ) -> None:
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        n = self.server.count(path)
        fault = FAULTS.get(path)
        try:
            if fault is None or n > MAX_REQUESTS:
                self.answer(404, {"Content-Type": TEXT}, b"not found")
            else:
                fault(self, n)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        pass


def ok(body: bytes, content_type: str = TEXT) -> Fault:
    return lambda h, n: h.answer(200, {"Content-Type": content_type}, body)


def status(code: int, headers: dict[str, str] | None = None) -> Fault:
    return lambda h, n: h.answer(
        code, {"Content-Type": "text/html", **(headers or {})}, f"<h1>{code}</h1>".encode()
    )


def fails_then(code: int, body: bytes) -> Fault:
    return lambda h, n: h.answer(code, {"Retry-After": "1"}, b"busy") if n == 1 else ok(body)(h, n)


def slow_headers(h: FaultyHandler, n: int) -> None:
    h.server.stopping.wait(MAX_STALL)
    h.answer(200, {"Content-Type": TEXT}, SEED_003)


def trickle(h: FaultyHandler, n: int) -> None:
    """Headers at once, then one byte a second of a long body, until MAX_STALL: then hang up."""
    h.send_response(200)
    h.send_header("Content-Type", TEXT)
    h.send_header("Content-Length", str(len(SEED_003)))
    h.end_headers()
    for byte in SEED_003[: int(MAX_STALL)]:
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        if h.server.stopping.wait(1.0):
            break
    h.close_connection = True


def reset(h: FaultyHandler, n: int) -> None:
    """An RST instead of an answer (SO_LINGER 0, then close)."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    h.close_connection = True


def close_mid_body(h: FaultyHandler, n: int) -> None:
    h.send_response(200)
    h.send_header("Content-Type", TEXT)
    h.send_header("Content-Length", str(len(SEED_003)))
    h.end_headers()
    h.wfile.write(SEED_003[: len(SEED_003) // 2])
    h.close_connection = True


def huge_length(h: FaultyHandler, n: int) -> None:
    h.answer(200, {"Content-Type": TEXT}, SEED_003, length=10**15)
    h.close_connection = True


def not_modified(h: FaultyHandler, n: int) -> None:
    h.send_response(304)
    h.send_header("ETag", '"never-sent"')
    h.end_headers()


def no_content(h: FaultyHandler, n: int) -> None:
    h.send_response(204)
    h.end_headers()


GZIP_BOMB = _gzip_bomb(1024 * 1024 * 1024)  # 1 GB of zeros in about 1 MB

FAULTS: dict[str, Fault] = {
    "/good/003.txt": ok(SEED_003),
    "/good/004.html-typed.txt": ok(SEED_004, "text/html; charset=utf-8"),  # wrong Content-Type
    "/good/002-after-503.txt": fails_then(503, SEED_002),
    "/500": status(500),
    "/404": status(404),
    "/410": status(410),
    "/429": status(429, {"Retry-After": "1"}),
    "/slow-headers": slow_headers,
    "/trickle": trickle,
    "/reset": reset,
    "/close-mid-body": close_mid_body,
    "/redirect-loop": lambda h, n: h.answer(302, {"Location": "/redirect-loop-2"}),
    "/redirect-loop-2": lambda h, n: h.answer(302, {"Location": "/redirect-loop"}),
    "/redirect-file": lambda h, n: h.answer(302, {"Location": "file:///etc/passwd"}),
    "/redirect-ftp": lambda h, n: h.answer(301, {"Location": "ftp://127.0.0.1/report.txt"}),
    "/redirect-no-location": lambda h, n: h.answer(302, {}),
    "/huge-content-length": huge_length,
    "/wrong-content-type.pdf": ok(PINGTAN_2019, "application/pdf"),
    "/gzip-bomb": lambda h, n: h.answer(200, {"Content-Type": TEXT, "Content-Encoding": "gzip"}, GZIP_BOMB),
    "/bad-gzip": lambda h, n: h.answer(200, {"Content-Type": TEXT, "Content-Encoding": "gzip"}, SEED_003),
    "/gzip-good": lambda h, n: h.answer(
        200, {"Content-Type": TEXT, "Content-Encoding": "gzip"}, gzip.compress(SEED_004, mtime=0)
    ),
    "/204": no_content,
    "/unsolicited-304": not_modified,
}


class FaultyServer(ThreadingHTTPServer):
    """Serves ``FAULTS`` on 127.0.0.1 and an ephemeral port; ``url(path)`` names one fault."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FaultyHandler)
        self.requests: Counter[str] = Counter()
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def count(self, path: str) -> int:
        with self._lock:
            self.requests[path] += 1
            return self.requests[path]

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}{path}"

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass

    def start(self) -> FaultyServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
