-- review_current: the current verdict of each reviewed report, flag and cell of current reports: the latest review of that version, else the latest carried from another version of the same agency, district and year where the target is unchanged
create or replace view review_current as

with direct as (
    select
        c.report_id,
        l.* exclude (report_id),
        false as carried,
        cast(null as varchar) as carried_from_report_id
    from stg_reports as c
    inner join review_log as l on l.sha256 = c.sha256
),

candidates as (
    -- reviews of another version (any status, current or not) of the same agency, district and year
    select
        c.report_id,
        l.* exclude (report_id),
        true as carried,
        l.report_id as carried_from_report_id
    from stg_reports as c
    inner join reports as o
        on o.agency = c.agency
        and o.district is not distinct from c.district
        and o.year = c.year
        and o.sha256 <> c.sha256
    inner join review_log as l on l.sha256 = o.sha256
),

unchanged as (
    -- a cell: the same value and printed text; a flag: raised again with the same expected and
    -- printed figures (current_flags); a report: every cell the same (report_digests)
    select k.*
    from candidates as k
    left join cells as x
        on k.target = 'cell'
        and x.report_id = k.report_id
        and x.table_code = k.table_code
        and x.row_code = k.row_code
        and x.column_code = k.column_code
    left join current_flags as f
        on k.target = 'flag'
        and f.report_id = k.report_id
        and f.rule = k.rule
        and f.table_code is not distinct from k.table_code
        and f.row_code is not distinct from k.row_code
        and f.column_code is not distinct from k.column_code
    left join report_digests as d
        on k.target = 'report'
        and d.report_id = k.report_id
    where case k.target
        when 'cell' then x.report_id is not null
            and x.value is not distinct from k.seen_value
            and x.raw is not distinct from k.seen_raw
        when 'flag' then f.report_id is not null
            and f.expected is not distinct from k.seen_expected
            and f.printed is not distinct from k.seen_printed
        else d.cells_md5 = k.seen_cells
    end
),

applicable as (
    select * from direct
    union all by name
    -- a carried review only where the version itself has no review of the target
    select u.*
    from unchanged as u
    where not exists (
        select 1
        from direct as r
        where r.report_id = u.report_id
            and r.target = u.target
            and r.rule is not distinct from u.rule
            and r.table_code is not distinct from u.table_code
            and r.row_code is not distinct from u.row_code
            and r.column_code is not distinct from u.column_code
    )
),

ranked as (
    select
        *,
        row_number() over (target_reviews order by reviewed_at desc, review_id desc) as latest,
        count(*) over target_reviews as n_reviews
    from applicable
    window target_reviews as (partition by report_id, target, rule, table_code, row_code, column_code)
)

select
    r.report_id,                -- the current report version
    r.sha256,                   -- the sha256 of the version the review was recorded on
    r.target,                   -- report, flag or cell
    r.rule,                     -- the flag's rule (NULL: a report or a cell)
    r.table_code,               -- the flag's or cell's table
    r.row_code,                 -- the flag's or cell's row
    r.column_code,              -- the flag's or cell's column
    r.review_id,                -- the review in review_log
    r.verdict,                  -- confirmed, false_positive or fixed
    v.label_zh as verdict_zh,   -- 确认有误、需整改, 误报 or 已整改
    r.note,                     -- the reviewer's note
    r.corrected_value,          -- the value the agency sent as a correction (NULL: none)
    r.reviewer,                 -- who
    r.reviewed_at,              -- when (UTC)
    r.carried,                  -- true: recorded on another version (carried_from_report_id) and carried because the target is unchanged
    r.carried_from_report_id,   -- the version the review was recorded on, when carried
    r.n_reviews                 -- reviews of this target that apply to this version (its history; the latest counts)
from ranked as r
left join dim_verdict as v using (verdict)
where r.latest = 1
order by r.report_id, r.target, r.rule nulls first, r.table_code, r.row_code, r.column_code
