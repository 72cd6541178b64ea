-- report_digests: the cells in source_cells as one digest per report
select
    report_id,
    md5(string_agg(
        table_code || '.' || row_code || '.' || column_code || '='
        || coalesce(gk_num(cast(value as decimal(18, 6))), 'NULL'),
        ';' order by table_code, row_code, column_code
    )) as cells_md5,
    cast(count(*) as integer) as n_cells
from source_cells
group by report_id
