-- flag_conflicting_tables: current reports that print a statistical table twice with different numbers
-- rule: conflicting_tables
-- severity: warning
-- category: structure
-- order: 19
-- label_zh: 统计表重复且不一致
-- description_zh: 同一统计表在报告中出现两次且数字不同：只保留勾稽关系成立的唯一一份，否则该表记为 NULL
create or replace view flag_conflicting_tables as

with said as (
    -- what the extractor said of each report (reports.problems, a JSON array of strings)
    select report_id, unnest(from_json(problems, '["VARCHAR"]')) as problem
    from stg_reports
)

select
    r.report_id,                                -- the report version
    r.agency,                                   -- reporting agency
    r.district,                                 -- district
    r.year,                                     -- data year
    'conflicting_tables' as rule,               -- a table printed twice, the copies disagree
    split_part(s.problem, ':', 1) as table_code,  -- the table printed twice
    cast(null as varchar) as row_code,          -- NULL: the whole table
    cast(null as varchar) as column_code,       -- NULL: the whole table
    split_part(s.problem, ':', 1) || '.*' as cells,  -- every cell of the table
    cast(null as decimal(38, 6)) as expected,   -- no expectation
    cast(null as decimal(38, 6)) as printed,    -- two printings
    'warning' as severity,                      -- which copy is right is not certain
    '统计表重复出现且数字不一致：' || s.problem as description_zh  -- the extractor's words: which copy was kept
from said as s
inner join stg_reports as r using (report_id)
where s.problem like '%printed twice with different numbers%'
