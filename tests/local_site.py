"""A real HTTP server on 127.0.0.1 for fetch tests: validators, errors, slowness, redirects, listings."""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Response = tuple[int, dict[str, str], bytes | Iterator[bytes]]  # an iterator is sent chunk by chunk
Route = Callable[["Request"], Response]


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up (a timeout test) is no error worth a traceback."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        pass


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    n: int  # how many times this path was asked, this one included
    at: float = field(default_factory=time.monotonic)


@dataclass
class LocalSite:
    """Routes by path; records every request; counts requests in flight (for politeness tests)."""

    routes: dict[str, Route] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    # ------------------------------------------------------------------ routes

    def static(self, path: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
        """A document with ETag and Last-Modified that answers 304 to a matching conditional GET."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = email.utils.formatdate(1_700_000_000, usegmt=True)

        def route(req: Request) -> Response:
            if req.headers.get("if-none-match") == etag or (
                "if-none-match" not in req.headers and req.headers.get("if-modified-since") == modified
            ):
                return 304, {"ETag": etag, "Last-Modified": modified}, b""
            return 200, {"Content-Type": content_type, "ETag": etag, "Last-Modified": modified}, body

        self.routes[path] = route

    def status(self, path: str, code: int) -> None:
        self.routes[path] = lambda req: (code, {"Content-Type": "text/html"}, f"<h1>{code}</h1>".encode())

    def flaky(self, path: str, body: bytes, failures: int, code: int = 500, retry_after: str = "0") -> None:
        def route(req: Request) -> Response:
            if req.n <= failures:
                return code, {"Retry-After": retry_after}, b"try again"
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, body

        self.routes[path] = route

    def slow(self, path: str, body: bytes, seconds: float) -> None:
        def route(req: Request) -> Response:
            time.sleep(seconds)
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, body

        self.routes[path] = route

    def redirect(self, path: str, location: str) -> None:
        self.routes[path] = lambda req: (302, {"Location": location}, b"")

    def answer(self, path: str, code: int, headers: dict[str, str], body: bytes = b"") -> None:
        """The same answer every time, headers as given (a lying Content-Encoding, a bare 304)."""
        self.routes[path] = lambda req: (code, headers, body)

    def trickle(self, path: str, body: bytes, seconds_per_byte: float) -> None:
        """A body sent one byte at a time."""

        def chunks() -> Iterator[bytes]:
            for i in range(len(body)):
                time.sleep(seconds_per_byte)
                yield body[i : i + 1]

        headers = {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body))}
        self.routes[path] = lambda req: (200, headers, chunks())

    # ------------------------------------------------------------------ serving

    def start(self, host: str = "127.0.0.1") -> LocalSite:
        """Serve on ``host`` (any 127.0.0.0/8 address is this machine) and an ephemeral port."""
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with site._lock:
                    n = sum(1 for r in site.log if r.path == path) + 1
                    req = Request(path, {k.lower(): v for k, v in self.headers.items()}, n)
                    site.log.append(req)
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                try:
                    route = site.routes.get(path)
                    code, headers, body = route(req) if route else (404, {}, b"not found")
                    self.send_response(code)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if isinstance(body, bytes):
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for chunk in [body] if isinstance(body, bytes) else body:
                        if code != 304:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with site._lock:
                        site.in_flight -= 1

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = QuietServer((host, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
