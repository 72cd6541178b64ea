-- schema: the warehouse tables and helper macros; idempotent (views live in staging/, marts/, flags/)
-- Each table is described by the comment line above it and each column by its trailing comment:
-- load/dictionary.py copies them into the warehouse (COMMENT ON) and docs/data_dictionary.md.

-- reports: one row per report file version (the same bytes are the same report_id), loaded or not
CREATE TABLE IF NOT EXISTS reports (
    report_id VARCHAR PRIMARY KEY,          -- sha256[:16] of the file
    sha256 VARCHAR NOT NULL,                -- sha256 of the file's bytes (hex)
    source VARCHAR,                         -- where the file came from (URL or path): the smallest of its report_sources
    file_type VARCHAR,                      -- pdf, html, txt, md, …
    agency VARCHAR,                         -- the reporting agency (the catalog's, else the document's), spaces removed
    district VARCHAR,                       -- the district key (the catalog's, then the agency's name, then the document's); NULL: unknown
    year INTEGER,                           -- the data year the report covers (the catalog's, else the document's)
    format VARCHAR CHECK (format IN ('2019', '2021')),  -- the national template
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'partial', 'failed', 'needs_ocr')),  -- ok, partial, failed or needs_ocr
    error VARCHAR,                          -- the clear reason when not ok; NULL when ok
    problems VARCHAR NOT NULL DEFAULT '[]', -- JSON array of strings: what the extractor did not find
    extractor_version VARCHAR NOT NULL,     -- version of the extractor that produced the cells
    extracted_at TIMESTAMP NOT NULL,        -- when the extraction ran (UTC)
    n_cells INTEGER NOT NULL,               -- cells stored for this report
    n_null_cells INTEGER NOT NULL,          -- of which NULL (not shown in the document)
    published_on DATE,                      -- publication date the page states (发布时间); NULL: not stated
    district_source VARCHAR,                -- where the district came from: catalog or name; NULL: unknown
    agency_printed VARCHAR,                 -- the agency the document prints (NULL: none read); differs from agency when the catalog says otherwise
    district_printed VARCHAR,               -- the district the document names (NULL: none)
    year_printed INTEGER,                   -- the data year the document prints (NULL: none read)
    read_by VARCHAR                         -- how the tables were read: text (a text layer, HTML, DOCX…), ocr (every table page recognised from pictures) or text+ocr; NULL: loaded before OCR existed
);
-- warehouses created before these columns existed
ALTER TABLE reports ADD COLUMN IF NOT EXISTS published_on DATE;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS district_source VARCHAR;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS agency_printed VARCHAR;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS district_printed VARCHAR;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS year_printed INTEGER;
ALTER TABLE reports ADD COLUMN IF NOT EXISTS read_by VARCHAR;

-- report_sources: every place a report's bytes were listed (the same file twice in the catalog, or at two URLs), with what the catalog says there
CREATE TABLE IF NOT EXISTS report_sources (
    report_id VARCHAR NOT NULL,             -- the report version (reports.report_id)
    source VARCHAR NOT NULL,                -- the URL or path the catalog lists
    agency VARCHAR,                         -- the agency the catalog gives for this source (NULL: none)
    district VARCHAR,                       -- the district the catalog gives (NULL: none)
    year INTEGER,                           -- the data year the catalog gives (NULL: none)
    first_seen TIMESTAMP NOT NULL,          -- when the source was first loaded (UTC)
    PRIMARY KEY (report_id, source)
);
-- warehouses created before report_sources: each report's one source
INSERT INTO report_sources (report_id, source, first_seen)
SELECT report_id, source, extracted_at FROM reports
WHERE source IS NOT NULL AND report_id NOT IN (SELECT report_id FROM report_sources);

-- cells: the tidy cells of every loaded report (transform.cells.TIDY_SCHEMA), table/row/column renamed to *_code
CREATE TABLE IF NOT EXISTS cells (
    report_id VARCHAR NOT NULL,             -- the report version (reports.report_id)
    agency VARCHAR,                         -- reporting agency (as in reports)
    district VARCHAR,                       -- district key (as in reports)
    year INTEGER,                           -- data year (as in reports)
    format VARCHAR,                         -- '2019' or '2021'
    table_code VARCHAR NOT NULL,            -- active_disclosure, requests or appeals
    row_code VARCHAR NOT NULL,              -- taxonomy row code
    column_code VARCHAR NOT NULL,           -- taxonomy column code
    value DECIMAL(18, 6),                   -- NULL: the document does not show the cell
    raw VARCHAR,                            -- the printed text
    is_blank BOOLEAN,                       -- printed blank or with a marker (/, -, 无, …): value 0
    annotation VARCHAR,                     -- text printed beside the number
    source_file VARCHAR,                    -- the file the cell was read from
    page INTEGER,                           -- page of the document (PDFs)
    line INTEGER,                           -- line of the document
    cell_order INTEGER,                     -- taxonomy order
    box_x0 DOUBLE,                          -- OCR: left of the cell on its page, in PDF points (1/72 in) from the page's left; an image's pixels × 72 / its dpi; NULL: not read by OCR
    box_top DOUBLE,                         -- OCR: top of the cell, in PDF points from the page's top
    box_x1 DOUBLE,                          -- OCR: right of the cell, in PDF points from the page's left
    box_bottom DOUBLE,                      -- OCR: bottom of the cell, in PDF points from the page's top
    confidence DOUBLE,                      -- OCR: the engine's confidence in the cell's characters (0–1, the least of them); NULL: not read by OCR
    PRIMARY KEY (report_id, table_code, row_code, column_code)
);
-- warehouses created before OCR
ALTER TABLE cells ADD COLUMN IF NOT EXISTS box_x0 DOUBLE;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS box_top DOUBLE;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS box_x1 DOUBLE;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS box_bottom DOUBLE;
ALTER TABLE cells ADD COLUMN IF NOT EXISTS confidence DOUBLE;

-- dim_table: the three statistical tables (taxonomy.py), refreshed by ensure_schema()
CREATE TABLE IF NOT EXISTS dim_table (
    table_code VARCHAR PRIMARY KEY,         -- active_disclosure, requests, appeals
    label_zh VARCHAR NOT NULL,              -- 二、主动公开政府信息情况, …
    sort_order INTEGER NOT NULL             -- order in the report
);

-- dim_row: the rows of each table (taxonomy.csv)
CREATE TABLE IF NOT EXISTS dim_row (
    table_code VARCHAR NOT NULL,            -- the table
    row_code VARCHAR NOT NULL,              -- taxonomy row code
    label_zh VARCHAR NOT NULL,              -- label of the row's first taxonomy line
    formats VARCHAR NOT NULL,               -- the formats that have the row, e.g. '2019 2021'
    sort_order INTEGER NOT NULL,            -- taxonomy order
    PRIMARY KEY (table_code, row_code)
);

-- dim_column: the columns of each table (taxonomy.csv)
CREATE TABLE IF NOT EXISTS dim_column (
    table_code VARCHAR NOT NULL,            -- the table
    column_code VARCHAR NOT NULL,           -- taxonomy column code
    label_zh VARCHAR NOT NULL,              -- label of the column's first taxonomy line
    sort_order INTEGER NOT NULL,            -- taxonomy order
    PRIMARY KEY (table_code, column_code)
);

-- dim_cell: every taxonomy line; (table, row, column) repeats where the formats label a cell differently
CREATE TABLE IF NOT EXISTS dim_cell (
    sort_order INTEGER PRIMARY KEY,         -- line number in taxonomy.csv (0-based)
    table_code VARCHAR NOT NULL,            -- the table
    row_code VARCHAR NOT NULL,              -- taxonomy row code
    column_code VARCHAR NOT NULL,           -- taxonomy column code
    formats VARCHAR NOT NULL,               -- the formats of this line, e.g. '2019 2021'
    row_label_zh VARCHAR NOT NULL,          -- the row as the template prints it
    column_label_zh VARCHAR NOT NULL,       -- the column as the template prints it
    notes VARCHAR NOT NULL                  -- the article of the 条例 or other notes
);

-- dim_cell_label: one label per format and cell (the line of dim_cell that the format uses)
CREATE TABLE IF NOT EXISTS dim_cell_label (
    format VARCHAR NOT NULL,                -- '2019' or '2021'
    table_code VARCHAR NOT NULL,            -- the table
    row_code VARCHAR NOT NULL,              -- taxonomy row code
    column_code VARCHAR NOT NULL,           -- taxonomy column code
    row_label_zh VARCHAR NOT NULL,          -- the row as this format prints it
    column_label_zh VARCHAR NOT NULL,       -- the column as this format prints it
    sort_order INTEGER NOT NULL,            -- taxonomy order
    PRIMARY KEY (format, table_code, row_code, column_code)
);

-- dim_agency_kind: the peer groups of agencies, told by their names (extract/labels/agency_kinds.csv)
CREATE TABLE IF NOT EXISTS dim_agency_kind (
    priority INTEGER PRIMARY KEY,           -- the first matching pattern (lowest priority) wins
    agency_kind VARCHAR NOT NULL,           -- government, department, subdistrict_township, other
    label_zh VARCHAR NOT NULL,              -- 区县（市）人民政府及其办公室, 部门, 街道、乡镇, 其他
    pattern VARCHAR NOT NULL                -- regular expression (RE2) on the agency's name
);

-- dim_agency: the peer group of every agency name in reports (dim_agency_kind's first matching pattern)
CREATE TABLE IF NOT EXISTS dim_agency (
    agency VARCHAR PRIMARY KEY,             -- the agency's name as in reports
    agency_kind VARCHAR NOT NULL,           -- its peer group (dim_agency_kind.agency_kind)
    label_zh VARCHAR NOT NULL               -- the peer group in Chinese
);

-- dim_section: the parts of a report found by their headings (extract/labels/narrative.csv)
CREATE TABLE IF NOT EXISTS dim_section (
    section_code VARCHAR PRIMARY KEY,       -- overview, problems, other_matters
    label_zh VARCHAR NOT NULL,              -- 一、总体情况, …
    sort_order INTEGER NOT NULL             -- order in the report
);

-- dim_narrative_metric: the figures taken from narratives and the table cells they are checked against (R6)
CREATE TABLE IF NOT EXISTS dim_narrative_metric (
    metric VARCHAR PRIMARY KEY,             -- received, handled, carried_in, carried_out, admin_review, …
    label_zh VARCHAR NOT NULL,              -- 收到申请, 办结申请, …
    cells VARCHAR NOT NULL,                 -- readings: 'table.row.column + …', alternatives split by '|'; empty: not checked
    sort_order INTEGER NOT NULL             -- order in labels/narrative.csv
);

-- dim_narrative_metric_cell: dim_narrative_metric's readings, one row per cell of each reading
CREATE TABLE IF NOT EXISTS dim_narrative_metric_cell (
    metric VARCHAR NOT NULL,                -- the narrative metric
    alternative INTEGER NOT NULL,           -- the reading (1: the usual one)
    table_code VARCHAR NOT NULL,            -- the table of a cell summed in this reading
    row_code VARCHAR NOT NULL,              -- its row
    column_code VARCHAR NOT NULL,           -- its column
    PRIMARY KEY (metric, alternative, table_code, row_code, column_code)
);

-- flag_rules: every rule of consistency_flags, with its severity and what it means (from its flag view's header lines)
CREATE TABLE IF NOT EXISTS flag_rules (
    rule VARCHAR PRIMARY KEY,               -- R1 … R7, missing_cell, blank_cell, missing_table, …
    severity VARCHAR NOT NULL CHECK (severity IN ('error', 'warning', 'info')),  -- error, warning or info
    category VARCHAR NOT NULL,              -- identity, cross_year, narrative, structure, cell
    view_name VARCHAR NOT NULL,             -- the flag view that returns the rule's failing rows
    threshold DOUBLE,                       -- the rule's threshold where it has one (copied_narrative)
    label_zh VARCHAR NOT NULL,              -- the rule in a few words
    description_zh VARCHAR NOT NULL,        -- what the rule checks and what a failure means
    sort_order INTEGER NOT NULL             -- order of presentation
);

-- narratives: the text of each report outside its tables (compact: NFKC, no whitespace), with its sketch
CREATE TABLE IF NOT EXISTS narratives (
    report_id VARCHAR PRIMARY KEY,          -- the report version
    text VARCHAR NOT NULL,                  -- the narrative (extract/narrative.compact)
    n_chars INTEGER NOT NULL,               -- its length in characters
    minhash BIGINT[] NOT NULL               -- one-permutation MinHash of its 5-character shingles (64 bins, -1: empty), digits folded
);

-- report_sections: per report, whether each part of the narrative was found by its heading
CREATE TABLE IF NOT EXISTS report_sections (
    report_id VARCHAR NOT NULL,             -- the report version
    section_code VARCHAR NOT NULL,          -- dim_section.section_code
    found BOOLEAN NOT NULL,                 -- the heading was found
    position INTEGER,                       -- where (characters into narratives.text); NULL: not found
    PRIMARY KEY (report_id, section_code)
);

-- narrative_figures: the figures the narrative quotes (收到申请 70 件, 办结 69 件, …), checked by R6
CREATE TABLE IF NOT EXISTS narrative_figures (
    report_id VARCHAR NOT NULL,             -- the report version
    ordinal INTEGER NOT NULL,               -- 1, 2, … in the order of the text
    metric VARCHAR NOT NULL,                -- dim_narrative_metric.metric
    value DECIMAL(18, 6) NOT NULL,          -- the figure quoted
    quote VARCHAR NOT NULL,                 -- the words around it
    position INTEGER NOT NULL,              -- characters into narratives.text
    PRIMARY KEY (report_id, ordinal)
);

-- narrative_readings: each reading of each narrative figure summed over the report's cells (kept by load_report; R6 reads it)
CREATE TABLE IF NOT EXISTS narrative_readings (
    report_id VARCHAR NOT NULL,             -- the report version
    ordinal INTEGER NOT NULL,               -- the figure (narrative_figures.ordinal)
    alternative INTEGER NOT NULL,           -- the reading (dim_narrative_metric_cell.alternative)
    value DECIMAL(38, 6),                   -- the sum of the reading's cells (NULL when one is NULL)
    complete BOOLEAN NOT NULL,              -- every cell of the reading is printed
    n_cells INTEGER NOT NULL,               -- cells in the reading
    cells VARCHAR NOT NULL,                 -- the cells summed, e.g. 'appeals.litigation_after_review.total + …'
    table_code VARCHAR,                     -- the table of the reading's cells
    row_code VARCHAR,                       -- the first row of the reading's cells
    column_code VARCHAR                     -- the first column of the reading's cells
);

-- wide_requests: table 三 of each loaded report pivoted: one row per applicant column (kept by load_report)
CREATE TABLE IF NOT EXISTS wide_requests (
    report_id VARCHAR NOT NULL,             -- the report version
    applicant_type VARCHAR NOT NULL,        -- natural_person … other_org, total
    new DECIMAL(18, 6),                     -- 一、本年新收
    carried_in DECIMAL(18, 6),              -- 二、上年结转
    granted DECIMAL(18, 6),                 -- （一）予以公开
    partially_granted DECIMAL(18, 6),       -- （二）部分公开
    denied_state_secret DECIMAL(18, 6),     -- （三）1
    denied_prohibited_by_law DECIMAL(18, 6),  -- （三）2
    denied_three_securities_one_stability DECIMAL(18, 6),  -- （三）3
    denied_third_party_rights DECIMAL(18, 6),  -- （三）4
    denied_internal_affairs DECIMAL(18, 6),  -- （三）5
    denied_process_information DECIMAL(18, 6),  -- （三）6
    denied_enforcement_files DECIMAL(18, 6),  -- （三）7
    denied_administrative_query DECIMAL(18, 6),  -- （三）8
    unable_not_held DECIMAL(18, 6),         -- （四）1
    unable_needs_creation DECIMAL(18, 6),   -- （四）2
    unable_still_unclear DECIMAL(18, 6),    -- （四）3
    not_processed_petition DECIMAL(18, 6),  -- （五）1
    not_processed_duplicate DECIMAL(18, 6),  -- （五）2
    not_processed_publication DECIMAL(18, 6),  -- （五）3
    not_processed_excessive DECIMAL(18, 6),  -- （五）4
    not_processed_confirmation DECIMAL(18, 6),  -- （五）5
    other_no_correction DECIMAL(18, 6),     -- （六）1 (NULL when not printed)
    other_fee_unpaid DECIMAL(18, 6),        -- （六）2 (NULL when not printed)
    other_other DECIMAL(18, 6),             -- （六）3 (NULL when not printed)
    other_handling DECIMAL(18, 6),          -- （六）as one row (NULL when not printed)
    handled_total DECIMAL(18, 6),           -- （七）总计
    carried_out DECIMAL(18, 6),             -- 四、结转下年度继续办理
    has_other_split BOOLEAN,                -- the report prints （六） as three sub-rows
    has_other_handling BOOLEAN,             -- the report prints （六） as one row
    n_null INTEGER                          -- NULL cells in this column
);

-- wide_requests_rows: table 三 of each loaded report as printed: one row per row, one column per applicant
CREATE TABLE IF NOT EXISTS wide_requests_rows (
    report_id VARCHAR NOT NULL,             -- the report version
    row_code VARCHAR NOT NULL,              -- taxonomy row code
    natural_person DECIMAL(18, 6),          -- 自然人
    commercial_enterprise DECIMAL(18, 6),   -- 商业企业
    research_institution DECIMAL(18, 6),    -- 科研机构
    social_welfare_org DECIMAL(18, 6),      -- 社会公益组织
    legal_service_org DECIMAL(18, 6),       -- 法律服务机构
    other_org DECIMAL(18, 6),               -- 其他
    total DECIMAL(18, 6),                   -- 总计
    n_applicant_cells INTEGER,              -- applicant columns printed (6 when complete)
    cell_order INTEGER                      -- taxonomy order of the row
);

-- wide_appeals: table 四 of each loaded report: one row per kind of appeal
CREATE TABLE IF NOT EXISTS wide_appeals (
    report_id VARCHAR NOT NULL,             -- the report version
    appeal_type VARCHAR NOT NULL,           -- admin_review, litigation_direct, litigation_after_review
    upheld DECIMAL(18, 6),                  -- 结果维持
    corrected DECIMAL(18, 6),               -- 结果纠正
    other DECIMAL(18, 6),                   -- 其他结果
    pending DECIMAL(18, 6),                 -- 尚未审结
    total DECIMAL(18, 6),                   -- 总计
    cell_order INTEGER                      -- taxonomy order of the row
);

-- wide_active_disclosure: table 二 of each loaded report: one row per row, one column per column code
CREATE TABLE IF NOT EXISTS wide_active_disclosure (
    report_id VARCHAR NOT NULL,             -- the report version
    row_code VARCHAR NOT NULL,              -- regulations, normative_documents, licensing, …
    issued DECIMAL(18, 6),                  -- 本年制发件数 (2021)
    repealed DECIMAL(18, 6),                -- 本年废止件数 (2021)
    in_force DECIMAL(18, 6),                -- 现行有效件数 (2021)
    decisions DECIMAL(18, 6),               -- 本年处理决定数量
    amount_wan_yuan DECIMAL(18, 6),         -- 本年收费金额（万元） (2021)
    new_made DECIMAL(18, 6),                -- 本年新制作数量 (2019)
    new_published DECIMAL(18, 6),           -- 本年新公开数量 (2019)
    total_published DECIMAL(18, 6),         -- 对外公开总数量 (2019)
    prior_year_items DECIMAL(18, 6),        -- 上一年项目数量 (2019)
    change DECIMAL(18, 6),                  -- 本年增/减 (2019)
    items DECIMAL(18, 6),                   -- 采购项目数量 (2019)
    amount_yuan DECIMAL(18, 6),             -- 采购总金额（元） (2019)
    cell_order INTEGER                      -- taxonomy order of the row
);

-- report_flag_counts: the flags of each current report counted by severity (refreshed after every load from consistency_flags)
CREATE TABLE IF NOT EXISTS report_flag_counts (
    report_id VARCHAR PRIMARY KEY,          -- the report version
    n_errors INTEGER NOT NULL,              -- its flags of severity error
    n_warnings INTEGER NOT NULL,            -- of severity warning
    n_infos INTEGER NOT NULL,               -- of severity info
    rules VARCHAR NOT NULL                  -- the rules of its error and warning flags, e.g. 'R1 R5'
);

-- runs: one row per nightly run
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,             -- uuid of the run
    started_at TIMESTAMP NOT NULL,          -- when it started (UTC)
    finished_at TIMESTAMP,                  -- NULL while running (or when the run died)
    n_loaded INTEGER,                       -- reports loaded
    n_skipped INTEGER,                      -- reports unchanged since they were loaded
    n_failed INTEGER,                       -- reports that failed or need OCR
    summary VARCHAR                         -- JSON object
);

-- warehouse_meta: facts about the warehouse file itself (schema_version)
CREATE TABLE IF NOT EXISTS warehouse_meta (
    key VARCHAR PRIMARY KEY,                -- schema_version, …
    value VARCHAR                           -- its value
);

-- A decimal as plain text without trailing zeros: 9.000000 -> '9', 8.500000 -> '8.5'.
CREATE OR REPLACE MACRO gk_num(x) AS
    regexp_replace(regexp_replace(CAST(x AS VARCHAR), '(\.[0-9]*[1-9])0+$', '\1'), '\.0+$', '');
