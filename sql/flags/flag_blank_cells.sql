-- flag_blank_cells: cells printed blank or with a marker (/, -, —, 无, …), counted as 0
-- rule: blank_cell
-- severity: info
-- category: cell
-- order: 9
-- label_zh: 单元格空白
-- description_zh: 单元格印为空白或“/”“—”“无”等符号，按 0 计
create or replace view flag_blank_cells as

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'blank_cell' as rule,                       -- printed blank or with a marker
    table_code,                                 -- the cell's table
    row_code,                                   -- the cell's row
    column_code,                                -- the cell's column
    table_code || '.' || row_code || '.' || column_code as cells,  -- the cell
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(value as decimal(38, 6)) as printed,   -- the value counted (0)
    'info' as severity,                         -- the usual way to print "none"
    case
        when trim(coalesce(raw, '')) = '' then '该单元格印为空白，按 0 计'
        else '该单元格印为“' || trim(raw) || '”，按 0 计'
    end as description_zh                       -- e.g. 该单元格印为“/”，按 0 计
from stg_cells
where is_blank
