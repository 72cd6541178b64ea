-- wide_active_disclosure: table 二 of the cells in source_cells: one row per report and row
select
    report_id,
    row_code,
    max(value) filter (where column_code = 'issued') as issued,
    max(value) filter (where column_code = 'repealed') as repealed,
    max(value) filter (where column_code = 'in_force') as in_force,
    max(value) filter (where column_code = 'decisions') as decisions,
    max(value) filter (where column_code = 'amount_wan_yuan') as amount_wan_yuan,
    max(value) filter (where column_code = 'new_made') as new_made,
    max(value) filter (where column_code = 'new_published') as new_published,
    max(value) filter (where column_code = 'total_published') as total_published,
    max(value) filter (where column_code = 'prior_year_items') as prior_year_items,
    max(value) filter (where column_code = 'change') as change,
    max(value) filter (where column_code = 'items') as items,
    max(value) filter (where column_code = 'amount_yuan') as amount_yuan,
    min(cell_order) as cell_order
from source_cells
where table_code = 'active_disclosure'
group by report_id, row_code
