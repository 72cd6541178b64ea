"""The SQL files of the package (sql/): their text, the view files with their headers, the flag rules.

A view file ``sql/<layer>/<view>.sql`` starts with ``-- <view>: description`` and creates that view. A
flag view (sql/flags/) that declares a rule carries it in the header lines that follow::

    -- rule: R5
    -- severity: warning
    -- category: cross_year
    -- order: 5
    -- label_zh: 上年结转与上年报告一致
    -- description_zh: 本年报告……
    -- threshold: 0.8            (optional)

Those headers are the whole rule: ``flag_rules`` is filled from them, and consistency_flags unions every
view that declares one (its ``{flag_views}`` line is written here), so the exports pick it up too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

VIEW_LAYERS = ("staging", "marts", "flags")
FLAG_VIEWS_SLOT = "{flag_views}"
_HEADER = re.compile(r"^--\s*(?P<name>[a-z0-9_]+):\s*(?P<description>\S.*)$")
_RULE_FIELD = re.compile(r"^--\s*(?P<key>[a-z_]+):\s*(?P<value>\S.*)$")
_RULE_KEYS = ("rule", "severity", "category", "order", "label_zh", "description_zh")
_OPTIONAL_RULE_KEYS = ("threshold",)


@dataclass(frozen=True)
class FlagRule:
    """A consistency rule as its flag view declares it: one row of ``flag_rules``."""

    rule: str
    severity: str
    category: str
    view_name: str
    threshold: float | None
    label_zh: str
    description_zh: str
    sort_order: int


@dataclass(frozen=True)
class ViewFile:
    """One view file: its layer (folder), view name, header description and SQL."""

    layer: str
    name: str
    description: str
    sql: str
    rule: FlagRule | None = None


def sql_root() -> Traversable:
    return resources.files("gongkai.sql")


def sql_text(name: str) -> str:
    """The text of ``sql/<name>`` (``schema.sql``, ``derived/wide_requests.sql``, …)."""
    return sql_root().joinpath(name).read_text(encoding="utf-8")


def _sql_files(folder: Traversable) -> list[Traversable]:
    return sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)


def _flag_rule(path: str, name: str, lines: list[str]) -> FlagRule | None:
    """The rule a flag view declares in the header lines after its first (None: it declares none)."""
    fields: dict[str, str] = {}
    for line in lines[1:]:
        found = _RULE_FIELD.match(line)
        if not found or found["key"] not in (*_RULE_KEYS, *_OPTIONAL_RULE_KEYS):
            break
        fields[found["key"]] = found["value"].strip()
    if not fields:
        return None
    missing = [k for k in _RULE_KEYS if k not in fields]
    if missing:
        raise ValueError(f"{path} declares a rule without {', '.join(missing)}")
    threshold = fields.get("threshold")
    return FlagRule(
        rule=fields["rule"],
        severity=fields["severity"],
        category=fields["category"],
        view_name=name,
        threshold=None if threshold is None else float(threshold),
        label_zh=fields["label_zh"],
        description_zh=fields["description_zh"],
        sort_order=int(fields["order"]),
    )


def _read_view(root: Traversable, layer: str, f: Traversable) -> ViewFile:
    name = f.name.removesuffix(".sql")
    path = f"sql/{layer}/{f.name}"
    sql = f.read_text(encoding="utf-8")
    lines = sql.splitlines()
    header = _HEADER.match(lines[0] if lines else "")
    if not header or header["name"] != name:
        raise ValueError(f"{path} must start with '-- {name}: description'")
    if not re.search(rf"create\s+or\s+replace\s+view\s+{name}\b", sql, re.IGNORECASE):
        raise ValueError(f"{path} must CREATE OR REPLACE VIEW {name}")
    rule = _flag_rule(path, name, lines) if layer == "flags" else None
    return ViewFile(layer, name, header["description"].strip(), sql, rule)


def _union_of(rules: list[FlagRule], indent: str) -> str:
    return f"\n{indent}union all by name\n{indent}".join(f"select * from {r.view_name}" for r in rules)


def view_files(root: Traversable | None = None) -> tuple[ViewFile, ...]:
    """The view files of sql/<layer>/*.sql, sorted by layer and file name, headers checked; the
    ``{flag_views}`` line of a flag view becomes the union of every rule's view, in rule order.

    ``root``: another SQL folder laid out like the package's (tests add a rule in a copy)."""
    root = root or sql_root()
    found = [_read_view(root, layer, f) for layer in VIEW_LAYERS for f in _sql_files(root.joinpath(layer))]
    rules = sorted((v.rule for v in found if v.rule), key=lambda r: r.sort_order)
    for field in ("rule", "sort_order"):
        values = [getattr(r, field) for r in rules]
        if len(set(values)) != len(values):
            raise ValueError(f"two flag rules declare the same {field}: {values}")
    slot = re.compile(rf"^(?P<indent>[ \t]*){re.escape(FLAG_VIEWS_SLOT)}[ \t]*$", re.M)
    return tuple(
        ViewFile(
            v.layer, v.name, v.description, slot.sub(lambda m: _union_of(rules, m["indent"]), v.sql), v.rule
        )
        for v in found
    )


def flag_rules(views: tuple[ViewFile, ...] | None = None) -> list[FlagRule]:
    """Every rule the flag views declare, in their order (the rows of ``flag_rules``)."""
    return sorted((v.rule for v in views or view_files() if v.rule), key=lambda r: r.sort_order)


@cache
def sql_sha256() -> str:
    """A hash of every SQL file of the package: the views, the derived tables and the schema."""
    digest = hashlib.sha256()
    root = sql_root()
    for folder in [root, *(root.joinpath(layer) for layer in ("derived", *VIEW_LAYERS))]:
        for f in _sql_files(folder):
            digest.update(f"{folder.name}/{f.name}\0".encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()
