"""The data dictionary: every table, view and column described in the warehouse itself (COMMENT ON).

The descriptions are written once, beside the SQL: a table's comment line above its CREATE TABLE and a
trailing comment on each column (sql/schema.sql, sql/fetches.sql); a view's header line and a trailing
comment on each column of its final SELECT (sql/<layer>/<view>.sql). ``apply_comments`` copies them into
the warehouse; ``markdown`` writes docs/data_dictionary.md from the warehouse's own catalog (of a fresh
warehouse: ``views.fresh_dictionary``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

import duckdb

from gongkai.load.sqlfiles import ViewFile, view_files

TABLE_FILES = ("schema.sql", "fetches.sql")
_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*?)\n\);", re.S)
_TABLE_HEADER = re.compile(r"^--\s*(\w+):\s*(\S.*)$")
_TABLE_COLUMN = re.compile(r"^\s+(\w+)\s+[A-Z].*?--\s*(\S.*)$")
_CONSTRAINTS = {"PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT"}
_ALIAS = re.compile(r'\bas\s+("?)([A-Za-z_]\w*)\1\s*,?\s*$', re.I)
_PLAIN = re.compile(r'^\s*(?:\w+\.)?("?)([A-Za-z_]\w*)\1\s*,?\s*$')


@dataclass
class Described:
    kind: str  # table | view
    name: str
    description: str
    columns: dict[str, str] = field(default_factory=dict)
    layer: str = ""
    types: dict[str, str] = field(default_factory=dict)


def _split_comment(line: str) -> tuple[str, str]:
    """Code and trailing comment of one SQL line (a ``--`` inside a string literal is not a comment)."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == "'":
            in_string = not in_string
        elif not in_string and line.startswith("--", i):
            return line[:i], line[i + 2 :].strip()
    return line, ""


def table_docs() -> list[Described]:
    """The tables of sql/schema.sql and sql/fetches.sql with their comments, in file order."""
    out = []
    root = resources.files("gongkai.sql")
    for name in TABLE_FILES:
        text = root.joinpath(name).read_text(encoding="utf-8")
        for m in _CREATE_TABLE.finditer(text):
            before = text[: m.start()].rstrip("\n").splitlines()
            header = _TABLE_HEADER.match(before[-1]) if before else None
            description = header.group(2).strip() if header and header.group(1) == m.group(1) else ""
            columns = {}
            for line in m.group(2).splitlines():
                col = _TABLE_COLUMN.match(line)
                if col and col.group(1).upper() not in _CONSTRAINTS:
                    columns[col.group(1)] = col.group(2).strip()
            out.append(Described("table", m.group(1), description, columns))
    return out


def view_columns(sql: str) -> dict[str, str]:
    """The column comments of a view's final SELECT: ``name -> comment``."""
    select = sql.split("\nselect", 1)[-1].split("\nfrom", 1)[0]
    columns = {}
    for line in select.splitlines()[1:]:
        code, comment = _split_comment(line)
        if not comment or not code.strip():
            continue
        m = _ALIAS.search(code) or _PLAIN.match(code)
        if m:
            columns.setdefault(m.group(2), comment)
    return columns


def view_docs(views: tuple[ViewFile, ...] | None = None) -> list[Described]:
    """The views of the view files (the package's by default) with their comments."""
    return [
        Described("view", v.name, v.description, view_columns(v.sql), v.layer) for v in views or view_files()
    ]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def apply_comments(con: duckdb.DuckDBPyConnection, views: tuple[ViewFile, ...] | None = None) -> int:
    """COMMENT ON every table, view and column that the SQL files describe (``views``: the view files,
    the package's by default); the number of comments."""
    existing = {
        (r[0], r[1])
        for r in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
    }
    names = {name for name, _ in existing}
    statements = []
    for d in [*table_docs(), *view_docs(views)]:
        if d.name not in names:
            continue
        kind = "TABLE" if d.kind == "table" else "VIEW"
        if d.description:
            statements.append(f"COMMENT ON {kind} {d.name} IS {_quote(d.description)}")
        for column, comment in d.columns.items():
            if (d.name, column) in existing:
                statements.append(f'COMMENT ON COLUMN {d.name}."{column}" IS {_quote(comment)}')
    for statement in statements:
        con.execute(statement)
    return len(statements)


def catalog(con: duckdb.DuckDBPyConnection) -> list[Described]:
    """The tables and views of the warehouse with the comments stored in it (tables, then views by layer)."""
    layers = {v.name: v.layer for v in view_files()}
    objects = con.execute(
        """
        SELECT 'table' AS kind, table_name AS name, comment FROM duckdb_tables()
        WHERE NOT internal AND schema_name = 'main'
        UNION ALL
        SELECT 'view', view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'
        """
    ).fetchall()
    columns = con.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns()"
        " WHERE NOT internal AND schema_name = 'main' ORDER BY table_name, column_index"
    ).fetchall()
    by_table: dict[str, dict[str, str]] = {}
    types: dict[tuple[str, str], str] = {}
    for table, column, data_type, comment in columns:
        by_table.setdefault(table, {})[column] = comment or ""
        types[(table, column)] = data_type
    out = [
        Described(
            kind,
            name,
            comment or "",
            by_table.get(name, {}),
            layers.get(name, ""),
            {c: types[(name, c)] for c in by_table.get(name, {})},
        )
        for kind, name, comment in objects
        if not name.startswith("_")
    ]
    order = {"": 0, "staging": 1, "marts": 2, "flags": 3}
    out.sort(key=lambda d: (d.kind != "table", order.get(d.layer, 9), d.name))
    return out


def undocumented(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Tables, views and columns of the warehouse without a comment (the test wants none)."""
    missing = []
    for d in catalog(con):
        if not d.description:
            missing.append(d.name)
        missing += [f"{d.name}.{c}" for c, text in d.columns.items() if not text]
    return missing


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(con: duckdb.DuckDBPyConnection) -> str:
    """docs/data_dictionary.md: every table and view of the warehouse with its columns, from COMMENT ON."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from the warehouse's own comments (`COMMENT ON`), which come from the SQL files in",
        "`sql/`. Regenerate with `gongkai dictionary -o docs/data_dictionary.md`; in the warehouse, read",
        "them with `SELECT * FROM duckdb_columns()` (column `comment`).",
        "",
    ]
    sections = [("table", "", "Tables"), ("view", "staging", "Staging views"), ("view", "marts", "Marts")]
    sections.append(("view", "flags", "Flags (each returns failing rows only)"))
    objects = catalog(con)
    for kind, layer, title in sections:
        chosen = [d for d in objects if d.kind == kind and (kind == "table" or d.layer == layer)]
        if not chosen:
            continue
        lines += [f"## {title}", ""]
        for d in chosen:
            lines += [f"### `{d.name}`", "", _cell(d.description), ""]
            lines += ["| column | type | description |", "|---|---|---|"]
            lines += [f"| `{c}` | {d.types[c]} | {_cell(text)} |" for c, text in d.columns.items()]
            lines.append("")
    rules = con.execute(
        "SELECT rule, severity, category, view_name, threshold, description_zh FROM flag_rules"
        " ORDER BY sort_order"
    ).fetchall()
    if rules:
        lines += ["## Flag rules (table `flag_rules`)", ""]
        lines += ["| rule | severity | category | view | threshold | description |"]
        lines += ["|---|---|---|---|---|---|"]
        lines += [
            f"| `{r}` | {sev} | {cat} | `{view}` | {'' if th is None else th} | {_cell(text)} |"
            for r, sev, cat, view, th, text in rules
        ]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
