-- wide_appeals: table 四 of the cells in source_cells: one row per report and kind of appeal
select
    report_id,
    row_code as appeal_type,
    max(value) filter (where column_code = 'upheld') as upheld,
    max(value) filter (where column_code = 'corrected') as corrected,
    max(value) filter (where column_code = 'other') as other,
    max(value) filter (where column_code = 'pending') as pending,
    max(value) filter (where column_code = 'total') as total,
    min(cell_order) as cell_order
from source_cells
where table_code = 'appeals'
group by report_id, row_code
