"""District keys: one district, one key, whichever way the catalog or the agency's name spells it.

The district of a report is the catalog's when it gives one, else the county-level unit the agency's
name begins with (洪泽区人民政府 → 洪泽区), else unknown (NULL, flagged ``unknown_district``).
"""

from __future__ import annotations

import re
import unicodedata

from gongkai.extract import meta

_SPACE = re.compile(r"\s+")


def clean_name(name: str | None) -> str | None:
    """A name without whitespace (full-width spaces too); None when nothing is left."""
    if name is None:
        return None
    cleaned = _SPACE.sub("", name.replace("\u3000", " "))
    return cleaned or None


def district_key(name: str | None) -> str | None:
    """The key of a district as written: NFKC, no whitespace, and its county-level unit when it has one
    (江苏省淮安市洪泽区 → 洪泽区, 洪泽区人民政府 → 洪泽区; 上海市 stays 上海市, 金水湖街道 stays as it is).

    Two districts of the same name in different cities (鼓楼区) share a key: a catalog covers one city.
    """
    cleaned = clean_name(unicodedata.normalize("NFKC", name) if name else None)
    if cleaned is None:
        return None
    return meta.district(cleaned) or cleaned


def resolve(catalog_district: str | None, agency: str | None) -> tuple[str | None, str | None]:
    """(district key, where it came from: 'catalog' or 'name'), or (None, None) when unknown."""
    key = district_key(catalog_district)
    if key:
        return key, "catalog"
    key = meta.district(clean_name(agency))
    if key:
        return district_key(key), "name"
    return None, None
