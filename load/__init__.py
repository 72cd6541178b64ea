"""Load: the DuckDB warehouse, its views and exports.

files (connections, the writer's copy swapped in) · schema (tables, dimensions, flag_rules, derived
tables) · records (ReportRecord, built once, checked once) · loader (the group load) · runs ·
sqlfiles (the SQL files and their headers) · views (created in dependency order) · dictionary
(COMMENT ON, docs/data_dictionary.md) · export (read-only queries and exports) · fetches (the fetch log).
"""
