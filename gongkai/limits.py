"""What one report may cost: its size, the time and the memory to read it; local files checked before reading.

The time and memory limits have an environment variable (seconds, megabytes) and a ``gongkai parse``
option. README "Limits" lists them and what a user sees when a report passes one.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
MAX_REPORT_BYTES = 50 * MB  # a report file or a downloaded body (fetch.http's cap too)
TIME_LIMIT_SECONDS = 180.0  # to read one report; above LibreOffice's own 120 s per conversion
MEMORY_LIMIT_BYTES = 2048 * MB  # address space of the process that reads a report
TIME_LIMIT_ENV = "GONGKAI_TIME_LIMIT"  # seconds
MEMORY_LIMIT_ENV = "GONGKAI_MEMORY_LIMIT"  # megabytes
OCR_ENV = "GONGKAI_OCR"  # 0: pictured pages are not recognised (needs_ocr), as ``--no-ocr``


def _env_number(name: str, default: float, scale: float = 1.0) -> float:
    try:
        value = float(os.environ[name]) * scale
    except (KeyError, ValueError):
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class Limits:
    """The limits in force for one run or one ``gongkai parse``."""

    seconds: float = TIME_LIMIT_SECONDS
    memory_bytes: int = MEMORY_LIMIT_BYTES
    max_bytes: int = MAX_REPORT_BYTES
    ocr: bool = True  # recognise pictured pages (the costliest reading)

    @classmethod
    def from_env(
        cls, seconds: float | None = None, memory_mb: float | None = None, ocr: bool | None = None
    ) -> Limits:
        """The defaults, overridden by the environment, overridden by the arguments given."""
        return cls(
            seconds=seconds or _env_number(TIME_LIMIT_ENV, TIME_LIMIT_SECONDS),
            memory_bytes=int((memory_mb or _env_number(MEMORY_LIMIT_ENV, MEMORY_LIMIT_BYTES / MB)) * MB),
            ocr=ocr if ocr is not None else os.environ.get(OCR_ENV, "1").strip() != "0",
        )

    def too_slow(self) -> str:
        return f"took longer than {self.seconds:g} s to read; stopped"

    def too_big(self) -> str:
        return f"needed more than {size_words(self.memory_bytes)} of memory; stopped"


def size_words(n_bytes: int) -> str:
    """``2 GB``, ``300 MB``, ``12 KB``: a size as a person says it."""
    for unit, scale in (("GB", 1024 * MB), ("MB", MB), ("KB", 1024)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{n_bytes} bytes"


class NotAReportFile(OSError):
    """A local source that is not a regular file of an acceptable size; the message says why."""


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _refuse_mode(path: Path, mode: int) -> None:
    for test, what in _KINDS:
        if test(mode):
            raise NotAReportFile(f"cannot read {path}: it is {what}, not a report file")
    if not stat.S_ISREG(mode):
        raise NotAReportFile(f"cannot read {path}: it is not a regular file")


def open_report(path: Path | str, max_bytes: int = MAX_REPORT_BYTES) -> int:
    """A file descriptor of a regular report file of at most ``max_bytes``, opened without blocking
    (a FIFO never hangs the run); anything else raises :class:`NotAReportFile` with the reason."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.lexists(path):
            raise NotAReportFile(f"cannot read {path}: it is a link to a file that does not exist") from None
        raise NotAReportFile(f"cannot read {path}: it does not exist") from None
    except OSError as e:
        raise NotAReportFile(f"cannot read {path}: {e.strerror or e}") from None
    _refuse_mode(path, info.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise NotAReportFile(f"cannot read {path}: {e.strerror or e}") from None
    try:
        info = os.fstat(fd)  # the file opened, not the name checked: it may have changed between
        _refuse_mode(path, info.st_mode)
        if info.st_size > max_bytes:
            raise NotAReportFile(
                f"cannot read {path}: it is {size_words(info.st_size)}, more than the "
                f"{size_words(max_bytes)} cap for a report file"
            )
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_report(path: Path | str, max_bytes: int = MAX_REPORT_BYTES) -> bytes:
    """The bytes of a local report file, checked by :func:`open_report` before any is read."""
    with os.fdopen(open_report(path, max_bytes), "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after the check
        raise NotAReportFile(
            f"{path} is more than the {size_words(max_bytes)} cap for a report file; not read"
        )
    return data
