-- flag_r6_narrative_figures: R6 failures: a figure the narrative quotes (收到申请 N 件, 办结, 结转, 行政复议…) that no reading of the tables gives
-- rule: R6
-- severity: warning
-- category: narrative
-- order: 6
-- label_zh: 正文数字与表格一致
-- description_zh: 报告正文所述收到、办结、结转申请件数及行政复议、行政诉讼件数应与表格一致（只取含义明确的表述）
create or replace view flag_r6_narrative_figures as

with figures as (
    select
        f.report_id,
        f.ordinal,
        f.metric,
        f.value as figure,
        f.quote,
        r.agency,
        r.district,
        r.year
    from narrative_figures as f
    inner join stg_reports as r using (report_id)
),

readings as (
    -- each reading of the figure, summed over the report's cells when it was loaded (narrative_readings)
    select * from narrative_readings
),

judged as (
    select
        report_id,
        ordinal,
        bool_and(complete) as complete,
        coalesce(bool_or(complete and value = figure), false) as agrees,
        arg_min(value, alternative) as expected,
        string_agg(cells, ' | ' order by alternative) as cells,
        string_agg(gk_num(value), ' 或 ' order by alternative) as table_values,
        arg_min(table_code, alternative) as table_code,
        arg_min(case when n_cells = 1 then row_code end, alternative) as row_code,
        arg_min(case when n_cells = 1 then column_code end, alternative) as column_code
    from readings
    inner join (select report_id, ordinal, figure from figures) using (report_id, ordinal)
    group by report_id, ordinal
),

failing as (
    select
        f.*,
        j.* exclude (report_id, ordinal),
        d.label_zh as metric_label_zh
    from judged as j
    inner join figures as f using (report_id, ordinal)
    left join dim_narrative_metric as d on d.metric = f.metric
    -- judged only when every reading's cells are printed; a figure that one reading gives is consistent
    where j.complete and not j.agrees
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R6' as rule,                               -- the narrative's figures = the tables
    table_code,                                 -- the table of the figure's usual reading
    row_code,                                   -- its row (NULL: a sum of several rows)
    column_code,                                -- its column (NULL: a sum of several cells)
    cells || ' = narrative#' || ordinal as cells,   -- the readings (split by |) and the figure's ordinal in narrative_figures
    cast(expected as decimal(38, 6)) as expected,   -- the usual reading's value in the tables
    cast(figure as decimal(38, 6)) as printed,      -- the figure the narrative quotes
    'warning' as severity,                      -- the text and the tables disagree; either may be wrong
    '正文“' || quote || '”：' || metric_label_zh || ' ' || gk_num(figure) || ' 件，表格为 ' || table_values
    as description_zh                           -- e.g. 正文“…共收到70件申请…”：收到申请 70 件，表格为 69
from failing
