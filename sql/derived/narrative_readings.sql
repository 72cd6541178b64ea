-- narrative_readings: each reading of each narrative figure (dim_narrative_metric_cell) summed over the cells in source_cells; incomplete when a cell is NULL or absent
select
    f.report_id,
    f.ordinal,
    m.alternative,
    sum(c.value) as value,
    count(c.value) = count(*) as complete,
    cast(count(*) as integer) as n_cells,
    string_agg(m.table_code || '.' || m.row_code || '.' || m.column_code, ' + ' order by m.row_code) as cells,
    min(m.table_code) as table_code,
    min(m.row_code) as row_code,
    min(m.column_code) as column_code
from narrative_figures as f
inner join dim_narrative_metric_cell as m on m.metric = f.metric
left join source_cells as c
    on c.report_id = f.report_id
    and c.table_code = m.table_code
    and c.row_code = m.row_code
    and c.column_code = m.column_code
where f.report_id in (select report_id from source_cells)
group by f.report_id, f.ordinal, m.alternative
