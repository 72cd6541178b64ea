-- flag_unknown_district: current reports whose district neither the catalog nor the agency's name gives
-- rule: unknown_district
-- severity: info
-- category: structure
-- order: 15
-- label_zh: 所属区县不明
-- description_zh: 目录与机关名称均未给出所属区县：该报告在区县汇总中单独成组
create or replace view flag_unknown_district as

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- always NULL here
    year,                                       -- data year
    'unknown_district' as rule,                 -- no district
    cast(null as varchar) as table_code,        -- NULL: the whole report
    cast(null as varchar) as row_code,          -- NULL: the whole report
    cast(null as varchar) as column_code,       -- NULL: the whole report
    'reports.district' as cells,                -- the attribute missing
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- nothing known
    'info' as severity,                         -- the report forms its own group in district_summary
    '目录未给出所属区县，机关名称“' || coalesce(agency, '（未知）') || '”也不含区县名' as description_zh  -- the finding in Chinese
from stg_reports
where district is null
