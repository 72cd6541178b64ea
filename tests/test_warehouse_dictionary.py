"""The data dictionary lives in the warehouse (COMMENT ON) and in docs/data_dictionary.md."""

from __future__ import annotations

from pathlib import Path

import duckdb

from gongkai.load import dictionary, fetches, views

DOCS = Path(__file__).resolve().parents[1] / "docs" / "data_dictionary.md"


def test_every_table_view_and_column_is_described_in_the_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    fetches.ensure_table(con)
    views.create_views(con)  # views are replaced: their comments are written again
    assert dictionary.undocumented(con) == []
    comments = dict(
        con.execute(
            "SELECT table_name || '.' || column_name, comment FROM duckdb_columns()"
            " WHERE table_name IN ('reports', 'consistency_flags')"
        ).fetchall()
    )
    assert comments["reports.published_on"] == "publication date the page states (发布时间); NULL: not stated"
    assert comments["consistency_flags.severity"] == "error, warning or info"
    (view_comment,) = con.execute(
        "SELECT comment FROM duckdb_views() WHERE view_name = 'agency_metrics'"
    ).fetchone()
    assert view_comment.startswith("one row per agency and year")


def test_docs_data_dictionary_is_generated_from_the_warehouse() -> None:
    assert DOCS.read_text(encoding="utf-8") == views.fresh_dictionary(), (
        "docs/data_dictionary.md is stale: run `gongkai dictionary -o docs/data_dictionary.md`"
    )


def test_column_comments_are_read_from_the_final_select() -> None:
    sql = """-- v: a view
create or replace view v as
with x as (
    select a as hidden,  -- not this one
)
select
    t.a,                  -- plain
    b as "table",         -- quoted alias
    case
        when c > 0 then 1 -- not a column
    end as flag,          -- the case
    'x -- y' as lit       -- a literal with dashes
from t
"""
    assert dictionary.view_columns(sql) == {
        "a": "plain",
        "table": "quoted alias",
        "flag": "the case",
        "lit": "a literal with dashes",
    }
