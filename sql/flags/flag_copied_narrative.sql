-- flag_copied_narrative: current reports whose narrative is nearly the same agency's previous-year narrative (similarity ≥ flag_rules.threshold)
-- rule: copied_narrative
-- severity: warning
-- category: structure
-- order: 14
-- label_zh: 正文照搬上年
-- description_zh: 正文与同一机关上一年度报告正文高度相似（5字片段的 Jaccard 相似度估计值不低于阈值，数字不计）
-- threshold: 0.8
create or replace view flag_copied_narrative as

with compared as (
    select
        p.report_id,
        p.agency,
        p.district,
        p.year,
        p.prev_year,
        a.minhash as this_sketch,
        b.minhash as prev_sketch
    from stg_report_pairs as p
    inner join narratives as a on a.report_id = p.report_id
    inner join narratives as b on b.report_id = p.prev_report_id
    -- too short a text says nothing about copying; both sketches have the same bins
    where a.n_chars >= 200 and b.n_chars >= 200 and len(a.minhash) = len(b.minhash)
),

scored as (
    -- estimated Jaccard similarity: among the bins not empty (-1) in both sketches, the share that agree
    select
        *,
        list_sum(list_transform(
            range(1, len(this_sketch) + 1),
            lambda i: (this_sketch[i] >= 0 and this_sketch[i] = prev_sketch[i])::integer
        )) / list_sum(list_transform(
            range(1, len(this_sketch) + 1),
            lambda i: (this_sketch[i] >= 0 or prev_sketch[i] >= 0)::integer
        )) as similarity
    from compared
)

select
    s.report_id,                                -- this year's report
    s.agency,                                   -- reporting agency
    s.district,                                 -- district
    s.year,                                     -- data year
    'copied_narrative' as rule,                 -- the narrative is last year's
    cast(null as varchar) as table_code,        -- NULL: the narrative
    cast(null as varchar) as row_code,          -- NULL: the narrative
    cast(null as varchar) as column_code,       -- NULL: the narrative
    'narratives.text = ' || s.prev_year || ':narratives.text' as cells,  -- the two narratives compared
    cast(f.threshold as decimal(38, 6)) as expected,    -- the threshold (flag_rules)
    cast(round(s.similarity, 3) as decimal(38, 6)) as printed,  -- the similarity found
    'warning' as severity,                      -- a report is to describe its own year
    '正文与' || s.prev_year || '年度报告正文相似度 ' || round(s.similarity * 100) || '%（阈值 '
    || round(f.threshold * 100) || '%），疑为照搬' as description_zh  -- e.g. 正文与2023年度报告正文相似度 96%（阈值 80%），疑为照搬
from scored as s
inner join flag_rules as f on f.rule = 'copied_narrative'
where s.similarity >= f.threshold
