-- flag_r2_results_sum: R2 failures: per applicant column, 三（七）总计 ≠ the sum of the result rows （一）…（六）
-- rule: R2
-- severity: warning
-- category: identity
-- order: 2
-- label_zh: 表三办理结果合计
-- description_zh: 表三每一申请人列：三（七）总计 = （一）至（六）各项之和
create or replace view flag_r2_results_sum as

with checked as (
    select
        *,
        results_sum as expected,
        handled_total as printed,
        -- （六） as the report prints it: three sub-rows, or other_handling as one row
        list_concat(
            [
                'granted', 'partially_granted',
                'denied_state_secret', 'denied_prohibited_by_law', 'denied_three_securities_one_stability',
                'denied_third_party_rights', 'denied_internal_affairs', 'denied_process_information',
                'denied_enforcement_files', 'denied_administrative_query',
                'unable_not_held', 'unable_needs_creation', 'unable_still_unclear',
                'not_processed_petition', 'not_processed_duplicate', 'not_processed_publication',
                'not_processed_excessive', 'not_processed_confirmation'
            ],
            case
                when has_other_split then ['other_no_correction', 'other_fee_unpaid', 'other_other']
                else ['other_handling']
            end
        ) as result_rows
    from stg_requests_by_applicant
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R2' as rule,                               -- 三（七）总计 = （一）+…+（六）
    'requests' as table_code,                   -- table 三
    'handled_total' as row_code,                -- the printed total checked
    applicant_type as column_code,              -- the applicant column checked
    'requests.handled_total.' || applicant_type || ' = ' || array_to_string(
        list_transform(result_rows, lambda r: 'requests.' || r || '.' || applicant_type), ' + '
    ) as cells,                                 -- the cells involved
    cast(expected as decimal(38, 6)) as expected,   -- the sum of the result rows
    cast(printed as decimal(38, 6)) as printed,     -- 三（七）总计 as printed
    'warning' as severity,                      -- follows from the table's structure
    applicant_type_label_zh || '列：三（七）总计（' || gk_num(printed) || '）≠ （一）至（六）之和（'
    || gk_num(expected) || '）' as description_zh  -- e.g. 自然人列：三（七）总计（9）≠ （一）至（六）之和（8）
from checked
-- a NULL part makes the comparison NULL: not evaluated (flag_missing_cells reports the cell)
where expected <> printed
