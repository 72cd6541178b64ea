-- flag_late_publication: current reports published after 31 January of the year after their data year (where the page states the date)
-- rule: late_publication
-- severity: warning
-- category: structure
-- order: 13
-- label_zh: 逾期公布
-- description_zh: 年度报告应于次年1月31日前公布（《政府信息公开条例》第五十条）；只在页面载明发布时间时判断
create or replace view flag_late_publication as

with checked as (
    select
        *,
        make_date(year + 1, 1, 31) as deadline
    from stg_reports
    where published_on is not null and year is not null
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'late_publication' as rule,                 -- published after the legal deadline
    cast(null as varchar) as table_code,        -- NULL: the whole report
    cast(null as varchar) as row_code,          -- NULL: the whole report
    cast(null as varchar) as column_code,       -- NULL: the whole report
    'reports.published_on' as cells,            -- the date compared
    cast(0 as decimal(38, 6)) as expected,      -- days late allowed
    cast(date_diff('day', deadline, published_on) as decimal(38, 6)) as printed,  -- days after the deadline
    'warning' as severity,                      -- 条例第五十条: by 31 January
    '发布时间 ' || strftime(published_on, '%Y-%m-%d') || ' 晚于法定期限 ' || strftime(deadline, '%Y-%m-%d')
    || '（逾期 ' || date_diff('day', deadline, published_on) || ' 天）' as description_zh  -- e.g. 发布时间 2022-02-08 晚于法定期限 2022-01-31（逾期 8 天）
from checked
where published_on > deadline
