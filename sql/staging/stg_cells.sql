-- stg_cells: the cells of current reports with the taxonomy's Chinese labels
create or replace view stg_cells as

with current_cells as (
    select
        c.report_id,
        r.agency,
        r.district,
        r.year,
        r.format,
        c.table_code,
        c.row_code,
        c.column_code,
        c.value,
        c.raw,
        c.is_blank,
        c.annotation,
        c.page,
        c.line,
        c.cell_order
    from cells as c
    inner join stg_reports as r using (report_id)
),

labelled as (
    -- a cell can have one taxonomy line per format: take the report's format's line
    select
        c.*,
        d.row_label_zh,
        d.column_label_zh
    from current_cells as c
    left join dim_cell as d
        on d.table_code = c.table_code
        and d.row_code = c.row_code
        and d.column_code = c.column_code
    qualify row_number() over (
        partition by c.report_id, c.table_code, c.row_code, c.column_code
        order by list_contains(string_split(d.formats, ' '), c.format) desc nulls last, d.sort_order
    ) = 1
)

select
    l.report_id,        -- the report version (stg_reports)
    l.agency,           -- reporting agency
    l.district,         -- district (NULL: unknown)
    l.year,             -- data year
    l.format,           -- '2019' or '2021'
    l.table_code,       -- active_disclosure, requests or appeals
    t.label_zh as table_label_zh,  -- 二、主动公开… / 三、收到和处理… / 四、…行政复议、行政诉讼情况
    l.row_code,         -- taxonomy row code
    l.row_label_zh,     -- the row as the template prints it
    l.column_code,      -- taxonomy column code
    l.column_label_zh,  -- the column as the template prints it
    l.value,            -- DECIMAL(18,6); NULL when the document does not show the cell
    l.raw,              -- the printed text
    l.is_blank,         -- printed blank or with a marker: value 0
    l.annotation,       -- text printed beside the number
    l.page,             -- page of the document (when known)
    l.line,             -- line of the document (when known)
    l.cell_order        -- taxonomy order
from labelled as l
left join dim_table as t using (table_code)
