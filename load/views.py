"""The view runner: every view of sql/<layer>/ created in the order of its dependencies, then described.

A view's dependencies are the relations its SQL reads (``from`` / ``join`` a name) that are views; a
name that is neither a view, a table of the schema, nor a CTE of the file is an error naming the view,
and so is a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb

from gongkai.load import dictionary, fetches
from gongkai.load.schema import ensure_schema, refresh_flag_counts
from gongkai.load.sqlfiles import ViewFile, sql_sha256, view_files

_COMMENT = re.compile(r"--[^\n]*")
_STRING = re.compile(r"'(?:[^']|'')*'")
_SKIPPED_FROM = re.compile(r"\b(?:extract|trim|substring)\s*\([^()]*?\bfrom\b|\bdistinct\s+from\b", re.I)
_RELATION = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)\b(?!\s*\()", re.I)
_CTE = re.compile(r"\b([a-z_][a-z0-9_]*)\s+as\s*\(", re.I)


def relations(sql: str) -> set[str]:
    """The relation names a view's SQL reads, but for its own CTEs."""
    code = _SKIPPED_FROM.sub(" ", _STRING.sub("''", _COMMENT.sub("", sql)))
    return {m.lower() for m in _RELATION.findall(code)} - {m.lower() for m in _CTE.findall(code)}


def creation_order(views: Iterable[ViewFile], tables: Iterable[str]) -> list[ViewFile]:
    """The views sorted so that each comes after the views it reads (ties keep the given order)."""
    views = list(views)
    known = {v.name for v in views}
    tables = set(tables)
    needs: dict[str, set[str]] = {}
    for view in views:
        reads = relations(view.sql) - {view.name}
        unknown = sorted(reads - known - tables)
        if unknown:
            raise ValueError(
                f"sql/{view.layer}/{view.name}.sql reads unknown relations: {', '.join(unknown)}"
            )
        needs[view.name] = reads & known
    ordered: list[ViewFile] = []
    done: set[str] = set()
    while len(ordered) < len(views):
        ready = [v for v in views if v.name not in done and needs[v.name] <= done]
        if not ready:
            stuck = sorted(v.name for v in views if v.name not in done)
            raise ValueError(f"views that depend on each other in a cycle: {', '.join(stuck)}")
        ordered.append(ready[0])
        done.add(ready[0].name)
    return ordered


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def create_views(con: duckdb.DuckDBPyConnection, views: tuple[ViewFile, ...] | None = None) -> list[str]:
    """Create or replace every view in dependency order and describe every table, view and column
    (COMMENT ON); returns the view names in the order they were created.

    ``views``: the view files (``sqlfiles.view_files()`` of the package by default; a test passes a copy).
    """
    views = views or view_files()
    ensure_schema(con, views)
    fetches.ensure_table(con)  # failing_sources reads the fetch log
    created = []
    for view in creation_order(views, _tables(con)):
        try:
            con.execute(view.sql)
        except duckdb.Error as error:
            raise RuntimeError(f"sql/{view.layer}/{view.name}.sql does not bind: {error}") from error
        created.append(view.name)
    dictionary.apply_comments(con, views)
    refresh_flag_counts(con)
    con.execute("INSERT OR REPLACE INTO warehouse_meta VALUES ('views_sha256', ?)", [sql_sha256()])
    return created


def views_outdated(con: duckdb.DuckDBPyConnection) -> bool:
    """The views were never created in this file, or by SQL files other than this package's."""
    try:
        rows = con.execute("SELECT value FROM warehouse_meta WHERE key = 'views_sha256'").fetchall()
    except duckdb.CatalogException:
        return True
    return rows != [(sql_sha256(),)]


def fresh_dictionary() -> str:
    """The dictionary of an empty warehouse with every table and view (what docs/data_dictionary.md holds)."""
    con = duckdb.connect()
    try:
        create_views(con)  # the fetch log's table and every comment too
        return dictionary.markdown(con)
    finally:
        con.close()
