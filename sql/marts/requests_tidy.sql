-- requests_tidy: every cell of table 三 (requests) of current reports, one row per row and applicant column, with Chinese labels
create or replace view requests_tidy as

select
    report_id,                              -- the report version the cell comes from
    agency,                                 -- reporting agency
    district,                               -- district (NULL: unknown)
    year,                                   -- data year
    table_code as "table",                  -- always 'requests' (quote it: "table")
    row_code as row,                        -- taxonomy row code: new, carried_in, granted, …
    row_label_zh,                           -- 一、本年新收政府信息公开申请数量, 三、（一）予以公开, …
    column_code as applicant_type,          -- natural_person … other_org, total
    column_label_zh as applicant_type_label_zh,  -- 自然人, 法人或其他组织·商业企业, …, 总计
    value                                   -- DECIMAL(18,6); NULL when the document does not show it
from stg_cells
where table_code = 'requests'
order by year nulls last, district nulls last, agency nulls last, report_id, cell_order
