"""The format's own identities (勾稽关系) R1–R4, declared once: which cells each one adds up.

- R1, in each applicant column of table 三: 一 + 二 = 三（七）总计 + 四;
- R2, in each applicant column: 三（七）总计 = （一）+ … +（六）, the result rows as the report prints them;
- R3, in each row of table 三: 总计 = the six applicant columns;
- R4, in each row of table 四: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结.

The extractors prove their readings with them (extract/tables.py, extract/pdf.py); the warehouse flags
their failures in sql/flags/flag_r1_balance.sql … flag_r4_appeals_total.sql, which the tests check
against this declaration. An identity with a part unknown (NULL) is not judged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from gongkai import taxonomy

Key = tuple[str, str, str]
TOLERANCE = 1e-6
BALANCE_ROWS = ("new", "carried_in", "handled_total", "carried_out")


@dataclass(frozen=True)
class Identity:
    """``expected`` adds up to ``printed``: rows in each column (``along="rows"``) or columns in each row.

    ``expected`` None: the table's rows other than the balance rows (R2's result rows, which depend on
    how the report prints （六）)."""

    rule: str
    table: str
    along: str  # "rows" | "columns": what the parts are
    expected: tuple[str, ...] | None
    printed: tuple[str, ...]
    total_first: bool  # how the template writes it: 总计 = … (True) or 一 + 二 = … (False)

    def parts(self, lines: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The expected and the printed parts, for a table with these rows (or columns)."""
        if self.expected is not None:
            return self.expected, self.printed
        return tuple(r for r in lines if r not in BALANCE_ROWS), self.printed

    def weights(self, lines: Sequence[str]) -> dict[str, int]:
        """Each part's weight in the residual (expected − printed): +1 or −1."""
        expected, printed = self.parts(lines)
        return {p: 1 for p in expected} | {p: -1 for p in printed}


R1 = Identity("R1", "requests", "rows", ("new", "carried_in"), ("handled_total", "carried_out"), False)
R2 = Identity("R2", "requests", "rows", None, ("handled_total",), True)
R3 = Identity("R3", "requests", "columns", taxonomy.APPLICANT_COLUMNS[:-1], ("total",), True)
R4 = Identity("R4", "appeals", "columns", ("upheld", "corrected", "other", "pending"), ("total",), True)
IDENTITIES = (R1, R2, R3, R4)


@dataclass(frozen=True)
class Check:
    """One identity in one column (R1, R2) or one row (R3, R4), as a flag names it."""

    identity: Identity
    row: str | None  # the flag's row_code: the printed row (None: R1's two)
    column: str  # the flag's column_code
    expected: tuple[Key, ...]
    printed: tuple[Key, ...]

    @property
    def rule(self) -> str:
        return self.identity.rule

    @property
    def parts(self) -> tuple[Key, ...]:
        """Every cell of the identity, expected then printed."""
        return (*self.expected, *self.printed)

    @property
    def signed(self) -> tuple[tuple[Key, int], ...]:
        """Every cell with its sign in the residual: +1 expected, −1 printed."""
        return (*((k, 1) for k in self.expected), *((k, -1) for k in self.printed))

    def _known(self, value: Mapping[Key, float | None]) -> tuple[float, set[int]]:
        """expected − printed over the known parts, and the signs the unknown parts stand with."""
        total, unknown = 0.0, set()
        for key, sign in self.signed:
            v = value.get(key)
            if v is None:
                unknown.add(sign)
            else:
                total += sign * v
        return total, unknown

    def residual(self, value: Mapping[Key, float | None]) -> float | None:
        """expected − printed; None when a part is unknown (not shown, or absent)."""
        total, unknown = self._known(value)
        return None if unknown else total

    def holds(self, value: Mapping[Key, float | None]) -> bool | None:
        """Whether the identity holds; None when it cannot be judged."""
        r = self.residual(value)
        return None if r is None else abs(r) <= TOLERANCE

    def can_hold(self, value: Mapping[Key, float | None]) -> bool:
        """Whether the identity can hold with its unknown parts counts (whole, not negative): it holds
        when all are known; one whose unknowns all stand on one side needs the other to be the larger."""
        known, sides = self._known(value)
        if not sides:
            return abs(known) <= TOLERANCE
        return len(sides) == 2 or -known * sides.pop() >= -TOLERANCE

    def forces_zeros(self, value: Mapping[Key, float | None]) -> bool:
        """Whether the identity leaves its unknown parts (some) no value but 0: they all stand on one
        side and the known parts balance, and counts are never negative."""
        known, sides = self._known(value)
        return len(sides) == 1 and abs(known) <= TOLERANCE

    @property
    def cells(self) -> str:
        """The cells, as the flag views list them (``requests.new.total + … = …``)."""
        expected, printed = (" + ".join(".".join(k) for k in keys) for keys in (self.expected, self.printed))
        return f"{printed} = {expected}" if self.identity.total_first else f"{expected} = {printed}"


@cache
def checks(requests_rows: tuple[str, ...], appeals_rows: tuple[str, ...]) -> tuple[Check, ...]:
    """Every check of a report whose table 三 has ``requests_rows`` and table 四 ``appeals_rows``."""
    out: list[Check] = []
    lines = {"requests": requests_rows, "appeals": appeals_rows}
    for identity in IDENTITIES:
        rows = lines[identity.table]
        expected, printed = identity.parts(rows)
        if identity.along == "rows":
            for column in taxonomy.APPLICANT_COLUMNS:
                out.append(
                    Check(
                        identity,
                        printed[0] if len(printed) == 1 else None,
                        column,
                        tuple((identity.table, r, column) for r in expected),
                        tuple((identity.table, r, column) for r in printed),
                    )
                )
        else:
            for row in rows:
                out.append(
                    Check(
                        identity,
                        row,
                        printed[0],
                        tuple((identity.table, row, c) for c in expected),
                        tuple((identity.table, row, c) for c in printed),
                    )
                )
    return tuple(out)


def positions(identity: Identity, columns: Sequence[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Where an identity's expected and printed columns stand in a row printed in ``columns`` order."""
    expected, printed = identity.parts(columns)
    return tuple(columns.index(c) for c in expected), tuple(columns.index(c) for c in printed)


def adds_up(numbers: Sequence[float | None], at: tuple[tuple[int, ...], tuple[int, ...]]) -> bool:
    """Whether a row's numbers (``positions`` gives ``at``) keep the identity; False with one unknown."""
    if None in numbers:
        return False
    expected, printed = at
    total = 0.0
    for i in expected:
        total += numbers[i]  # type: ignore[operator]
    for i in printed:
        total -= numbers[i]  # type: ignore[operator]
    return abs(total) <= TOLERANCE
