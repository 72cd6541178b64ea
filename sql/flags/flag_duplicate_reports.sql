-- flag_duplicate_reports: current reports of the same agency, district and year whose figures differ (both are flagged)
-- rule: duplicate_reports
-- severity: warning
-- category: structure
-- order: 16
-- label_zh: 同一年度多份报告数据不同
-- description_zh: 同一机关、区县和年度有两份以上现行报告且数据不同：只有一份计入汇总（状态 ok 优先，其次发布日期较晚、空缺单元格较少、提取较晚），两份都标出
create or replace view flag_duplicate_reports as

with pairs as (
    -- each other current report of the agency, district and year, against the one that counts
    select
        c.report_id as current_id,
        o.report_id as other_id
    from stg_agency_reports as c
    join stg_reports as o
        on o.agency = c.agency
        and coalesce(o.district, '') = coalesce(c.district, '')
        and coalesce(o.year, 0) = coalesce(c.year, 0)
        and o.report_id <> c.report_id
    where c.n_reports > 1
),

cell_pairs as (
    select
        p.current_id,
        p.other_id,
        c.table_code,
        c.row_code,
        c.column_code,
        min(c.cell_order) as cell_order,
        bool_or(c.report_id = p.current_id) as in_current,
        bool_or(c.report_id = p.other_id) as in_other,
        max(c.value) filter (where c.report_id = p.current_id) as current_value,
        max(c.value) filter (where c.report_id = p.other_id) as other_value
    from pairs as p
    join cells as c on c.report_id in (p.current_id, p.other_id)
    group by all
),

differing as (
    select
        *,
        count(*) over pair as n_differing,
        row_number() over (pair order by cell_order, table_code, row_code, column_code) as nth
    from cell_pairs
    where not (in_current and in_other and coalesce(current_value = other_value, current_value is null and other_value is null))
    window pair as (partition by current_id, other_id)
),

findings as (
    select
        d.*,
        d.table_code || '.' || d.row_code || '.' || d.column_code as cell,
        -- why the current one counts: stg_agency_reports' order, told in words
        case
            when cur.status = 'ok' and oth.status <> 'ok' then '其状态为 ok，另一份为 ' || oth.status
            when cur.published_on > oth.published_on or (cur.published_on is not null and oth.published_on is null)
                then '其发布日期较晚（' || strftime(cur.published_on, '%Y-%m-%d') || '）'
            when cur.n_null_cells < oth.n_null_cells then '其空缺单元格较少'
            when cur.extracted_at > oth.extracted_at then '其提取时间较晚'
            else '两份同样完整、同时提取，按 report_id 取前者'
        end as reason
    from differing as d
    join stg_reports as cur on cur.report_id = d.current_id
    join stg_reports as oth on oth.report_id = d.other_id
    where d.nth = 1
)

select
    r.report_id,                                -- the report version (both reports of a pair are flagged)
    r.agency,                                   -- reporting agency
    r.district,                                 -- district
    r.year,                                     -- data year
    'duplicate_reports' as rule,                -- two current reports with different figures
    f.table_code,                               -- the table of the first differing cell
    f.row_code,                                 -- its row
    f.column_code,                              -- its column
    f.cell as cells,                            -- the first cell that differs
    f.current_value as expected,                -- its value in the report taken as current
    f.other_value as printed,                   -- its value in the report not taken
    'warning' as severity,                      -- one of them is left out of every summary
    (case when r.report_id = f.current_id then '本报告被采用为现行报告' else '本报告未被采用' end)
    || '：同一机关、区县和年度的 ' || f.current_id || ' 与 ' || f.other_id || ' 有 ' || f.n_differing
    || ' 个单元格不同（如 ' || f.cell || '：' || coalesce(cast(f.current_value as varchar), '空')
    || ' 对 ' || coalesce(cast(f.other_value as varchar), '空') || '）；现行报告为 ' || f.current_id
    || '，因为' || f.reason as description_zh  -- which one counts, and why
from findings as f
join stg_reports as r on r.report_id in (f.current_id, f.other_id)
