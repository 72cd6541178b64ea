-- reports_to_review: current reports with error or warning flags that no verdict covers yet (neither on the flag nor on the report), the most open errors first
create or replace view reports_to_review as

select
    report_id,          -- the report version
    agency,             -- reporting agency
    district,           -- district (NULL: unknown)
    year,               -- data year
    file_type,          -- pdf, html, txt, …
    status,             -- ok or partial
    n_open_errors,      -- error flags without a verdict
    n_open,             -- error and warning flags without a verdict
    n_flags             -- every flag of the report
from report_reviews
where review_state = 'open'
order by n_open_errors desc, n_open desc, year desc nulls last, district nulls last, agency nulls last, report_id
