-- flag_r5_carried_over: R5 failures: per applicant column, this year's 二、上年结转 ≠ the same agency's last report's 四、结转下年度继续办理
-- rule: R5
-- severity: warning
-- category: cross_year
-- order: 5
-- label_zh: 上年结转与上年报告一致
-- description_zh: 本年报告表三“二、上年结转政府信息公开申请数量”应等于同一机关上一年度报告表三“四、结转下年度继续办理”，逐列比对
create or replace view flag_r5_carried_over as

with checked as (
    select
        p.report_id,
        p.agency,
        p.district,
        p.year,
        p.prev_year,
        t.applicant_type,
        l.column_label_zh as applicant_type_label_zh,
        prev.carried_out as expected,
        t.carried_in as printed
    from stg_report_pairs as p
    inner join wide_requests as t on t.report_id = p.report_id
    inner join wide_requests as prev
        on prev.report_id = p.prev_report_id
        and prev.applicant_type = t.applicant_type
    left join dim_cell_label as l
        on l.format = coalesce(p.format, '2021')
        and l.table_code = 'requests'
        and l.row_code = 'new'
        and l.column_code = t.applicant_type
)

select
    report_id,                                  -- this year's report
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R5' as rule,                               -- 二、上年结转 = last year's 四、结转下年度继续办理
    'requests' as table_code,                   -- table 三
    'carried_in' as row_code,                   -- the row checked
    applicant_type as column_code,              -- the applicant column checked
    'requests.carried_in.' || applicant_type || ' = ' || prev_year || ':requests.carried_out.'
    || applicant_type as cells,                 -- the cells involved (the second one in last year's report)
    cast(expected as decimal(38, 6)) as expected,   -- last year's 四、结转下年度继续办理
    cast(printed as decimal(38, 6)) as printed,     -- this year's 二、上年结转
    'warning' as severity,                      -- the two reports disagree; either may be wrong
    applicant_type_label_zh || '列：二、上年结转（' || gk_num(printed) || '）≠ ' || prev_year
    || '年度报告四、结转下年度继续办理（' || gk_num(expected) || '）' as description_zh  -- e.g. 总计列：二、上年结转（0）≠ 2020年度报告四、结转下年度继续办理（1）
from checked
-- a NULL part makes the comparison NULL: not evaluated (flag_missing_cells reports the cell)
where expected <> printed
