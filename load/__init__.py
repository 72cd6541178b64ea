"""Load: the DuckDB warehouse, its views and exports."""
