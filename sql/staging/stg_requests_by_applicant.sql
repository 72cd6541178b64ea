-- stg_requests_by_applicant: table 三 pivoted: one row per current report and applicant column, one column per row, with the result sums
create or replace view stg_requests_by_applicant as

with pivoted as (
    -- wide_requests (kept by load_report) with the report's attributes and the column's label
    select
        w.*,
        r.agency,
        r.district,
        r.year,
        r.format,
        l.column_label_zh as applicant_type_label_zh,
        l.sort_order
    from wide_requests as w
    inner join stg_reports as r using (report_id)
    left join dim_cell_label as l
        on l.format = coalesce(r.format, '2021')
        and l.table_code = 'requests'
        and l.row_code = 'new'
        and l.column_code = w.applicant_type
),

summed as (
    -- sums with "+": a NULL part makes the sum NULL
    select
        *,
        denied_state_secret + denied_prohibited_by_law + denied_three_securities_one_stability
        + denied_third_party_rights + denied_internal_affairs + denied_process_information
        + denied_enforcement_files + denied_administrative_query as denied,
        unable_not_held + unable_needs_creation + unable_still_unclear as unable,
        not_processed_petition + not_processed_duplicate + not_processed_publication
        + not_processed_excessive + not_processed_confirmation as not_processed,
        case
            when has_other_split then other_no_correction + other_fee_unpaid + other_other
            when has_other_handling then other_handling
        end as other
    from pivoted
)

select
    report_id,                  -- the report version (stg_reports)
    agency,                     -- reporting agency
    district,                   -- district (NULL: unknown)
    year,                       -- data year
    format,                     -- '2019' or '2021'
    applicant_type,             -- column code: natural_person … other_org, total
    applicant_type_label_zh,    -- 自然人, 法人或其他组织·商业企业, …, 总计
    sort_order,                 -- taxonomy order of the column
    new,                        -- 一、本年新收
    carried_in,                 -- 二、上年结转
    granted,                    -- （一）予以公开
    partially_granted,          -- （二）部分公开
    denied_state_secret,        -- （三）1 属于国家秘密
    denied_prohibited_by_law,   -- （三）2 其他法律行政法规禁止公开
    denied_three_securities_one_stability,  -- （三）3 危及“三安全一稳定”
    denied_third_party_rights,  -- （三）4 保护第三方合法权益
    denied_internal_affairs,    -- （三）5 属于三类内部事务信息
    denied_process_information, -- （三）6 属于四类过程性信息
    denied_enforcement_files,   -- （三）7 属于行政执法案卷
    denied_administrative_query,  -- （三）8 属于行政查询事项
    unable_not_held,            -- （四）1 本机关不掌握
    unable_needs_creation,      -- （四）2 没有现成信息需要另行制作
    unable_still_unclear,       -- （四）3 补正后申请内容仍不明确
    not_processed_petition,     -- （五）1 信访举报投诉类申请
    not_processed_duplicate,    -- （五）2 重复申请
    not_processed_publication,  -- （五）3 要求提供公开出版物
    not_processed_excessive,    -- （五）4 无正当理由大量反复申请
    not_processed_confirmation, -- （五）5 要求确认或重新出具已获取信息
    other_no_correction,        -- （六）1 逾期不补正 (NULL when not printed)
    other_fee_unpaid,           -- （六）2 逾期未缴费 (NULL when not printed)
    other_other,                -- （六）3 其他 (NULL when not printed)
    other_handling,             -- （六）其他处理 printed as one row (NULL when not printed)
    handled_total,              -- （七）总计
    carried_out,                -- 四、结转下年度继续办理
    has_other_split,            -- the report prints （六） as three sub-rows
    has_other_handling,         -- the report prints （六） as one row
    denied,                     -- （三）: sum of the 8 denied_* rows
    unable,                     -- （四）: sum of the 3 unable_* rows
    not_processed,              -- （五）: sum of the 5 not_processed_* rows
    other,                      -- （六）: the sub-rows' sum, or other_handling when printed as one row
    granted + partially_granted + denied + unable + not_processed + other as results_sum  -- （一）…（六）
from summed
