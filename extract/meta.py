"""Agency, data year and district from the report's own words (title, statistics period)."""

from __future__ import annotations

import re
from collections import Counter

_NAME = r"[^\s《》<>\[\]:,。;!?“”\"'#|]"
_REPORT = r"(?:政府信息公开(?:工作)?的?(?:年度)?(?:报告|年报)|政务公开(?:工作)?的?年度报告)"
_TITLE_AGENCY_FIRST = re.compile(rf"({_NAME}{{2,40}}?)\s?(20\d{{2}})\s?年度?\s?(?:本级)?{_REPORT}")
_TITLE_YEAR_FIRST = re.compile(rf"(20\d{{2}})\s?年度?\s?({_NAME}{{2,30}}?){_REPORT}")
_TITLE_YEAR_ONLY = re.compile(rf"(20\d{{2}})\s?年度?\s?{_REPORT}")
# a title without a year, at the top of the document (the year is then the statistics period's)
_TITLE_NO_YEAR = re.compile(
    rf"^\W*(?:标题\s?[:：]\s?)?([^\d\s《》<>\[\]:,。;!?“”\"'#|]{{2,40}}?)\s?(?:本级)?{_REPORT}"
)
_PERIOD = re.compile(
    r"统计(?:期限|周期|时限|区间|时间段?|时段|范围|期)[^\d]{0,12}(20\d{2})\s?年\s?1\s?月\s?1\s?日"
)
_YEARLY = re.compile(r"(20\d{2})\s?年度")
_LEADING_JUNK = re.compile(r"^(?:标题|现发布|现将|特发布|发布|关于|现予公布|公布|本报告|根据|编制)+")
_UNIT = re.compile(
    r"(.{1,10}?(?:自治州|自治县|自治旗|特别行政区|实验区|开发区|新区|林区|特区|省|市|区|县|旗|盟))"
)
_TRAILING_JUNK = re.compile(r"(?:关于|有关)$")
_DOUBLED = re.compile(r"(.{2,40})\1")
_COUNTY = ("自治县", "自治旗", "实验区", "开发区", "新区", "林区", "特区", "区", "县", "旗")


_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "O": "0", "一": "1", "二": "2", "三": "3", "四": "4"}
_CN_DIGITS |= {"五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile("二[〇零○ＯO][〇零○ＯO一二三四五六七八九]{2}(?=\\s?年)")


def _arabic_years(text: str) -> str:
    """二〇二三年 → 2023年 (a title or a date written in Chinese numerals)."""
    if "二" not in text:
        return text
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(0)), text)


def data_year(head: str, text: str) -> int | None:
    """The year the report covers: the title's year, else the statistics period, else 年度 most cited."""
    head, text = _arabic_years(head), _arabic_years(text)
    for pattern in (_TITLE_AGENCY_FIRST, _TITLE_YEAR_FIRST):
        m = pattern.search(head)
        if m:
            return int(m.group(2) if pattern is _TITLE_AGENCY_FIRST else m.group(1))
    for pattern in (_TITLE_YEAR_ONLY, _PERIOD):
        m = pattern.search(head) or pattern.search(text)
        if m:
            return int(m.group(1))
    counts = Counter(int(y) for y in _YEARLY.findall(text))
    return counts.most_common(1)[0][0] if counts else None


def agency(head: str) -> str | None:
    """The agency named in the title, e.g. 金林区人民政府办公室 or 上海市科委."""
    head = _arabic_years(head)
    m = _TITLE_AGENCY_FIRST.search(head)
    name = m.group(1) if m else None
    if name is None:
        m2 = _TITLE_YEAR_FIRST.search(head)
        name = m2.group(2) if m2 else None
    if name is None:
        m3 = _TITLE_NO_YEAR.match(head)
        name = m3.group(1) if m3 else None
    if name is None:
        return None
    name = _TRAILING_JUNK.sub("", _LEADING_JUNK.sub("", name)).strip("()（）、")
    # a page header's 来源：/发布机构：石龙区人民政府办公室 runs into the title's own name
    doubled = _DOUBLED.fullmatch(name)
    if doubled:
        name = doubled.group(1)
    return name if len(name) >= 2 else None


def district(agency_name: str | None) -> str | None:
    """The county-level unit an agency's name begins with (金林区, 洪泽区), else its city (上海市)."""
    if not agency_name:
        return None
    units: list[str] = []
    rest = agency_name
    while True:
        m = _UNIT.match(rest)
        if not m:
            break
        units.append(m.group(1))
        rest = rest[m.end() :]
    county = [u for u in units if u.endswith(_COUNTY)]
    if county:
        return county[0]
    city = [u for u in units if u.endswith(("市", "自治州", "盟"))]
    return city[0] if city else None
