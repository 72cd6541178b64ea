"""Word 97-2003 (DOC), WPS and RTF files into DOCX with LibreOffice headless; OLE files inspected first.

Each conversion runs ``soffice --headless --convert-to`` in a temporary directory with a profile of
its own (so conversions can run side by side), in a process group of its own, with a time limit.
On timeout, and after every run, the whole group is killed: no LibreOffice process is left behind.
Encrypted (password-protected) files are recognised from their OLE streams before any conversion.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gongkai.extract.damage import in_words

DEFAULT_TIMEOUT = 120.0  # seconds per conversion; GONGKAI_SOFFICE_TIMEOUT overrides
ENCRYPTED = (
    "password-protected (encrypted) document: it cannot be read without the password; "
    "ask the agency for an unprotected copy"
)


class ConversionError(RuntimeError):
    """LibreOffice is missing, failed, or ran out of time."""


def soffice() -> str | None:
    """The LibreOffice executable, if installed."""
    for name in ("soffice", "libreoffice"):
        path = shutil.which(name)
        if path:
            return path
    for path in ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"):
        if os.access(path, os.X_OK):
            return path
    return None


def _timeout() -> float:
    try:
        return float(os.environ.get("GONGKAI_SOFFICE_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def convert(data: bytes, suffix: str, target: str = "docx", timeout: float | None = None) -> bytes:
    """``data`` (a file ending in ``suffix``, such as ``.doc``) converted to ``target`` by LibreOffice."""
    exe = soffice()
    if exe is None:
        raise ConversionError(
            "LibreOffice (soffice) is not installed: DOC, WPS and RTF files need it to be read "
            "(apt-get install libreoffice-writer-nogui)"
        )
    limit = _timeout() if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="gongkai-office-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        source = work / f"report{suffix}"
        source.write_bytes(data)
        out = work / "out"
        log = work / "soffice.log"
        command = [
            exe,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ]
        env = {**os.environ, "HOME": tmp, "SAL_USE_VCLPLUGIN": "svp"}
        with log.open("wb") as err:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                cwd=tmp,
                env=env,
                start_new_session=True,
            )
            try:
                process.wait(timeout=limit)
            except subprocess.TimeoutExpired:
                _kill_group(process.pid)
                process.wait()
                raise ConversionError(
                    f"LibreOffice did not convert the file within {limit:g} s; stopped"
                ) from None
            finally:
                _kill_group(process.pid)
        produced = out / f"report.{target.split(':')[0]}"
        if not produced.exists() or produced.stat().st_size == 0:
            said = log.read_text(errors="replace").strip().splitlines()
            detail = said[-1] if said else f"exit status {process.returncode}"
            if "could not be loaded" in detail:
                raise ConversionError("a damaged file: LibreOffice could not open it as a document")
            raise ConversionError(f"LibreOffice could not convert the file ({detail})")
        return produced.read_bytes()


@dataclass(frozen=True)
class OleKind:
    """What an OLE compound file holds: ``doc``, ``works``, ``encrypted``, ``excel``, ``powerpoint``,
    ``unknown`` or ``damaged``, and in words why it cannot be read (None when it can be converted)."""

    kind: str
    reason: str | None = None
    file_type: str = "ole"  # doc for Word files (encrypted ones too), wps for Works, else ole


def inspect_ole(data: bytes) -> OleKind:
    """Tell a Word/WPS document from an encrypted file, a spreadsheet or a damaged file."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
    except Exception as e:  # olefile raises OSError and assorted errors on damaged files
        return OleKind("damaged", f"a damaged Word file (DOC/WPS): {in_words(e)}")
    try:
        streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
        if {"EncryptionInfo", "EncryptedPackage"} <= streams:
            return OleKind("encrypted", f"a {ENCRYPTED}")
        if "WordDocument" in streams:
            fib = ole.openstream("WordDocument").read(12)
            if len(fib) < 12:
                return OleKind("damaged", "a damaged DOC file: its WordDocument stream is cut short")
            ident, flags = struct.unpack_from("<H", fib, 0)[0], struct.unpack_from("<H", fib, 10)[0]
            if ident in (0xA5EC, 0xA5DC) and flags & 0x0100:  # FibBase.fEncrypted
                return OleKind("encrypted", f"a {ENCRYPTED}", "doc")
            return OleKind("doc", None, "doc")
        if "Workbook" in streams or "Book" in streams:
            return OleKind("excel", "an Excel workbook (XLS), not a report document")
        if "PowerPoint Document" in streams:
            return OleKind("powerpoint", "a PowerPoint file (PPT), not a report document")
        if "CONTENTS" in streams or "MatOST" in streams:
            return OleKind("works", None, "wps")
        return OleKind("unknown")
    except Exception as e:
        return OleKind("damaged", f"a damaged Word file (DOC/WPS): {in_words(e)}")
    finally:
        ole.close()
