"""The raw archive: every fetched body under ``data/raw/<sha[:2]>/<sha256>``, never overwritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


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
