-- flag_r4_appeals_total: R4 failures: in table 四, 总计 ≠ 结果维持 + 结果纠正 + 其他结果 + 尚未审结
-- rule: R4
-- severity: warning
-- category: identity
-- order: 4
-- label_zh: 表四合计
-- description_zh: 表四行政复议及两类行政诉讼：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结
create or replace view flag_r4_appeals_total as

with checked as (
    select
        *,
        upheld + corrected + other + pending as expected,
        total as printed
    from stg_appeals_by_row
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R4' as rule,                               -- 总计 = 维持 + 纠正 + 其他 + 尚未审结
    'appeals' as table_code,                    -- table 四
    appeal_type as row_code,                    -- admin_review, litigation_direct, litigation_after_review
    'total' as column_code,                     -- the printed total checked
    'appeals.' || appeal_type || '.total = appeals.' || appeal_type || '.upheld + appeals.'
    || appeal_type || '.corrected + appeals.' || appeal_type || '.other + appeals.'
    || appeal_type || '.pending' as cells,      -- the cells involved
    cast(expected as decimal(38, 6)) as expected,   -- 维持 + 纠正 + 其他 + 尚未审结
    cast(printed as decimal(38, 6)) as printed,     -- 总计 as printed
    'warning' as severity,                      -- follows from the table's structure
    appeal_type_label_zh || '：总计（' || gk_num(printed) || '）≠ 结果维持+结果纠正+其他结果+尚未审结（'
    || gk_num(expected) || '）' as description_zh  -- e.g. 行政复议：总计（1）≠ 结果维持+结果纠正+其他结果+尚未审结（0）
from checked
-- a NULL part makes the comparison NULL: not evaluated (flag_missing_cells reports the cell)
where expected <> printed
