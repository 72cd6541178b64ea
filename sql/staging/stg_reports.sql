-- stg_reports: the current version of each report source (its latest extraction), without failed or needs_ocr ones
create or replace view stg_reports as

with versions as (
    select
        *,
        row_number() over (
            partition by coalesce(source, report_id)
            order by extracted_at desc, report_id desc
        ) as version_rank
    from reports
)

select
    report_id,          -- sha256[:16] of the file version
    sha256,             -- sha256 of the file's bytes
    source,             -- where the file came from
    file_type,          -- pdf, html, txt, …
    agency,             -- the reporting agency
    district,           -- the district key (NULL: unknown)
    year,               -- the data year the report covers
    format,             -- national template: '2019' or '2021'
    status,             -- ok or partial (failed and needs_ocr versions are left out)
    error,              -- why a partial report is partial
    problems,           -- JSON array of what the extractor did not find
    extractor_version,  -- extractor that produced the cells
    extracted_at,       -- when the extraction ran (UTC)
    n_cells,            -- cells stored for the report
    n_null_cells,       -- of which NULL (unreadable)
    published_on,       -- publication date the page states (NULL: not stated)
    district_source,    -- catalog or name (NULL: district unknown)
    agency_printed,     -- the agency the document prints (the catalog's agency counts)
    read_by             -- text, ocr or text+ocr: whether the tables were recognised from pictures
from versions
-- the latest version is current; when it failed, the source has no current data
where version_rank = 1
    and status not in ('failed', 'needs_ocr')
