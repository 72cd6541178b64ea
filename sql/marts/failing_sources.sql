-- failing_sources: the sources whose latest attempt failed, fetching (fetches) or reading (reports), with how many attempts in a row failed and why
create or replace view failing_sources as

with attempts as (
    select
        url as source,
        'fetch' as stage,
        fetched_at as attempted_at,
        outcome = 'failed' as failed,
        case when outcome = 'failed' then coalesce(error, 'HTTP ' || status) end as error
    from fetches
    union all
    select
        source,
        'read' as stage,
        extracted_at as attempted_at,
        status in ('failed', 'needs_ocr') as failed,
        case when status in ('failed', 'needs_ocr') then status || ': ' || coalesce(error, '') end as error
    from reports
    where source is not null
),

since_ok as (
    select
        *,
        max(attempted_at) filter (where not failed) over (partition by source, stage) as last_ok_at
    from attempts
),

summed as (
    select
        source,
        stage,
        count(*) filter (where failed and (last_ok_at is null or attempted_at > last_ok_at)) as n_failures,
        min(attempted_at) filter (where failed and (last_ok_at is null or attempted_at > last_ok_at))
            as first_failed_at,
        max(attempted_at) filter (where failed) as last_failed_at,
        max(last_ok_at) as last_ok_at,
        arg_max(error, attempted_at) filter (where failed) as last_error,
        arg_max(failed, attempted_at) as latest_failed
    from since_ok
    group by source, stage
),

listed as (
    select
        source,
        arg_max(agency, first_seen) as agency,
        arg_max(district, first_seen) as district,
        arg_max(year, first_seen) as year
    from report_sources
    group by source
)

select
    f.source,               -- the URL or path
    f.stage,                -- fetch (no bytes) or read (bytes that could not be read: failed or needs_ocr)
    f.n_failures,           -- failed attempts in a row, up to the latest (fetches, or report versions read)
    f.first_failed_at,      -- the first of those failures (UTC)
    f.last_failed_at,       -- the latest (UTC)
    f.last_ok_at,           -- the last success before them (NULL: never)
    f.last_error,           -- the latest reason in words
    l.agency,               -- the agency the catalog gives for the source (NULL: none or not known)
    l.district,             -- its district
    l.year                  -- its data year
from summed as f
left join listed as l using (source)
where f.latest_failed
order by f.n_failures desc, f.last_failed_at desc, f.source, f.stage
