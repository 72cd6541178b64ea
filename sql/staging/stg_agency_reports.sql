-- stg_agency_reports: the one current report that counts for each agency, district and year, with the agency's peer group
create or replace view stg_agency_reports as

with ranked as (
    select
        *,
        -- a report whose agency is unknown is never merged with another
        count(*) over agency_year as n_reports,
        row_number() over (
            agency_year
            order by status = 'ok' desc, published_on desc nulls last, n_null_cells, extracted_at desc, report_id
        ) as pick
    from stg_reports
    window agency_year as (partition by coalesce(agency, '#' || report_id), district, year)
)

select
    r.report_id,        -- the report that counts: ok before partial, then the latest published, fewest NULL cells, latest extracted
    r.agency,           -- reporting agency
    r.district,         -- district (NULL: unknown)
    r.year,             -- data year
    r.format,           -- '2019' or '2021'
    r.status,           -- ok or partial
    r.n_null_cells,     -- NULL cells of the chosen report
    r.n_reports,        -- current reports for this agency, district and year (2+: several versions; flag_duplicate_reports when their figures differ)
    k.agency_kind,      -- peer group told by the name (dim_agency): government, department, subdistrict_township, other
    k.label_zh as agency_kind_label_zh,  -- 区县（市）人民政府及其办公室, 部门, 街道、乡镇, 其他
    r.published_on,     -- publication date the page states (NULL: not stated)
    hash(r.agency, coalesce(r.district, '')) as agency_key  -- the agency and district as one 64-bit number (joins across years)
from ranked as r
left join dim_agency as k using (agency)
where r.pick = 1
