-- flag_r7_in_force: R7 failures (2021 format): 现行有效件数 ≠ last year's 现行有效件数 + 本年制发件数 − 本年废止件数
-- rule: R7
-- severity: warning
-- category: cross_year
-- order: 7
-- label_zh: 现行有效件数前后衔接
-- description_zh: 2021年格式表二：现行有效件数 = 上一年度报告现行有效件数 + 本年制发件数 − 本年废止件数（规章、行政规范性文件）
create or replace view flag_r7_in_force as

with checked as (
    select
        p.report_id,
        p.agency,
        p.district,
        p.year,
        p.prev_year,
        t.row_code,
        l.row_label_zh,
        prev.in_force + t.issued - t.repealed as expected,
        t.in_force as printed
    from stg_report_pairs as p
    inner join wide_active_disclosure as t on t.report_id = p.report_id
    inner join wide_active_disclosure as prev
        on prev.report_id = p.prev_report_id
        and prev.row_code = t.row_code
    left join dim_cell_label as l
        on l.format = '2021'
        and l.table_code = 'active_disclosure'
        and l.row_code = t.row_code
        and l.column_code = 'in_force'
    -- both reports in the 2021 format; only the rows that have 现行有效件数 (规章, 行政规范性文件)
    where p.format = '2021' and p.prev_format = '2021'
        and t.row_code in ('regulations', 'normative_documents')
)

select
    report_id,                                  -- this year's report
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R7' as rule,                               -- 现行有效 = last year's 现行有效 + 本年制发 − 本年废止
    'active_disclosure' as table_code,          -- table 二
    row_code,                                   -- regulations or normative_documents
    'in_force' as column_code,                  -- the printed 现行有效件数 checked
    'active_disclosure.' || row_code || '.in_force = ' || prev_year || ':active_disclosure.' || row_code
    || '.in_force + active_disclosure.' || row_code || '.issued - active_disclosure.' || row_code
    || '.repealed' as cells,                    -- the cells involved (the second one in last year's report)
    cast(expected as decimal(38, 6)) as expected,   -- last year's in force + issued − repealed
    cast(printed as decimal(38, 6)) as printed,     -- 现行有效件数 as printed
    'warning' as severity,                      -- the two reports disagree; either may be wrong
    row_label_zh || '：现行有效件数（' || gk_num(printed) || '）≠ ' || prev_year || '年度现行有效件数+本年制发−本年废止（'
    || gk_num(expected) || '）' as description_zh  -- e.g. 行政规范性文件：现行有效件数（21）≠ 2023年度现行有效件数+本年制发−本年废止（20）
from checked
-- a NULL part makes the comparison NULL: not evaluated (flag_missing_cells reports the cell)
where expected <> printed
