"""Issue 11, part (a): every kind of bad file through ``gongkai parse`` in a child process.

Each kind must end within its time and memory limits with exit code 0, 1 or 2, a readable one-line reason
(no traceback, no raw exception names), and never a wrong number: a cell of a file built from a seed
or a rendered report is its true value or NULL. Kinds that fail today are strict xfails naming the defect.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.hostile import corpus
from tests.hostile.runner import Outcome, gongkai, message_problems, parsed_cells, wrong_numbers

TIMEOUT = 40.0
SLOW_TIMEOUT = 120.0
PARALLEL = 3

# The defects of today, by kind (what the strict xfail names). Remove a line when its fix lands.
DEFECTS: dict[str, str] = {}


def _param(case: corpus.Case) -> object:
    marks = [pytest.mark.slow] if case.slow else []
    if case.kind in DEFECTS:
        marks.append(pytest.mark.xfail(strict=True, reason=DEFECTS[case.kind]))
    return pytest.param(case.kind, marks=marks, id=case.kind)


@pytest.fixture(scope="module")
def parsed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """The selected kinds, written and parsed a few at a time (each in its own limited process)."""
    selected = {
        item.callspec.params["kind"]
        for item in request.session.items
        if item.module is request.module and hasattr(item, "callspec")
    }
    cases = [c for c in corpus.CASES if c.kind in selected]
    folder = tmp_path_factory.mktemp("corpus")
    paths = corpus.build(folder, cases)
    workdir = tmp_path_factory.mktemp("cwd")

    def parse(case: corpus.Case) -> tuple[str, Outcome]:
        timeout = SLOW_TIMEOUT if case.slow else TIMEOUT
        return case.kind, gongkai("parse", str(paths[case.kind]), "--csv", timeout=timeout, cwd=workdir)

    with ThreadPoolExecutor(PARALLEL) as pool:
        outcomes = dict(pool.map(parse, cases))
    assert not list(workdir.iterdir()), "a file name ran as a shell command"
    return outcomes


def test_the_corpus_has_at_least_60_kinds_across_every_format() -> None:
    assert len({c.kind for c in corpus.CASES}) == len(corpus.CASES) >= 60
    assert {c.family for c in corpus.CASES} >= {
        "text",
        "html",
        "pdf",
        "docx",
        "ole",
        "wrong_type",
        "filesystem",
    }


@pytest.mark.parametrize("kind", [_param(c) for c in corpus.CASES])
def test_parse_ends_with_a_reason_and_never_a_wrong_number(kind: str, parsed: dict[str, Outcome]) -> None:
    case = corpus.by_kind(kind)
    outcome = parsed[kind]
    problems = message_problems(outcome)
    if not problems and outcome.returncode == 0:
        cells = parsed_cells(outcome.stdout)
        if cells is None:
            problems.append("stdout is not the table,row,column,value CSV")
        elif case.allowed is not None:
            problems += wrong_numbers(cells, case.allowed)
    assert not problems, f"{kind}: {problems}\nstderr: {outcome.stderr[-600:]}"
