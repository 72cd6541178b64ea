-- wide_requests_rows: table 三 of the cells in source_cells as printed: one row per report and row, one column per applicant
select
    report_id,
    row_code,
    max(value) filter (where column_code = 'natural_person') as natural_person,
    max(value) filter (where column_code = 'commercial_enterprise') as commercial_enterprise,
    max(value) filter (where column_code = 'research_institution') as research_institution,
    max(value) filter (where column_code = 'social_welfare_org') as social_welfare_org,
    max(value) filter (where column_code = 'legal_service_org') as legal_service_org,
    max(value) filter (where column_code = 'other_org') as other_org,
    max(value) filter (where column_code = 'total') as total,
    cast(count(value) filter (where column_code <> 'total') as integer) as n_applicant_cells,
    min(cell_order) as cell_order
from source_cells
where table_code = 'requests'
group by report_id, row_code
