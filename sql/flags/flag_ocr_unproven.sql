-- flag_ocr_unproven: cells read by OCR that no identity could prove, left NULL
-- rule: ocr_unproven
-- severity: warning
-- category: cell
-- order: 20
-- label_zh: 识别结果无法核实
-- description_zh: 扫描件中该单元格识别置信度低或与勾稽关系冲突，且没有唯一读法能满足勾稽关系：记为 NULL，请人工核对
create or replace view flag_ocr_unproven as

with said as (
    -- what the extractor said of each report (reports.problems, a JSON array of strings)
    select report_id, unnest(from_json(problems, '["VARCHAR"]')) as problem
    from stg_reports
),

unproven as (
    -- 'ocr_unproven: table.row.column: why; readings …: left NULL'
    select report_id, problem, split_part(split_part(problem, ': ', 2), '.', 1) as table_code,
        split_part(split_part(problem, ': ', 2), '.', 2) as row_code,
        split_part(split_part(problem, ': ', 2), '.', 3) as column_code
    from said
    where problem like 'ocr_unproven: %'
)

select
    r.report_id,                                -- the report version
    r.agency,                                   -- reporting agency
    r.district,                                 -- district
    r.year,                                     -- data year
    'ocr_unproven' as rule,                     -- an OCR reading neither certain nor proven
    u.table_code,                               -- the cell's table
    u.row_code,                                 -- the cell's row
    u.column_code,                              -- the cell's column
    u.table_code || '.' || u.row_code || '.' || u.column_code as cells,  -- the cell left NULL
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- NULL: not read with certainty
    'warning' as severity,                      -- a cell to key by hand from the scan
    '扫描件单元格识别无法核实，记为 NULL：' || u.problem as description_zh  -- the extractor's words: readings and why
from unproven as u
inner join stg_reports as r using (report_id)
