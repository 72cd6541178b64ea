-- flag_format_year: current reports whose template does not match their data year (2019 format for 2019–2020, 2021 format from 2021)
-- rule: format_year
-- severity: warning
-- category: structure
-- order: 12
-- label_zh: 格式与年度不符
-- description_zh: 2019、2020年度报告应使用2019年试行格式，2021年度起应使用2021年格式（国办公开办函〔2021〕30号）
create or replace view flag_format_year as

with checked as (
    select
        *,
        case when year >= 2021 then 2021 when year >= 2019 then 2019 end as expected_format
    from stg_reports
    where year is not null and format is not null
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'format_year' as rule,                      -- the template of the wrong year
    cast(null as varchar) as table_code,        -- NULL: the whole report
    cast(null as varchar) as row_code,          -- NULL: the whole report
    cast(null as varchar) as column_code,       -- NULL: the whole report
    'reports.format, reports.year' as cells,    -- what is compared
    cast(expected_format as decimal(38, 6)) as expected,   -- the template of the data year (NULL before 2019)
    cast(format as decimal(38, 6)) as printed,  -- the template the report uses
    'warning' as severity,                      -- the report may be misdated or use an outdated template
    year || '年度报告使用了' || format || '年格式，应为'
    || coalesce(expected_format || '年格式', '2019年以前的格式') as description_zh  -- e.g. 2022年度报告使用了2019年格式，应为2021年格式
from checked
where expected_format is distinct from cast(format as integer)
