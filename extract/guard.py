"""Every extraction in a child process with a time and a memory limit, whatever the reader does.

:class:`Guard` starts one child (``python -m gongkai.extract.guard``) and reuses it report after
report: the child caps its own address space (``RLIMIT_AS``), the parent gives each report a
deadline. A report that passes a limit, or kills its child, is a failed Extraction with the reason
in words; the child is killed and a fresh one serves the next report. The child runs in its own
session, so Ctrl-C reaches the parent only, which kills it on the way out.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import os
import pickle
import resource
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from types import TracebackType

from gongkai.limits import Limits, NotAReportFile, read_report
from gongkai.model import Extraction, Picture

_HEADER = struct.Struct("!Q")
_PR_SET_PDEATHSIG = 1
_OUT_OF_MEMORY = pickle.dumps(("MemoryError", 0.0))
_GRACE_SECONDS = 2.0  # for the child to stop its LibreOffice on SIGTERM before SIGKILL


def failed(source: str, sha256: str, reason: str, file_type: str = "unknown") -> Extraction:
    return Extraction(source, sha256, file_type, "failed", reason)


def extract_guarded(
    data: bytes,
    source: str,
    year_hint: int | None,
    content_type: str | None,
    ocr: bool = True,
    pictures: dict[str, Picture] | None = None,
    seconds: float | None = None,
) -> Extraction:
    """Extract one report's bytes; any error becomes a failed Extraction with the reason."""
    from gongkai.extract.report import extract_bytes

    try:
        return extract_bytes(
            data, source, year_hint, content_type, ocr=ocr, pictures=pictures, seconds=seconds
        )
    except MemoryError:
        raise
    except Exception as e:  # one report's bug must not stop the run; the reason is kept
        where = traceback.extract_tb(e.__traceback__)[-1]
        return failed(
            source,
            "",
            f"extractor error: {type(e).__name__}: {e} ({Path(where.filename).name}:{where.lineno})",
        )


class ChildDied(Exception):
    """The child ended or closed its pipe without an answer."""


class Guard:
    """A reusable extraction child under ``limits``; a context manager: the child is killed on exit."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits.from_env()
        self.child: subprocess.Popen[bytes] | None = None
        self.last_cpu_seconds = 0.0  # the child's CPU time for the last report

    def __enter__(self) -> Guard:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _start(self) -> subprocess.Popen[bytes]:
        if self.child is None or self.child.poll() is not None:
            self.child = subprocess.Popen(
                [sys.executable, "-m", "gongkai.extract.guard", str(self.limits.memory_bytes)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
        return self.child

    def stop(self) -> None:
        """End the child: SIGTERM (it stops its LibreOffice), then SIGKILL to its whole group."""
        child, self.child = self.child, None
        if child is None:
            return
        with contextlib.suppress(OSError):
            child.stdin.close()  # type: ignore[union-attr]
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(_GRACE_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        with contextlib.suppress(OSError):
            child.stdout.close()  # type: ignore[union-attr]

    def extract(
        self,
        data: bytes,
        source: str,
        year_hint: int | None = None,
        content_type: str | None = None,
        pictures: dict[str, Picture] | None = None,
    ) -> Extraction:
        """One report's Extraction, read by the child within the limits; never raises for bad input.
        ``pictures``: the page's pictures fetched for it, by URL."""
        child = self._start()
        self.last_cpu_seconds = 0.0
        deadline = time.monotonic() + self.limits.seconds
        try:
            request = (data, source, year_hint, content_type, self.limits.ocr, pictures, self.limits.seconds)
            _send(child, request)
            answer, self.last_cpu_seconds = _receive(child, deadline)
        except TimeoutError:
            self.stop()
            reason = self.limits.too_slow()
        except (ChildDied, BrokenPipeError, EOFError, pickle.UnpicklingError):
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(_GRACE_SECONDS)  # its own end, not our SIGTERM, says what happened
            reason = _death(child, self.limits)
            self.stop()
        else:
            if answer == "MemoryError":
                self.stop()  # a child that ran out of memory is not trusted with the next report
                reason = self.limits.too_big()
            else:
                return answer
        return failed(source, hashlib.sha256(data).hexdigest(), reason)

    def extract_path(self, path: Path | str, year_hint: int | None = None) -> Extraction:
        """A local report file, checked (a regular file within the size cap) before it is read."""
        try:
            data = read_report(path, self.limits.max_bytes)
        except NotAReportFile as e:
            return failed(
                str(path), hashlib.sha256(f"unreadable\0{path}".encode()).hexdigest(), str(e), "missing"
            )
        return self.extract(data, str(path), year_hint)


_WORKER = threading.local()


def worker_guard(ocr: bool | None = None) -> Guard:
    """This worker thread's Guard, reused across its batches: the child's start and imports are paid
    once per worker. It ends with the process (``atexit``, and the child dies with its parent anyway)."""
    limits = Limits.from_env(ocr=ocr)
    guard = getattr(_WORKER, "guard", None)
    if guard is None or guard.limits != limits:
        if guard is not None:
            guard.stop()
        guard = _WORKER.guard = Guard(limits)
        atexit.register(guard.stop)
    return guard


def _death(child: subprocess.Popen[bytes], limits: Limits) -> str:
    code = child.poll()
    if code is None:
        return "the reader stopped answering; stopped"
    if code < 0:
        name = signal.Signals(-code).name
        if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            return f"the reader died ({name}); it may have {limits.too_big()}"
        return f"the reader was stopped by {name}"
    return f"the reader ended unexpectedly (exit status {code}); it may have {limits.too_big()}"


def _send(child: subprocess.Popen[bytes], message: object) -> None:
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    pipe = child.stdin
    assert pipe is not None
    pipe.write(_HEADER.pack(len(payload)))
    pipe.write(payload)
    pipe.flush()


def _receive(child: subprocess.Popen[bytes], deadline: float) -> object:
    """The child's answer, read as it comes; TimeoutError past ``deadline``."""
    fd = child.stdout.fileno()  # type: ignore[union-attr]
    buffer = bytearray()
    wanted = _HEADER.size
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(buffer) < wanted:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise TimeoutError
            chunk = os.read(fd, max(1 << 16, wanted - len(buffer)))
            if not chunk:
                raise ChildDied
            buffer += chunk
            if wanted == _HEADER.size and len(buffer) >= _HEADER.size:
                wanted += _HEADER.unpack_from(buffer)[0]
    return pickle.loads(memoryview(buffer)[_HEADER.size :])


def _die_with_parent() -> None:
    """Linux: the kernel kills this child when the process that started it ends, however it ends."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent ended before the line above
        sys.exit(1)


def _serve(memory_bytes: int) -> None:
    """The child: read a request, answer with its Extraction (or "MemoryError"), until stdin closes."""
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a reader's print() never corrupts the answers
    reading = False

    def on_sigterm(*_: object) -> None:
        if reading:
            sys.exit(1)  # the reader's finally blocks stop its LibreOffice
        os._exit(0)  # idle or shutting down: nothing to clean, and no traceback on a shared stderr

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    import gongkai.extract.report  # noqa: F401  (loaded once, before the first report)

    while header := requests.read(_HEADER.size):
        data, *request = pickle.loads(requests.read(_HEADER.unpack(header)[0]))
        started = time.process_time()
        reading = True
        try:
            payload = pickle.dumps(
                (extract_guarded(data, *request), time.process_time() - started),
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        except MemoryError:
            payload = _OUT_OF_MEMORY  # made beforehand: here, even a small allocation may fail
        data, request, reading = None, [], False
        answers.write(_HEADER.pack(len(payload)))
        answers.write(payload)
        answers.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
