"""Raw printed cells into the validated tidy frame (polars): values normalised, codes checked."""

from __future__ import annotations

import polars as pl

from gongkai import taxonomy
from gongkai.agencies import publisher
from gongkai.model import CatalogEntry, Extraction, RawCell
from gongkai.numbers import (
    AMOUNT_UNIT,
    BLANK,
    FULLWIDTH,
    PLAIN_NUMBER,
    THOUSANDS_SEPARATOR,
    largest_believable,
)

_NUMBER = "^" + PLAIN_NUMBER
_BLANK = f"^{BLANK}?$"  # a blank marker, or nothing

TIDY_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.String(),
    "agency": pl.String(),
    "district": pl.String(),
    "year": pl.Int32(),
    "format": pl.String(),
    "table": pl.String(),
    "row": pl.String(),
    "column": pl.String(),
    "value": pl.Float64(),
    "raw": pl.String(),
    "is_blank": pl.Boolean(),
    "annotation": pl.String(),
    "source_file": pl.String(),
    "page": pl.Int32(),
    "line": pl.Int32(),
    "cell_order": pl.Int32(),
    "box_x0": pl.Float64(),
    "box_top": pl.Float64(),
    "box_x1": pl.Float64(),
    "box_bottom": pl.Float64(),
    "confidence": pl.Float64(),
}
BOX = ("box_x0", "box_top", "box_x1", "box_bottom")  # RawCell.box, in PDF points


class CellValidationError(ValueError):
    """An extractor produced a cell the taxonomy does not know, or the same cell twice."""


def validate_cells(cells: list[RawCell]) -> None:
    """Every cell must be a taxonomy code, once."""
    known = taxonomy.by_key()
    seen: set[tuple[str, str, str]] = set()
    for c in cells:
        key = (c.table, c.row, c.column)
        if key not in known:
            raise CellValidationError(f"unknown cell {'.'.join(key)}")
        if key in seen:
            raise CellValidationError(f"duplicated cell {'.'.join(key)}")
        seen.add(key)


def normalise_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``value``, ``is_blank`` and ``annotation`` from ``raw`` (and ``column`` for units).

    Blank markers count 0 (the printed text stays in ``raw``); ``22（其中修订16件）`` is 22 with the
    annotation kept; amounts are converted to the column's own unit (元 or 万元); NULL stays NULL, and
    so does a number beyond what its cell can believably hold (``numbers.largest_believable``).
    """
    text = pl.col("raw").str.replace_many(FULLWIDTH).str.replace_all(r"[\s\u3000\xa0]+", "")
    # thousands separators: twice, because matches cannot overlap (1,234,567)
    digits = text.str.replace_all(THOUSANDS_SEPARATOR, "$1$2").str.replace_all(THOUSANDS_SEPARATOR, "$1$2")
    number = digits.str.extract(_NUMBER, 0).cast(pl.Float64, strict=False)
    unit = digits.str.extract(_NUMBER + AMOUNT_UNIT, 1)
    factor = (
        pl.when((pl.col("column") == "amount_yuan") & (unit == "万元"))
        .then(10000.0)
        .when((pl.col("column") == "amount_wan_yuan") & (unit == "元") & ~text.str.contains("万元"))
        .then(0.0001)
        .otherwise(1.0)
    )
    is_blank = pl.col("raw").is_not_null() & (
        pl.col("raw").str.normalize("NFKC").str.strip_chars(" \t\r\n\u3000\xa0").str.contains(_BLANK)
    )
    annotation = digits.str.replace(_NUMBER + AMOUNT_UNIT + "?", "").str.strip_chars("()（）")
    value = (number * factor).round(6)
    return frame.with_columns(
        value=pl.when(pl.col("raw").is_null())
        .then(None)
        .when(is_blank)
        .then(0.0)
        .when(value.abs() <= _largest_believable())
        .then(value),
        is_blank=is_blank,
        annotation=pl.when(is_blank | pl.col("raw").is_null() | (annotation == ""))
        .then(None)
        .otherwise(annotation),
    )


def _largest_believable() -> pl.Expr:
    bounds = {f"{c.table}.{c.column}": largest_believable(c.table, c.column) for c in taxonomy.cells()}
    key = pl.col("table") + "." + pl.col("column")
    return key.replace_strict(bounds, default=None, return_dtype=pl.Float64)


def tidy_frame(extraction: Extraction, entry: CatalogEntry | None = None) -> pl.DataFrame:
    """The tidy rows of one report, in taxonomy order.

    Agency, district and year: ``agencies.publisher``, as the report's record has them.
    """
    validate_cells(extraction.cells)
    order = taxonomy.order_of(extraction.format)
    who = publisher(extraction, entry)
    base = pl.DataFrame(
        {
            "table": [c.table for c in extraction.cells],
            "row": [c.row for c in extraction.cells],
            "column": [c.column for c in extraction.cells],
            "raw": [c.raw for c in extraction.cells],
            "page": [c.page for c in extraction.cells],
            "line": [c.line for c in extraction.cells],
            "cell_order": [order[(c.table, c.row, c.column)] for c in extraction.cells],
            **{name: [c.box[i] if c.box else None for c in extraction.cells] for i, name in enumerate(BOX)},
            "confidence": [c.confidence for c in extraction.cells],
        },
        schema={
            "table": pl.String(),
            "row": pl.String(),
            "column": pl.String(),
            "raw": pl.String(),
            "page": pl.Int32(),
            "line": pl.Int32(),
            "cell_order": pl.Int32(),
            **dict.fromkeys(BOX, pl.Float64()),
            "confidence": pl.Float64(),
        },
    )
    tidy = normalise_values(base).with_columns(
        report_id=pl.lit(extraction.report_id, pl.String),
        agency=pl.lit(who.agency, pl.String),
        district=pl.lit(who.district, pl.String),
        year=pl.lit(who.year, pl.Int32),
        format=pl.lit(extraction.format, pl.String),
        source_file=pl.lit(extraction.source, pl.String),
    )
    return tidy.select(list(TIDY_SCHEMA)).cast(TIDY_SCHEMA).sort("cell_order")


def format_value(value: float | None) -> str:
    """A value as a plain decimal number (``2``, ``7730.28``, ``-3``); empty for NULL."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")
