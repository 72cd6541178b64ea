-- report_flag_counts: current_flags (consistency_flags as of the load) counted per report (district_summary and agency_compare read the counts)
select
    report_id,
    cast(count(*) filter (where severity = 'error') as integer) as n_errors,
    cast(count(*) filter (where severity = 'warning') as integer) as n_warnings,
    cast(count(*) filter (where severity = 'info') as integer) as n_infos,
    coalesce(string_agg(distinct rule, ' ' order by rule) filter (where severity <> 'info'), '') as rules
from current_flags
group by report_id
