-- stg_report_digests: every loaded report version's cells as one digest: two versions with the same digest print the same figures in every cell
create or replace view stg_report_digests as

with printed as (
    select
        report_id,
        table_code || '.' || row_code || '.' || column_code || '=' || coalesce(gk_num(value), 'NULL') as cell
    from cells
)

select
    report_id,                                  -- the report version (every version, not only current ones)
    md5(string_agg(cell, ';' order by cell)) as cells_md5,  -- md5 of table.row.column=value of every cell, sorted (NULL cells as NULL)
    count(*) as n_cells                         -- cells stored
from printed
group by report_id
