-- stg_cells: the cells of current reports with the taxonomy's Chinese labels (of the report's format)
create or replace view stg_cells as

select
    c.report_id,        -- the report version (stg_reports)
    r.agency,           -- reporting agency
    r.district,         -- district (NULL: unknown)
    r.year,             -- data year
    r.format,           -- '2019' or '2021'
    c.table_code,       -- active_disclosure, requests or appeals
    t.label_zh as table_label_zh,  -- 二、主动公开… / 三、收到和处理… / 四、…行政复议、行政诉讼情况
    c.row_code,         -- taxonomy row code
    l.row_label_zh,     -- the row as the template prints it
    c.column_code,      -- taxonomy column code
    l.column_label_zh,  -- the column as the template prints it
    c.value,            -- DECIMAL(18,6); NULL when the document does not show the cell
    c.raw,              -- the printed text
    c.is_blank,         -- printed blank or with a marker: value 0
    c.annotation,       -- text printed beside the number
    c.page,             -- page of the document (when known)
    c.line,             -- line of the document (when known)
    c.cell_order,       -- taxonomy order
    c.box_x0,           -- OCR: the cell's box on its page, in PDF points from the top-left (NULL: not OCR)
    c.box_top,          -- OCR: top of the cell's box
    c.box_x1,           -- OCR: right of the cell's box
    c.box_bottom,       -- OCR: bottom of the cell's box
    c.confidence        -- OCR: the engine's confidence in the cell (0–1); NULL: not read by OCR
from cells as c
inner join stg_reports as r using (report_id)
-- one label per format and cell: the line of taxonomy.csv the report's format uses
left join dim_cell_label as l
    on l.format = coalesce(r.format, '2021')
    and l.table_code = c.table_code
    and l.row_code = c.row_code
    and l.column_code = c.column_code
left join dim_table as t on t.table_code = c.table_code
