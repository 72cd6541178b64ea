-- flag_reviews: every flag of current reports (current_flags: consistency_flags as of the last load) with its current verdict (review_current): open until an analyst records one
create or replace view flag_reviews as

select
    f.report_id,                -- the report version
    f.agency,                   -- reporting agency
    f.district,                 -- district
    f.year,                     -- data year
    f.rule,                     -- the rule (flag_rules)
    f.table_code,               -- the table checked
    f.row_code,                 -- the row checked (NULL: the rule spans rows)
    f.column_code,              -- the column checked
    f.cells,                    -- the cells involved
    f.expected,                 -- what the identity expects (NULL for cell flags)
    f.printed,                  -- what the report prints
    f.severity,                 -- error, warning or info
    f.description_zh,           -- the finding in Chinese
    coalesce(v.verdict, 'open') as review_state,  -- open (no verdict yet), or the verdict
    v.verdict,                  -- confirmed, false_positive or fixed (NULL: open)
    v.verdict_zh,               -- 确认有误、需整改, 误报 or 已整改
    v.note,                     -- the reviewer's note
    v.corrected_value,          -- the value the agency sent as a correction
    v.reviewer,                 -- who recorded the verdict
    v.reviewed_at,              -- when (UTC)
    v.carried,                  -- true: carried from another version where this flag was the same
    v.carried_from_report_id,   -- that version
    v.review_id                 -- the review in review_log (NULL: open)
from current_flags as f
left join review_current as v
    on v.report_id = f.report_id
    and v.target = 'flag'
    and v.rule = f.rule
    and v.table_code is not distinct from f.table_code
    and v.row_code is not distinct from f.row_code
    and v.column_code is not distinct from f.column_code
order by
    f.year nulls last, f.district nulls last, f.agency nulls last, f.report_id,
    f.rule, f.table_code, f.row_code nulls first, f.column_code, f.cells
