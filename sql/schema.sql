-- schema: the warehouse tables and helper macro; idempotent (views live in staging/, marts/, flags/)

-- One row per report file version (the same bytes are the same report_id).
CREATE TABLE IF NOT EXISTS reports (
    report_id VARCHAR PRIMARY KEY,          -- sha256[:16] of the file
    sha256 VARCHAR NOT NULL,                -- sha256 of the file's bytes (hex)
    source VARCHAR,                         -- where the file came from (URL or path)
    file_type VARCHAR,                      -- pdf, html, txt, md, …
    agency VARCHAR,                         -- the reporting agency (document first, catalog second)
    district VARCHAR,                       -- the district or city the agency belongs to
    year INTEGER,                           -- the data year the report covers
    format VARCHAR CHECK (format IN ('2019', '2021')),  -- the national template
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'partial', 'failed', 'needs_ocr')),
    error VARCHAR,                          -- the clear reason when not ok; NULL when ok
    problems VARCHAR NOT NULL DEFAULT '[]', -- JSON array of strings: what the extractor did not find
    extractor_version VARCHAR NOT NULL,     -- version of the extractor that produced the cells
    extracted_at TIMESTAMP NOT NULL,        -- when the extraction ran (UTC)
    n_cells INTEGER NOT NULL,               -- cells stored for this report
    n_null_cells INTEGER NOT NULL           -- of which NULL (not shown in the document)
);

-- The tidy cells (transform.cells.TIDY_SCHEMA), table/row/column renamed to *_code.
CREATE TABLE IF NOT EXISTS cells (
    report_id VARCHAR NOT NULL,
    agency VARCHAR,
    district VARCHAR,
    year INTEGER,
    format VARCHAR,
    table_code VARCHAR NOT NULL,
    row_code VARCHAR NOT NULL,
    column_code VARCHAR NOT NULL,
    value DECIMAL(18, 6),                   -- NULL: the document does not show the cell
    raw VARCHAR,                            -- the printed text
    is_blank BOOLEAN,                       -- printed blank or with a marker (/, -, 无, …): value 0
    annotation VARCHAR,                     -- text printed beside the number
    source_file VARCHAR,
    page INTEGER,
    line INTEGER,
    cell_order INTEGER,                     -- taxonomy order
    PRIMARY KEY (report_id, table_code, row_code, column_code)
);

-- Dimensions from taxonomy.csv, refreshed by ensure_schema().
CREATE TABLE IF NOT EXISTS dim_table (
    table_code VARCHAR PRIMARY KEY,
    label_zh VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_row (
    table_code VARCHAR NOT NULL,
    row_code VARCHAR NOT NULL,
    label_zh VARCHAR NOT NULL,              -- label of the row's first taxonomy line
    formats VARCHAR NOT NULL,               -- the formats that have the row, e.g. '2019 2021'
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (table_code, row_code)
);

CREATE TABLE IF NOT EXISTS dim_column (
    table_code VARCHAR NOT NULL,
    column_code VARCHAR NOT NULL,
    label_zh VARCHAR NOT NULL,              -- label of the column's first taxonomy line
    sort_order INTEGER NOT NULL,
    PRIMARY KEY (table_code, column_code)
);

-- Every taxonomy line; (table, row, column) repeats where the formats label a cell differently.
CREATE TABLE IF NOT EXISTS dim_cell (
    sort_order INTEGER PRIMARY KEY,         -- line number in taxonomy.csv (0-based)
    table_code VARCHAR NOT NULL,
    row_code VARCHAR NOT NULL,
    column_code VARCHAR NOT NULL,
    formats VARCHAR NOT NULL,
    row_label_zh VARCHAR NOT NULL,
    column_label_zh VARCHAR NOT NULL,
    notes VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,                  -- NULL while running (or when the run died)
    n_loaded INTEGER,
    n_skipped INTEGER,
    n_failed INTEGER,
    summary VARCHAR                         -- JSON object
);

-- A decimal as plain text without trailing zeros: 9.000000 -> '9', 8.500000 -> '8.5'.
CREATE OR REPLACE MACRO gk_num(x) AS
    regexp_replace(regexp_replace(CAST(x AS VARCHAR), '(\.[0-9]*[1-9])0+$', '\1'), '\.0+$', '');
