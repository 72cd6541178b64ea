-- stg_appeals_by_row: table 四 pivoted: one row per current report and appeal kind (行政复议, two kinds of 行政诉讼)
create or replace view stg_appeals_by_row as

select
    report_id,                                              -- the report version (stg_reports)
    agency,                                                 -- reporting agency
    district,                                               -- district (NULL: unknown)
    year,                                                   -- data year
    row_code as appeal_type,                                -- admin_review, litigation_direct, litigation_after_review
    any_value(row_label_zh) as appeal_type_label_zh,        -- 行政复议, 行政诉讼·未经复议直接起诉, …
    min(cell_order) as sort_order,                          -- taxonomy order of the row
    max(value) filter (where column_code = 'upheld') as upheld,        -- 结果维持
    max(value) filter (where column_code = 'corrected') as corrected,  -- 结果纠正
    max(value) filter (where column_code = 'other') as other,          -- 其他结果
    max(value) filter (where column_code = 'pending') as pending,      -- 尚未审结
    max(value) filter (where column_code = 'total') as total           -- 总计
from stg_cells
where table_code = 'appeals'
group by report_id, agency, district, year, row_code
