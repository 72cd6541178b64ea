-- report_reviews: one row per current report: its flags counted by review state, and its own verdict (review_current)
create or replace view report_reviews as

with counted as (
    select
        report_id,
        count(*) as n_flags,
        count(*) filter (where severity in ('error', 'warning') and verdict is null) as n_open,
        count(*) filter (where severity = 'error' and verdict is null) as n_open_errors,
        count(*) filter (where verdict = 'confirmed') as n_confirmed,
        count(*) filter (where verdict = 'false_positive') as n_false_positive,
        count(*) filter (where verdict = 'fixed') as n_fixed,
        count(*) filter (where severity in ('error', 'warning')) as n_to_judge
    from flag_reviews
    group by report_id
)

select
    r.report_id,                                -- the report version
    r.sha256,                                   -- its sha256
    r.agency,                                   -- reporting agency
    r.district,                                 -- district (NULL: unknown)
    r.year,                                     -- data year
    r.format,                                   -- '2019' or '2021'
    r.file_type,                                -- pdf, html, txt, …
    r.status,                                   -- ok or partial
    coalesce(c.n_flags, 0) as n_flags,          -- its flags (every severity)
    coalesce(c.n_open, 0) as n_open,            -- error and warning flags without a verdict
    coalesce(c.n_open_errors, 0) as n_open_errors,  -- of which errors
    coalesce(c.n_confirmed, 0) as n_confirmed,  -- flags judged 确认有误、需整改
    coalesce(c.n_false_positive, 0) as n_false_positive,  -- flags judged 误报
    coalesce(c.n_fixed, 0) as n_fixed,          -- flags judged 已整改
    v.verdict,                                  -- the verdict on the report as a whole (NULL: none)
    v.verdict_zh,                               -- 确认有误、需整改, 误报 or 已整改
    v.note,                                     -- the reviewer's note on the report
    v.reviewer,                                 -- who
    v.reviewed_at,                              -- when (UTC)
    v.carried,                                  -- true: carried from another version with the same cells
    case
        when v.verdict is not null then v.verdict
        when coalesce(c.n_open, 0) > 0 then 'open'
        when coalesce(c.n_to_judge, 0) > 0 then 'reviewed'
        else 'clean'
    end as review_state                         -- the report's verdict; else open (a flag to judge), reviewed (all judged) or clean (no error or warning)
from stg_reports as r
left join counted as c using (report_id)
left join review_current as v on v.report_id = r.report_id and v.target = 'report'
order by r.year nulls last, r.district nulls last, r.agency nulls last, r.report_id
