-- agency_compare: agencies side by side: one wide row per agency and year (filter one year) with its figures next to its district's and peer group's
create or replace view agency_compare as

with active as (
    select
        report_id,
        max(issued) filter (where row_code = 'regulations') as regulations_issued,
        max(in_force) filter (where row_code = 'regulations') as regulations_in_force,
        max(issued) filter (where row_code = 'normative_documents') as normative_documents_issued,
        max(repealed) filter (where row_code = 'normative_documents') as normative_documents_repealed,
        max(in_force) filter (where row_code = 'normative_documents') as normative_documents_in_force,
        max(decisions) filter (where row_code = 'licensing') as licensing_decisions,
        max(decisions) filter (where row_code = 'penalties') as penalties_decisions,
        max(decisions) filter (where row_code = 'coercive_measures') as coercive_measures_decisions,
        max(amount_wan_yuan) filter (where row_code = 'fees') as fees_wan_yuan
    from wide_active_disclosure
    group by report_id
),

flagged as (
    -- report_flag_counts: consistency_flags counted per report after every load
    select
        report_id,
        n_errors + n_warnings as n_flags,
        nullif(rules, '') as rules
    from report_flag_counts
),

compared as (
    select
        m.*,
        a.* exclude (report_id),
        coalesce(f.n_flags, 0) as n_flags,
        f.rules,
        sum(m.received) over (partition by m.year, m.district) as district_received,
        median(m.received) over (partition by m.year, m.agency_kind) as kind_received_median,
        median(m.grant_rate) over (partition by m.year, m.agency_kind) as kind_grant_rate_median
    from agency_metrics as m
    left join active as a using (report_id)
    left join flagged as f using (report_id)
)

select
    year,                           -- data year (filter one: WHERE year = 2024)
    district,                       -- district (NULL: unknown)
    agency_kind_label_zh,           -- peer group: 区县（市）人民政府及其办公室, 部门, 街道、乡镇, 其他
    agency_kind,                    -- peer group code: government, department, subdistrict_township, other
    agency,                         -- reporting agency
    report_id,                      -- the report the figures come from
    format,                         -- '2019' or '2021'
    received,                       -- 一、本年新收 (总计)
    received_prev,                  -- the same, previous data year
    received_yoy,                   -- relative change on last year
    case
        when district_received <> 0 then cast(received as double) / cast(district_received as double)
    end as received_share_of_district,  -- share of the district's requests received
    kind_received_median,           -- median received in the peer group that year
    received_rank_in_district,      -- 1: most received in the district
    received_rank_in_kind,          -- 1: most received in the peer group
    carried_in,                     -- 二、上年结转
    handled,                        -- （七）总计
    granted,                        -- （一）予以公开
    partially_granted,              -- （二）部分公开
    denied,                         -- （三）不予公开
    unable,                         -- （四）无法提供
    not_processed,                  -- （五）不予处理
    other,                          -- （六）其他处理
    carried_out,                    -- 四、结转下年度继续办理
    grant_rate,                     -- granted / handled
    kind_grant_rate_median,         -- median grant_rate in the peer group that year
    grant_rate_rank_in_district,    -- 1: highest grant_rate in the district
    grant_rate_rank_in_kind,        -- 1: highest grant_rate in the peer group
    admin_review_total,             -- 行政复议 总计
    admin_review_corrected,         -- 行政复议 结果纠正
    litigation_total,               -- 行政诉讼 总计
    litigation_corrected,           -- 行政诉讼 结果纠正
    regulations_issued,             -- 表二 规章 本年制发件数 (2021 format)
    regulations_in_force,           -- 表二 规章 现行有效件数 (2021 format)
    normative_documents_issued,     -- 表二 行政规范性文件 本年制发件数 (2021 format)
    normative_documents_repealed,   -- 表二 行政规范性文件 本年废止件数 (2021 format)
    normative_documents_in_force,   -- 表二 行政规范性文件 现行有效件数 (2021 format)
    licensing_decisions,            -- 表二 行政许可 处理决定数量
    penalties_decisions,            -- 表二 行政处罚 处理决定数量
    coercive_measures_decisions,    -- 表二 行政强制 处理决定数量
    fees_wan_yuan,                  -- 表二 行政事业性收费 金额（万元, 2021 format）
    n_flags,                        -- error and warning flags of the report
    rules                           -- the rules they break, e.g. 'R1 R5'
from compared
order by year nulls last, district nulls last, agency_kind_label_zh nulls last, agency nulls last, report_id
