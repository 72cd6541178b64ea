-- consistency_flags: every flag (R1–R4, missing and blank cells) of current reports, in a fixed order
create or replace view consistency_flags as

with all_flags as (
    select * from flag_r1_balance
    union all by name
    select * from flag_r2_results_sum
    union all by name
    select * from flag_r3_row_total
    union all by name
    select * from flag_r4_appeals_total
    union all by name
    select * from flag_missing_cells
    union all by name
    select * from flag_blank_cells
)

select
    f.report_id,        -- the report version
    f.agency,           -- reporting agency
    f.district,         -- district
    f.year,             -- data year
    f.rule,             -- R1, R2, R3, R4, missing_cell, blank_cell
    f.table_code,       -- the table checked
    f.row_code,         -- the row checked (NULL: R1 spans rows)
    f.column_code,      -- the column checked
    f.cells,            -- the cells involved
    f.expected,         -- what the identity expects (NULL for cell flags)
    f.printed,          -- what the report prints
    f.severity,         -- error, warning or info
    f.description_zh    -- the finding in Chinese
from all_flags as f
left join dim_table as t on t.table_code = f.table_code
left join dim_row as r on r.table_code = f.table_code and r.row_code = f.row_code
left join dim_column as c on c.table_code = f.table_code and c.column_code = f.column_code
order by
    f.year nulls last, f.district nulls last, f.agency nulls last, f.report_id,
    t.sort_order, r.sort_order nulls first, c.sort_order, f.rule
