"""Extractors: report files (text, PDF, …) into raw cells with provenance."""
