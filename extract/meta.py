"""Agency, data year and district from the report's own words (title, statistics period)."""

from __future__ import annotations

import re
from collections import Counter

from gongkai.titles import (
    AGENCY_FIRST,
    NO_YEAR,
    PERIOD,
    YEAR_FIRST,
    YEAR_ONLY,
    YEARLY,
    arabic_years,
)

_LEADING_JUNK = re.compile(r"^(?:标题|现发布|现将|特发布|发布|关于|现予公布|公布|本报告|根据|编制)+")
_UNIT = re.compile(
    r"(.{1,10}?(?:自治州|自治县|自治旗|特别行政区|实验区|开发区|新区|林区|特区|省|市|区|县|旗|盟))"
)
_TRAILING_JUNK = re.compile(r"(?:关于|有关)$")
_DOUBLED = re.compile(r"(.{2,40})\1")
_COUNTY = ("自治县", "自治旗", "实验区", "开发区", "新区", "林区", "特区", "区", "县", "旗")


def data_year(head: str, text: str) -> int | None:
    """The year the report covers: the title's year, else the statistics period, else 年度 most cited."""
    head, text = arabic_years(head), arabic_years(text)
    for pattern in (AGENCY_FIRST, YEAR_FIRST):
        m = pattern.search(head)
        if m:
            return int(m.group(2) if pattern is AGENCY_FIRST else m.group(1))
    for pattern in (YEAR_ONLY, PERIOD):
        m = pattern.search(head) or pattern.search(text)
        if m:
            return int(m.group(1))
    counts = Counter(int(y) for y in YEARLY.findall(text))
    return counts.most_common(1)[0][0] if counts else None


def agency(head: str) -> str | None:
    """The agency named in the title, e.g. 金林区人民政府办公室 or 上海市科委."""
    head = arabic_years(head)
    m = AGENCY_FIRST.search(head)
    name = m.group(1) if m else None
    if name is None:
        m2 = YEAR_FIRST.search(head)
        name = m2.group(2) if m2 else None
    if name is None:
        m3 = NO_YEAR.match(head)
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
