-- consistency_flags: every flag of current reports (flag_rules lists the rules), in a fixed order
create or replace view consistency_flags as

with all_flags as (
    -- every flag view that declares a rule (its '-- rule:' header), in rule order, joined by
    -- `union all by name`: load/sqlfiles.py writes them in place of the next line
    {flag_views}
)

select
    f.report_id,        -- the report version
    f.agency,           -- reporting agency
    f.district,         -- district
    f.year,             -- data year
    f.rule,             -- R1 … R7, missing_cell, blank_cell, missing_table, … (flag_rules)
    f.table_code,       -- the table checked
    f.row_code,         -- the row checked (NULL: the rule spans rows); for missing_section the part
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
    t.sort_order, r.sort_order nulls first, c.sort_order, f.rule, f.row_code, f.column_code, f.cells
