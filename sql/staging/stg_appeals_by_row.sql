-- stg_appeals_by_row: table 四 of current reports: one row per report and appeal kind (行政复议, two kinds of 行政诉讼)
create or replace view stg_appeals_by_row as

select
    w.report_id,                        -- the report version (stg_reports)
    r.agency,                           -- reporting agency
    r.district,                         -- district (NULL: unknown)
    r.year,                             -- data year
    w.appeal_type,                      -- admin_review, litigation_direct, litigation_after_review
    l.row_label_zh as appeal_type_label_zh,  -- 行政复议, 行政诉讼·未经复议直接起诉, …
    w.cell_order as sort_order,         -- taxonomy order of the row
    w.upheld,                           -- 结果维持
    w.corrected,                        -- 结果纠正
    w.other,                            -- 其他结果
    w.pending,                          -- 尚未审结
    w.total                             -- 总计
from wide_appeals as w
inner join stg_reports as r using (report_id)
left join dim_cell_label as l
    on l.format = coalesce(r.format, '2021')
    and l.table_code = 'appeals'
    and l.row_code = w.appeal_type
    and l.column_code = 'total'
