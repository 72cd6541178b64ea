"""Transforms (polars): raw cells into the validated tidy frame."""
