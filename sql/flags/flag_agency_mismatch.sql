-- flag_agency_mismatch: current reports whose printed agency is not the catalog's (the catalog's is kept)
-- rule: agency_mismatch
-- severity: info
-- category: structure
-- order: 17
-- label_zh: 机关名称与目录不同
-- description_zh: 报告所印机关名称与目录不同：以目录为准，报告所印名称见 reports.agency_printed
create or replace view flag_agency_mismatch as

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency (the catalog's)
    district,                                   -- district
    year,                                       -- data year
    'agency_mismatch' as rule,                  -- the document names another agency
    cast(null as varchar) as table_code,        -- NULL: the whole report
    cast(null as varchar) as row_code,          -- NULL: the whole report
    cast(null as varchar) as column_code,       -- NULL: the whole report
    'reports.agency_printed' as cells,          -- the attribute compared
    cast(null as decimal(38, 6)) as expected,   -- no figure
    cast(null as decimal(38, 6)) as printed,    -- no figure
    'info' as severity,                         -- often an abbreviation (市科委 for 市科学技术委员会)
    '目录所列机关为“' || agency || '”，报告所印为“' || agency_printed || '”；以目录为准' as description_zh  -- the finding in Chinese
from stg_reports
where agency_printed is not null and agency is not null and agency_printed <> agency
