-- stg_report_pairs: each agency's report with the same agency's report of the previous data year (for R5, R7, year-on-year)
create or replace view stg_report_pairs as

select
    a.report_id,                    -- this year's report (stg_agency_reports)
    a.agency,                       -- reporting agency (the same name both years)
    a.district,                     -- district (the same both years; NULL matches NULL)
    a.year,                         -- this data year
    a.format,                       -- this report's format
    p.report_id as prev_report_id,  -- the previous data year's report
    p.year as prev_year,            -- the previous data year (year - 1)
    p.format as prev_format         -- the previous report's format
from stg_agency_reports as a
inner join stg_agency_reports as p
    on p.agency_key = a.agency_key
    and p.year = a.year - 1
where a.agency is not null
