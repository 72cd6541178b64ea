-- flag_r3_row_total: R3 failures: in a row of table 三, 总计 ≠ the sum of the six applicant columns
-- rule: R3
-- severity: warning
-- category: identity
-- order: 3
-- label_zh: 表三行合计
-- description_zh: 表三每一行：总计 = 自然人 + 五类法人或其他组织之和
create or replace view flag_r3_row_total as

with by_row as (
    select
        w.report_id,
        r.agency,
        r.district,
        r.year,
        w.row_code,
        l.row_label_zh,
        w.total as printed,
        -- "+": a NULL or absent column makes the sum NULL
        w.natural_person + w.commercial_enterprise + w.research_institution
        + w.social_welfare_org + w.legal_service_org + w.other_org as expected
    from wide_requests_rows as w
    inner join stg_reports as r using (report_id)
    left join dim_cell_label as l
        on l.format = coalesce(r.format, '2021')
        and l.table_code = 'requests'
        and l.row_code = w.row_code
        and l.column_code = 'total'
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R3' as rule,                               -- 总计 = 自然人 + 五类法人或其他组织
    'requests' as table_code,                   -- table 三
    row_code,                                   -- the row checked
    'total' as column_code,                     -- the printed total checked
    'requests.' || row_code || '.total = requests.' || row_code || '.natural_person + requests.'
    || row_code || '.commercial_enterprise + requests.' || row_code || '.research_institution + requests.'
    || row_code || '.social_welfare_org + requests.' || row_code || '.legal_service_org + requests.'
    || row_code || '.other_org' as cells,       -- the cells involved
    cast(expected as decimal(38, 6)) as expected,   -- the sum of the six applicant columns
    cast(printed as decimal(38, 6)) as printed,     -- 总计 as printed
    'warning' as severity,                      -- follows from the table's structure
    row_label_zh || '行：总计（' || gk_num(printed) || '）≠ 六类申请人之和（'
    || gk_num(expected) || '）' as description_zh  -- e.g. 三、（一）予以公开行：总计（8）≠ 六类申请人之和（7）
from by_row
-- a NULL part makes the comparison NULL: not evaluated (flag_missing_cells reports the cell)
where expected <> printed
