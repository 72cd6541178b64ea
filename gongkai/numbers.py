"""The grammar of a printed number, and the one set of blank markers.

A value cell prints a number: an optional sign, digits with optional thousands separators (``1,234``),
an optional decimal part, perhaps a unit (``5 件``, ``24252.31 万元``) and a note in parentheses
(``22（其中修订16件）``); or it is printed blank, with a marker (``/``, ``—``, ``无``), and counts 0.
Full-width digits and signs fold to ASCII (NFKC, or ``FULLWIDTH``); a negative number may print its
sign as a minus sign or a dash (``−2``, ``–2``): ``signed``. A number beyond what its cell can
believably hold (``largest_believable``: a count of applications above 10^7…) is not taken: ``absurd``.
Every extractor, the transform and the identity checks read numbers and blanks through this module.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SIGN = r"[-+]"
NUMBER = SIGN + r"?\d+(?:,\d{3})*(?:\.\d+)?"  # as printed: 7, -3, 1,234, 7730.28
PLAIN_NUMBER = SIGN + r"?\d+(?:\.\d+)?"  # once its thousands separators are taken out
THOUSANDS_SEPARATOR = r"(\d),(\d{3})"  # a comma between digits that groups thousands
UNITS = ("万元", "元", "件", "条", "个", "项", "次")
UNIT = "(?:" + "|".join(UNITS) + ")"
AMOUNT_UNIT = "(万元|元)"  # the units an amount is converted between
MINUS_SIGNS = "\u2212\u2012\u2013\u2014"  # a negative number's sign as printed (−2, ‒2, –2, —2)
DASH_SIGNED_NUMBER = "[-+" + MINUS_SIGNS + r"]?\d+(?:,\d{3})*(?:\.\d+)?"  # a number whose sign may be a dash
FULLWIDTH = dict(zip("０１２３４５６７８９．，－＋", "0123456789.,-+", strict=True))

# A cell printed blank, as its text reads after NFKC (``／`` is ``/``, ``－`` is ``-``); a run of em
# dashes (``———``) is one too. EMPTY_FIELD stands for an empty cell between two values, as the line
# writers mark it (a tab-separated row's empty field, a grid's empty value cell).
EMPTY_FIELD = "∅"
BLANK_MARKERS = frozenset({"/", "-", "–", "—", "——", "─", "无", "&nbsp;"})
BLANK = r"(?:/|-|—+|–|─|无|&nbsp;|" + EMPTY_FIELD + ")"
# The largest value a cell can believably hold, by what it counts; beyond it (either sign) the cell is
# NULL, its reason in the report's problems and flagged absurd_value. The warehouse's DECIMAL(18, 6)
# holds less than 10^12: every bound is below it.
MAX_REQUESTS = 10**7  # tables 三 and 四: applications, cases (a whole province receives far fewer)
MAX_ITEMS = 10**9  # table 二's counts: documents, decisions, items (a city's traffic penalties: millions)
MAX_WAN_YUAN = 10**7  # table 二's fees in 万元 (10^11 元)
MAX_YUAN = 10**11  # table 二's procurement in 元
AMOUNT_COLUMNS = {"amount_wan_yuan": "万元", "amount_yuan": "元"}  # a column that holds an amount: its unit
_SPACES = " \t\r\n\u3000\xa0"
_LEADING_NUMBER = re.compile(NUMBER)
_PRINTED_NUMBER = re.compile(rf"{NUMBER}(?:\s?{UNIT})?")


def is_number(text: str | None) -> bool:
    """A cell's text that is a number as printed and nothing more (``7``, ``1,234``, ``12 件``); not
    ``2t``, whose leading number ``value_of`` would take."""
    return text is not None and _PRINTED_NUMBER.fullmatch(text) is not None


def is_value(text: str) -> bool:
    """A cell's text that is a value: a number as printed, or a blank marker."""
    return is_number(text) or is_blank_marker(text)


def is_blank_marker(token: str) -> bool:
    """A token (no spaces, NFKC) that prints a blank cell: a marker or EMPTY_FIELD."""
    return token in BLANK_MARKERS or token == EMPTY_FIELD or (token[:1] == "—" and not token.strip("—"))


def is_blank(text: str) -> bool:
    """A cell's text that prints it blank: nothing (spaces only), or a blank marker."""
    text = text.strip(_SPACES)
    if text and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text).strip(_SPACES)
    return not text or is_blank_marker(text)


def signed(text: str) -> str:
    """A negative number with its sign printed as a minus sign or a dash (``−2``, ``–2``) as ``-2``:
    NFKC leaves these, and the number would lose its sign."""
    if len(text) > 1 and text[0] in MINUS_SIGNS:
        rest = text[1:].lstrip()
        if rest[:1].isdigit():
            return "-" + rest
    return text


@lru_cache(maxsize=4096)
def value_of(text: str | None) -> float | None:
    """The number a printed cell stands for: its leading number, 0 for a blank; None for no cell or for
    text that is neither (no unit conversion: the transform converts amounts)."""
    if text is None:
        return None
    folded = text.strip(_SPACES)
    if not folded.isascii():
        folded = folded.translate(_FULLWIDTH_TABLE)
    m = _LEADING_NUMBER.match(folded)
    if m:
        return float(m.group(0).replace(",", ""))
    return 0.0 if is_blank(text) else None


_FULLWIDTH_TABLE = str.maketrans(FULLWIDTH)


def largest_believable(table: str, column: str) -> int:
    """The largest value (in absolute terms) a cell of ``table`` and ``column`` can believably hold."""
    unit = AMOUNT_COLUMNS.get(column)
    if unit == "万元":
        return MAX_WAN_YUAN
    if unit == "元":
        return MAX_YUAN
    return MAX_ITEMS if table == "active_disclosure" else MAX_REQUESTS


def unit_factor(text: str, column: str) -> float:
    """What a printed amount is multiplied by in its column's unit (``5万元`` in a 元 column: 10000)."""
    unit = AMOUNT_COLUMNS.get(column)
    if unit == "元" and "万元" in text:
        return 10000.0
    if unit == "万元" and "元" in text and "万元" not in text:
        return 0.0001
    return 1.0


def absurd(table: str, column: str, text: str | None) -> str | None:
    """Why a printed cell's number is not believable (``None``: it is, or it prints no number)."""
    value = value_of(signed(text.strip(_SPACES))) if text else None
    if value is None:
        return None
    bound = largest_believable(table, column)
    value *= unit_factor(text, column)
    if abs(value) <= bound:
        return None
    what = AMOUNT_COLUMNS.get(column) or "a count"
    return f"{text.strip(_SPACES)!r} is beyond 10^{len(str(bound)) - 1} ({what}), not believable: left NULL"
