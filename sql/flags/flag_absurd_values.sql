-- flag_absurd_values: cells that print a number no cell can believably hold (value NULL, never loaded as printed)
-- rule: absurd_value
-- severity: error
-- category: cell
-- order: 18
-- label_zh: 数值超出可信范围
-- description_zh: 单元格印有数字，但超出该栏可信的范围（如申请件数超过一千万件），记为 NULL；含该单元格的勾稽关系不作判断
create or replace view flag_absurd_values as

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'absurd_value' as rule,                     -- the printed number is not believable
    table_code,                                 -- the cell's table
    row_code,                                   -- the cell's row
    column_code,                                -- the cell's column
    table_code || '.' || row_code || '.' || column_code as cells,  -- the cell
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- too large to hold: the printed text is in raw
    'error' as severity,                        -- a printed figure cannot be right
    '单元格印有数字“' || left(trim(raw), 40) || '”，超出可信范围，记为 NULL' as description_zh  -- the finding in Chinese
from stg_cells
where value is null and regexp_matches(raw, '^[\s　]*[-+−–—]?[0-9０-９]')
