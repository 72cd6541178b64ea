-- stg_agency_reports: the one current report that counts for each agency, district and year
create or replace view stg_agency_reports as

with ranked as (
    select
        *,
        -- a report whose agency is unknown is never merged with another
        count(*) over agency_year as n_reports,
        row_number() over (
            agency_year
            order by status = 'ok' desc, n_null_cells, extracted_at desc, report_id
        ) as pick
    from stg_reports
    window agency_year as (partition by coalesce(agency, '#' || report_id), district, year)
)

select
    report_id,      -- the report that counts: ok before partial, then fewest NULL cells, then latest
    agency,         -- reporting agency
    district,       -- district (NULL: unknown)
    year,           -- data year
    format,         -- '2019' or '2021'
    status,         -- ok or partial
    n_null_cells,   -- NULL cells of the chosen report
    n_reports       -- current reports for this agency, district and year (2+: the same report at several addresses)
from ranked
where pick = 1
