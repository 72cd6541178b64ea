-- agency_metrics: one row per agency and year: requests received, handled and their results (总计 column), appeals, change on last year, ranks in the district and the peer group; NULL inputs stay NULL
create or replace view agency_metrics as

with requests as (
    select * from stg_requests_by_applicant where applicant_type = 'total'
),

appeals as (
    select
        report_id,
        max(total) filter (where appeal_type = 'admin_review') as admin_review_total,
        max(corrected) filter (where appeal_type = 'admin_review') as admin_review_corrected,
        max(total) filter (where appeal_type = 'litigation_direct') as litigation_direct_total,
        max(total) filter (where appeal_type = 'litigation_after_review') as litigation_after_review_total,
        max(corrected) filter (where appeal_type = 'litigation_direct') as litigation_direct_corrected,
        max(corrected) filter (where appeal_type = 'litigation_after_review') as litigation_after_review_corrected
    from stg_appeals_by_row
    group by report_id
),

metrics as (
    select
        a.agency,                                   -- reporting agency
        a.district,                                 -- district (NULL: unknown)
        a.year,                                     -- data year
        a.report_id,                                -- the report the figures come from (stg_agency_reports)
        a.format,                                   -- '2019' or '2021'
        a.n_reports,                                -- current reports found for this agency and year
        a.agency_kind,                              -- peer group
        a.agency_kind_label_zh,                     -- peer group in Chinese
        a.agency_key,                               -- agency and district as one number
        q.new as received,                          -- 一、本年新收
        q.carried_in,                               -- 二、上年结转
        q.granted,                                  -- （一）予以公开
        q.partially_granted,                        -- （二）部分公开
        q.denied,                                   -- （三）不予公开: sum of the 8 reasons
        q.denied_state_secret,                      -- （三）1 属于国家秘密
        q.denied_prohibited_by_law,                 -- （三）2 其他法律行政法规禁止公开
        q.denied_three_securities_one_stability,    -- （三）3 危及“三安全一稳定”
        q.denied_third_party_rights,                -- （三）4 保护第三方合法权益
        q.denied_internal_affairs,                  -- （三）5 属于三类内部事务信息
        q.denied_process_information,               -- （三）6 属于四类过程性信息
        q.denied_enforcement_files,                 -- （三）7 属于行政执法案卷
        q.denied_administrative_query,              -- （三）8 属于行政查询事项
        q.unable,                                   -- （四）无法提供: sum of the 3 reasons
        q.not_processed,                            -- （五）不予处理: sum of the 5 reasons
        q.other,                                    -- （六）其他处理: one row or the sum of its 3 sub-rows
        q.handled_total as handled,                 -- （七）总计
        q.carried_out,                              -- 四、结转下年度继续办理
        case
            when q.handled_total <> 0 then cast(q.granted as double) / cast(q.handled_total as double)
        end as grant_rate,                          -- granted / handled; NULL when handled is 0 or NULL
        p.admin_review_total,                       -- 行政复议 总计
        p.admin_review_corrected,                   -- 行政复议 结果纠正
        p.litigation_direct_total + p.litigation_after_review_total as litigation_total,  -- 行政诉讼 总计 (直接起诉 + 复议后起诉)
        p.litigation_direct_corrected + p.litigation_after_review_corrected as litigation_corrected  -- 行政诉讼 结果纠正 (both kinds)
    from stg_agency_reports as a
    left join requests as q using (report_id)
    left join appeals as p using (report_id)
),

with_previous as (
    select
        m.*,
        p.received as received_prev,
        p.handled as handled_prev,
        p.grant_rate as grant_rate_prev
    from metrics as m
    left join metrics as p
        on p.agency_key = m.agency_key
        and p.year = m.year - 1
        and m.agency is not null
)

select
    agency,                                     -- reporting agency
    district,                                   -- district (NULL: unknown)
    year,                                       -- data year
    report_id,                                  -- the report the figures come from (stg_agency_reports)
    format,                                     -- '2019' or '2021'
    n_reports,                                  -- current reports found for this agency and year
    received,                                   -- 一、本年新收
    carried_in,                                 -- 二、上年结转
    granted,                                    -- （一）予以公开
    partially_granted,                          -- （二）部分公开
    denied,                                     -- （三）不予公开: sum of the 8 reasons
    denied_state_secret,                        -- （三）1 属于国家秘密
    denied_prohibited_by_law,                   -- （三）2 其他法律行政法规禁止公开
    denied_three_securities_one_stability,      -- （三）3 危及“三安全一稳定”
    denied_third_party_rights,                  -- （三）4 保护第三方合法权益
    denied_internal_affairs,                    -- （三）5 属于三类内部事务信息
    denied_process_information,                 -- （三）6 属于四类过程性信息
    denied_enforcement_files,                   -- （三）7 属于行政执法案卷
    denied_administrative_query,                -- （三）8 属于行政查询事项
    unable,                                     -- （四）无法提供: sum of the 3 reasons
    not_processed,                              -- （五）不予处理: sum of the 5 reasons
    other,                                      -- （六）其他处理: one row or the sum of its 3 sub-rows
    handled,                                    -- （七）总计
    carried_out,                                -- 四、结转下年度继续办理
    grant_rate,                                 -- granted / handled; NULL when handled is 0 or NULL
    admin_review_total,                         -- 行政复议 总计
    admin_review_corrected,                     -- 行政复议 结果纠正
    litigation_total,                           -- 行政诉讼 总计 (直接起诉 + 复议后起诉)
    litigation_corrected,                       -- 行政诉讼 结果纠正 (both kinds)
    agency_kind,                                -- peer group told by the name: government, department, subdistrict_township, other
    agency_kind_label_zh,                       -- 区县（市）人民政府及其办公室, 部门, 街道、乡镇, 其他
    received_prev,                              -- received in the previous data year (NULL: no report, or NULL there)
    case
        when received_prev <> 0 then cast(received - received_prev as double) / cast(received_prev as double)
    end as received_yoy,                        -- relative change of received on last year (0.25: +25%); NULL when last year is 0 or NULL
    handled_prev,                               -- handled in the previous data year
    case
        when handled_prev <> 0 then cast(handled - handled_prev as double) / cast(handled_prev as double)
    end as handled_yoy,                         -- relative change of handled on last year; NULL when last year is 0 or NULL
    grant_rate_prev,                            -- grant_rate of the previous data year
    grant_rate - grant_rate_prev as grant_rate_change,  -- change of grant_rate on last year (0.1: ten points more)
    count(*) over (partition by year, district) as n_agencies_in_district,  -- agencies of the district that year
    case
        when received is not null
            then rank() over (partition by year, district, received is null order by received desc)
    end as received_rank_in_district,           -- 1: the most requests received in the district that year; NULL when received is NULL
    case
        when grant_rate is not null
            then rank() over (partition by year, district, grant_rate is null order by grant_rate desc)
    end as grant_rate_rank_in_district,         -- 1: the highest grant_rate in the district that year
    count(*) over (partition by year, agency_kind) as n_agencies_in_kind,  -- agencies of the peer group that year (all districts)
    case
        when received is not null
            then rank() over (partition by year, agency_kind, received is null order by received desc)
    end as received_rank_in_kind,               -- 1: the most requests received in the peer group that year
    case
        when grant_rate is not null
            then rank() over (partition by year, agency_kind, grant_rate is null order by grant_rate desc)
    end as grant_rate_rank_in_kind              -- 1: the highest grant_rate in the peer group that year
from with_previous
order by year nulls last, district nulls last, agency nulls last, report_id
