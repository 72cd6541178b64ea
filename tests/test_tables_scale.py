"""The table parser's work grows linearly with the text, however often a row's label is printed."""

from __future__ import annotations

import time

from gongkai.extract.report import extract_bytes
from tests.test_warehouse_flags import seed_text

ROWS = "(一) 予以公开 1 0 0 0 0 0 1 (二) 部分公开 0 0 0 0 0 0 0 "


def with_repeated_labels(size: int) -> bytes:
    """Seed 001 with two rows' labels printed again and again inside table 三, up to ``size`` bytes."""
    text = seed_text()
    at = text.index("四、政府信息公开行政复议")
    return (text[:at] + ROWS * (size // len(ROWS.encode())) + text[at:]).encode()


def _cpu(data: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        extract_bytes(data, "repeated.txt")
        best = min(best, time.process_time() - t0)
    return best


def test_labels_printed_many_times_cost_linear_work() -> None:
    small, large = with_repeated_labels(64 * 1024), with_repeated_labels(256 * 1024)
    assert extract_bytes(large, "repeated.txt").cells
    # CPU time of the process (no wall clock): linear work grows 4 times, the old label chain 16 times
    assert _cpu(large) / _cpu(small) < 8
