-- flag_missing_sections: current reports whose narrative lacks the heading of 一、总体情况, 五、存在的主要问题 or 六、其他需要报告的事项
-- rule: missing_section
-- severity: warning
-- category: structure
-- order: 11
-- label_zh: 缺少报告部分
-- description_zh: 报告正文未找到“一、总体情况”“五、存在的主要问题及改进情况”“六、其他需要报告的事项”之一（只在三张统计表齐全时判断）
create or replace view flag_missing_sections as

select
    r.report_id,                                -- the report version
    r.agency,                                   -- reporting agency
    r.district,                                 -- district
    r.year,                                     -- data year
    'missing_section' as rule,                  -- a part of the report is missing
    cast(null as varchar) as table_code,        -- NULL: not a table
    s.section_code as row_code,                 -- the missing part: overview, problems, other_matters
    cast(null as varchar) as column_code,       -- NULL: not a table
    'section.' || s.section_code as cells,      -- the part looked for
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- nothing found
    'warning' as severity,                      -- the template's six parts are required
    '正文未找到“' || d.label_zh || '”部分' as description_zh  -- e.g. 正文未找到“六、其他需要报告的事项”部分
from report_sections as s
inner join stg_reports as r using (report_id)
left join dim_section as d using (section_code)
-- judged only when the three tables were found: the narrative of a report with a lost table is cut short
where not s.found
    and s.report_id not in (select report_id from flag_missing_tables)
