"""Crawled text that lost its separators gives every cell exact or NULL, never a wrong number.

Random consistent reports (R1–R4 hold) are written as text, one line per table row, and every row of
values is reshaped the way crawlers and converters print them: cells glued together (``801000081``, a
negative change ``35-15``), a run of equal cells printed once (``265`` for 265 265 265), a minus sign
printed as a dash (``–2``, ``−2``, ``—2``). Whatever the reshaping, each cell reads as its value or
stays NULL.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongkai.extract.report import extract_bytes
from gongkai.numbers import MINUS_SIGNS
from tests.fixtures.cells import Cells, build_cells
from tests.fixtures.document import Grid, Paragraph, build_document
from tests.fixtures_office import values

Shape = Callable[[list[str], random.Random], str]


def spaced(cells: list[str], rng: random.Random) -> str:
    return " ".join(cells)


def glued(cells: list[str], rng: random.Random) -> str:
    return "".join(cells)


def collapsed(cells: list[str], rng: random.Random) -> str:
    """A run of equal cells printed once."""
    return " ".join(c for i, c in enumerate(cells) if i == 0 or cells[i - 1] != c)


def dashed(cells: list[str], rng: random.Random) -> str:
    """A negative number's minus printed as a dash."""
    return " ".join(rng.choice(MINUS_SIGNS) + c[1:] if c.startswith("-") else c for c in cells)


def glued_dashed(cells: list[str], rng: random.Random) -> str:
    return glued(dashed(cells, rng).split(" "), rng)


SHAPES: dict[str, Shape] = {
    "spaced": spaced,
    "glued": glued,
    "collapsed": collapsed,
    "dashed": dashed,
    "glued_dashed": glued_dashed,
}


def text_report(cells: Cells, fmt: str, shape: Callable[[list[str]], str], seed: int) -> str:
    """The report as text: paragraphs, and each table row's labels then its values, reshaped."""
    lines = []
    document = build_document(cells, fmt, "金林区人民政府办公室", 2024, vertical_labels=False, seed=seed)
    for block in document.blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
            continue
        lines += grid_lines(block, shape)
    return "\n".join(lines) + "\n"


def grid_lines(grid: Grid, shape: Callable[[list[str]], str]) -> list[str]:
    out = []
    for r in range(grid.n_rows):
        row = sorted((c for c in grid.cells if c.row == r), key=lambda c: c.col)
        labels = [c.text for c in row if c.kind != "value"]
        printed = [c.text for c in row if c.kind == "value"]
        out.append(" ".join([*labels, shape(printed)] if printed else labels))
    return out


def assert_exact_or_null(cells: Cells, text: str) -> None:
    extraction = extract_bytes(text.encode(), "crawled.txt")
    got = values(extraction)
    wrong = {k: (got.get(k), v) for k, v in cells.items() if got.get(k) is not None and got[k] != v}
    assert not wrong, f"wrong numbers (got, printed): {wrong}"


@pytest.mark.parametrize("shape", SHAPES)
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fmt=st.sampled_from(["2021", "2019"]), seed=st.integers(0, 2**31), mix=st.booleans())
def test_every_cell_of_reshaped_text_is_exact_or_null(shape: str, fmt: str, seed: int, mix: bool) -> None:
    rng = random.Random(seed)
    cells = build_cells(fmt, True, fmt == "2019", rng.randint)
    # every row reshaped the same way, or each row its own way
    names = list(SHAPES)
    reshape = (lambda c: SHAPES[rng.choice(names)](c, rng)) if mix else (lambda c: SHAPES[shape](c, rng))
    assert_exact_or_null(cells, text_report(cells, fmt, reshape, seed))


def test_spaced_text_reads_every_cell() -> None:
    """The renderer is sound: with its separators, every cell is read."""
    rng = random.Random(7)
    for fmt in ("2021", "2019"):
        cells = build_cells(fmt, True, fmt == "2019", rng.randint)
        extraction = extract_bytes(text_report(cells, fmt, lambda c: spaced(c, rng), 7).encode(), "t.txt")
        assert values(extraction) == {k: float(v) for k, v in cells.items()}
