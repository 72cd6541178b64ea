"""Years, report titles and Chinese numerals, as reports and their pages write them.

A report's title names the agency, the year and the report (``金林区人民政府办公室2024年政府信息公开工作
年度报告``); a year may be written in Chinese numerals (``二〇二三年``), and a count too (``二十三件``).
"""

from __future__ import annotations

import re

YEAR = r"20\d{2}"
# the words that name the report
REPORT_NAME = r"(?:政府信息公开(?:工作)?的?(?:年度)?(?:报告|年报)|政务公开(?:工作)?的?年度报告)"
_AGENCY = r"[^\s《》<>\[\]:,。;!?“”\"'#|]"

# titles, in compact text (extract/meta.py reads the agency and the year from them)
AGENCY_FIRST = re.compile(rf"({_AGENCY}{{2,40}}?)\s?({YEAR})\s?年度?\s?(?:本级)?{REPORT_NAME}")
YEAR_FIRST = re.compile(rf"({YEAR})\s?年度?\s?({_AGENCY}{{2,30}}?){REPORT_NAME}")
YEAR_ONLY = re.compile(rf"({YEAR})\s?年度?\s?{REPORT_NAME}")
# a title without a year, at the top of the document (the year is then the statistics period's)
NO_YEAR = re.compile(
    rf"^\W*(?:标题\s?[:：]\s?)?([^\d\s《》<>\[\]:,。;!?“”\"'#|]{{2,40}}?)\s?(?:本级)?{REPORT_NAME}"
)
# words that mention the report, as a page's headings and <title> do (compact text)
MENTIONS_REPORT = re.compile(r"政府信息公开.{0,10}报告")
# A link to a report on an agency's annual-report column (2024年度政府信息公开工作年度报告), by its text.
LINKED_REPORT = re.compile(rf"({YEAR})\s*年度?\s*[^<>\n]{{0,40}}?政府信息公开(?:工作)?\s*年度?\s*报告")
MENTIONS_REPORT_WITH_YEAR = re.compile(rf"{YEAR}\s?年度?.{{0,40}}?政府信息公开.{{0,10}}报告")

# the year the statistics cover: 统计期限自2024年1月1日…, or the 年度 most cited
PERIOD = re.compile(
    rf"统计(?:期限|周期|时限|区间|时间段?|时段|范围|期)[^\d]{{0,12}}({YEAR})\s?年\s?1\s?月\s?1\s?日"
)
YEARLY = re.compile(rf"({YEAR})\s?年度")
YEAR_OF = re.compile(rf"({YEAR})年")  # a year a phrase names

# ------------------------------------------------------------------ Chinese numerals

CHINESE_DIGITS = "零一二三四五六七八九"
LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"  # 大写, as on cheques and Word's chineseLegalSimplified
LEGAL_DIGITS_TRADITIONAL = "零壹貳參肆伍陸柒捌玖"
_DIGIT_VALUE = {ch: i for i, ch in enumerate(CHINESE_DIGITS)} | {"〇": 0, "两": 2}
_UNIT_VALUE = {"十": 10, "百": 100, "千": 1000}
# a year in Chinese numerals: 二〇二三, its zero written 〇, 零, ○ (a circle), Ｏ or O (letters)
_YEAR_ZEROS = "〇零○ＯO"
_CHINESE_YEAR = re.compile(f"二[{_YEAR_ZEROS}][{_YEAR_ZEROS}一二三四五六七八九]{{2}}(?=\\s?年)")
_YEAR_DIGITS = str.maketrans(
    {**{z: "0" for z in _YEAR_ZEROS}, **{ch: str(i) for i, ch in enumerate(CHINESE_DIGITS)}}
)


def arabic_years(text: str) -> str:
    """二〇二三年 → 2023年 (a title, a date or a narrative's year in Chinese numerals); the text keeps its
    length, so positions in it still hold."""
    if "二" not in text:
        return text
    return _CHINESE_YEAR.sub(lambda m: m.group(0).translate(_YEAR_DIGITS), text)


def chinese_number(text: str) -> int | None:
    """``70`` -> 70, ``2,345`` -> 2345, ``两`` -> 2, ``十二`` -> 12, ``一百零五`` -> 105; None when it is
    not a number."""
    if text.replace(",", "").isdigit():
        return int(text.replace(",", ""))
    total, digit = 0, None
    for ch in text:
        if ch in _DIGIT_VALUE:
            if digit is not None and digit != 0:
                return None  # 二三: not a number
            digit = _DIGIT_VALUE[ch]
        elif ch in _UNIT_VALUE:
            total += (1 if digit is None else digit) * _UNIT_VALUE[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def chinese_numeral(n: int, digits: str = CHINESE_DIGITS, ten: str = "十") -> str:
    """1 to 99 as counted in Chinese (``十二``, ``二十``; ``拾贰`` with the legal digits); else Arabic."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else (ten if tens == 1 else digits[tens] + ten)
    return head + (digits[ones] if ones else "") if n >= 10 else digits[n]
