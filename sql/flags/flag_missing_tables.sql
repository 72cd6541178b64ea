-- flag_missing_tables: current reports that lack one of the three statistical tables (no cell of it printed)
-- rule: missing_table
-- severity: error
-- category: structure
-- order: 10
-- label_zh: 缺少统计表
-- description_zh: 报告缺少二、三、四部分的统计表之一（或该表全部数字均未能读取）
create or replace view flag_missing_tables as

with printed as (
    -- the tables of which at least one cell is printed
    select distinct report_id, 'active_disclosure' as table_code
    from wide_active_disclosure
    where coalesce(
        issued, repealed, in_force, decisions, amount_wan_yuan, new_made, new_published, total_published,
        prior_year_items, change, items, amount_yuan
    ) is not null
    union all
    select distinct report_id, 'requests' as table_code
    from wide_requests_rows
    where coalesce(
        natural_person, commercial_enterprise, research_institution, social_welfare_org, legal_service_org,
        other_org, total
    ) is not null
    union all
    select distinct report_id, 'appeals' as table_code
    from wide_appeals
    where coalesce(upheld, corrected, other, pending, total) is not null
)

select
    r.report_id,                                -- the report version
    r.agency,                                   -- reporting agency
    r.district,                                 -- district
    r.year,                                     -- data year
    'missing_table' as rule,                    -- a statistical table is missing
    t.table_code,                               -- the missing table
    cast(null as varchar) as row_code,          -- NULL: the whole table
    cast(null as varchar) as column_code,       -- NULL: the whole table
    t.table_code || '.*' as cells,              -- every cell of the table
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- nothing printed
    'error' as severity,                        -- a third of the statistics is missing
    '未找到统计表“' || t.label_zh || '”（或其数字均未能读取）' as description_zh  -- e.g. 未找到统计表“四、政府信息公开行政复议、行政诉讼情况”
from stg_reports as r
cross join dim_table as t
anti join printed as p on p.report_id = r.report_id and p.table_code = t.table_code
