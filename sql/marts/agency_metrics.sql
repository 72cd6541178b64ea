-- agency_metrics: one row per agency and year: requests received, handled and their results (总计 column), appeals; NULL inputs stay NULL
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
)

select
    a.agency,                                   -- reporting agency
    a.district,                                 -- district (NULL: unknown)
    a.year,                                     -- data year
    a.report_id,                                -- the report the figures come from (stg_agency_reports)
    a.format,                                   -- '2019' or '2021'
    a.n_reports,                                -- current reports found for this agency and year
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
order by a.year nulls last, a.district nulls last, a.agency nulls last, a.report_id
