-- agency_peer_metrics: agency_metrics in long form with each peer group's quartiles and the agency's ranks (load/schema.py recount_flags keeps the table)
with metric_names as (
    select * from (values
        ('received', '本年新收申请', 1),
        ('handled', '办理结果总计', 2),
        ('granted', '予以公开', 3),
        ('grant_rate', '予以公开率', 4),
        ('denied', '不予公开', 5),
        ('unable', '无法提供', 6),
        ('not_processed', '不予处理', 7),
        ('carried_out', '结转下年度继续办理', 8),
        ('admin_review_total', '行政复议总数', 9),
        ('admin_review_corrected', '行政复议被纠错', 10),
        ('litigation_total', '行政诉讼总数', 11),
        ('litigation_corrected', '行政诉讼被纠错', 12)
    ) as m (metric, metric_label_zh, metric_order)
),

long as (
    select *
    from (
        select
            year, district, agency, report_id, agency_kind, agency_kind_label_zh,
            cast(received as double) as received,
            cast(handled as double) as handled,
            cast(granted as double) as granted,
            grant_rate,
            cast(denied as double) as denied,
            cast(unable as double) as unable,
            cast(not_processed as double) as not_processed,
            cast(carried_out as double) as carried_out,
            cast(admin_review_total as double) as admin_review_total,
            cast(admin_review_corrected as double) as admin_review_corrected,
            cast(litigation_total as double) as litigation_total,
            cast(litigation_corrected as double) as litigation_corrected
        from agency_metrics
    ) as wide
    unpivot include nulls (
        value for metric in (
            received, handled, granted, grant_rate, denied, unable, not_processed, carried_out,
            admin_review_total, admin_review_corrected, litigation_total, litigation_corrected
        )
    )
),

peers as (
    select
        year,
        agency_kind,
        metric,
        count(value) as n_peers,
        quantile_cont(value, [0.25, 0.5, 0.75]) as quartiles
    from long
    group by year, agency_kind, metric
)

select
    l.year,                             -- data year
    l.district,                         -- district (NULL: unknown)
    l.agency,                           -- reporting agency
    l.report_id,                        -- the report the figure comes from (agency_metrics)
    l.agency_kind,                      -- peer group: government, department, subdistrict_township, other
    l.agency_kind_label_zh,             -- the peer group in Chinese
    l.metric,                           -- the metric (agency_metrics' column name)
    m.metric_label_zh,                  -- the metric in Chinese
    m.metric_order,                     -- order of presentation
    l.value,                            -- the agency's figure (NULL: not shown in the report)
    p.n_peers,                          -- agencies of the peer group that year with a figure (all districts)
    p.quartiles[1] as p25,              -- the peer group's first quartile
    p.quartiles[2] as p50,              -- its median
    p.quartiles[3] as p75,              -- its third quartile
    case
        when l.value is not null then rank() over (partition by l.year, l.agency_kind, l.metric, l.value is null order by l.value desc)
    end as rank_in_kind,                -- 1: the highest figure of the peer group (NULL when the figure is NULL)
    count(l.value) over (partition by l.year, l.district, l.metric) as n_in_district,  -- agencies of the district that year with a figure
    case
        when l.value is not null then rank() over (partition by l.year, l.district, l.metric, l.value is null order by l.value desc)
    end as rank_in_district             -- 1: the highest figure of the district (NULL when the figure is NULL)
from long as l
inner join metric_names as m using (metric)
left join peers as p
    on p.year is not distinct from l.year
    and p.agency_kind is not distinct from l.agency_kind
    and p.metric = l.metric
