-- flag_missing_cells: cells the document does not show (value NULL): never 0, never guessed
-- rule: missing_cell
-- severity: error
-- category: cell
-- order: 8
-- label_zh: 单元格缺失
-- description_zh: 文件中未能读取该单元格的数字（记为 NULL，不按 0 计）；含该单元格的勾稽关系不作判断
create or replace view flag_missing_cells as

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'missing_cell' as rule,                     -- the cell could not be read
    table_code,                                 -- the cell's table
    row_code,                                   -- the cell's row
    column_code,                                -- the cell's column
    table_code || '.' || row_code || '.' || column_code as cells,  -- the cell
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- nothing readable was printed
    'error' as severity,                        -- a figure is missing
    '未能读取该单元格（数据缺失）' as description_zh  -- the finding in Chinese
from stg_cells
where value is null
