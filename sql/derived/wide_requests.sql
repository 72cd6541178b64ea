-- wide_requests: table 三 of the cells in source_cells pivoted to one row per report and applicant column
-- (load_report runs it on the cells of the report it loads; rebuild_derived() on the whole cells table)
select
    report_id,
    column_code as applicant_type,
    max(value) filter (where row_code = 'new') as new,
    max(value) filter (where row_code = 'carried_in') as carried_in,
    max(value) filter (where row_code = 'granted') as granted,
    max(value) filter (where row_code = 'partially_granted') as partially_granted,
    max(value) filter (where row_code = 'denied_state_secret') as denied_state_secret,
    max(value) filter (where row_code = 'denied_prohibited_by_law') as denied_prohibited_by_law,
    max(value) filter (where row_code = 'denied_three_securities_one_stability') as denied_three_securities_one_stability,
    max(value) filter (where row_code = 'denied_third_party_rights') as denied_third_party_rights,
    max(value) filter (where row_code = 'denied_internal_affairs') as denied_internal_affairs,
    max(value) filter (where row_code = 'denied_process_information') as denied_process_information,
    max(value) filter (where row_code = 'denied_enforcement_files') as denied_enforcement_files,
    max(value) filter (where row_code = 'denied_administrative_query') as denied_administrative_query,
    max(value) filter (where row_code = 'unable_not_held') as unable_not_held,
    max(value) filter (where row_code = 'unable_needs_creation') as unable_needs_creation,
    max(value) filter (where row_code = 'unable_still_unclear') as unable_still_unclear,
    max(value) filter (where row_code = 'not_processed_petition') as not_processed_petition,
    max(value) filter (where row_code = 'not_processed_duplicate') as not_processed_duplicate,
    max(value) filter (where row_code = 'not_processed_publication') as not_processed_publication,
    max(value) filter (where row_code = 'not_processed_excessive') as not_processed_excessive,
    max(value) filter (where row_code = 'not_processed_confirmation') as not_processed_confirmation,
    max(value) filter (where row_code = 'other_no_correction') as other_no_correction,
    max(value) filter (where row_code = 'other_fee_unpaid') as other_fee_unpaid,
    max(value) filter (where row_code = 'other_other') as other_other,
    max(value) filter (where row_code = 'other_handling') as other_handling,
    max(value) filter (where row_code = 'handled_total') as handled_total,
    max(value) filter (where row_code = 'carried_out') as carried_out,
    bool_or(row_code in ('other_no_correction', 'other_fee_unpaid', 'other_other')) as has_other_split,
    bool_or(row_code = 'other_handling') as has_other_handling,
    cast(count(*) - count(value) as integer) as n_null
from source_cells
where table_code = 'requests'
group by report_id, column_code
