-- district_summary: agency_metrics summed per district and year (a NULL agency figure makes the district's sum NULL)
create or replace view district_summary as

with flagged as (
    -- report_flag_counts: consistency_flags counted per report after every load
    select report_id
    from report_flag_counts
    where n_errors + n_warnings > 0
)

select
    m.district,                         -- district; NULL (unknown) is a group of its own
    m.year,                             -- data year
    count(*) as n_agencies,             -- agencies with a report for the year
    count(f.report_id) as n_reports_with_flags,  -- of which reports with an error or warning flag
    -- every sum: NULL when any agency's figure is NULL
    case when count(*) = count(m.received) then sum(m.received) end as received,            -- 一、本年新收
    case when count(*) = count(m.carried_in) then sum(m.carried_in) end as carried_in,      -- 二、上年结转
    case when count(*) = count(m.granted) then sum(m.granted) end as granted,               -- （一）予以公开
    case
        when count(*) = count(m.partially_granted) then sum(m.partially_granted)
    end as partially_granted,                                                               -- （二）部分公开
    case when count(*) = count(m.denied) then sum(m.denied) end as denied,                  -- （三）不予公开
    case
        when count(*) = count(m.denied_state_secret) then sum(m.denied_state_secret)
    end as denied_state_secret,                                                             -- （三）1
    case
        when count(*) = count(m.denied_prohibited_by_law) then sum(m.denied_prohibited_by_law)
    end as denied_prohibited_by_law,                                                        -- （三）2
    case
        when count(*) = count(m.denied_three_securities_one_stability)
            then sum(m.denied_three_securities_one_stability)
    end as denied_three_securities_one_stability,                                           -- （三）3
    case
        when count(*) = count(m.denied_third_party_rights) then sum(m.denied_third_party_rights)
    end as denied_third_party_rights,                                                       -- （三）4
    case
        when count(*) = count(m.denied_internal_affairs) then sum(m.denied_internal_affairs)
    end as denied_internal_affairs,                                                         -- （三）5
    case
        when count(*) = count(m.denied_process_information) then sum(m.denied_process_information)
    end as denied_process_information,                                                      -- （三）6
    case
        when count(*) = count(m.denied_enforcement_files) then sum(m.denied_enforcement_files)
    end as denied_enforcement_files,                                                        -- （三）7
    case
        when count(*) = count(m.denied_administrative_query) then sum(m.denied_administrative_query)
    end as denied_administrative_query,                                                     -- （三）8
    case when count(*) = count(m.unable) then sum(m.unable) end as unable,                  -- （四）无法提供
    case
        when count(*) = count(m.not_processed) then sum(m.not_processed)
    end as not_processed,                                                                   -- （五）不予处理
    case when count(*) = count(m.other) then sum(m.other) end as other,                     -- （六）其他处理
    case when count(*) = count(m.handled) then sum(m.handled) end as handled,               -- （七）总计
    case when count(*) = count(m.carried_out) then sum(m.carried_out) end as carried_out,   -- 四、结转下年度
    case
        when count(*) = count(m.granted) and count(*) = count(m.handled) and sum(m.handled) <> 0
            then cast(sum(m.granted) as double) / cast(sum(m.handled) as double)
    end as grant_rate,                  -- granted / handled over the district; NULL when handled is 0 or NULL
    case
        when count(*) = count(m.admin_review_total) then sum(m.admin_review_total)
    end as admin_review_total,                                                              -- 行政复议 总计
    case
        when count(*) = count(m.admin_review_corrected) then sum(m.admin_review_corrected)
    end as admin_review_corrected,                                                          -- 行政复议 纠正
    case
        when count(*) = count(m.litigation_total) then sum(m.litigation_total)
    end as litigation_total,                                                                -- 行政诉讼 总计
    case
        when count(*) = count(m.litigation_corrected) then sum(m.litigation_corrected)
    end as litigation_corrected                                                             -- 行政诉讼 纠正
from agency_metrics as m
left join flagged as f using (report_id)
group by m.district, m.year
order by m.year nulls last, m.district nulls last
