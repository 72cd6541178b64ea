-- flag_r1_balance: R1 failures: per applicant column, 一 + 二 ≠ 三（七）总计 + 四 (the identity printed in the template)
-- rule: R1
-- severity: error
-- category: identity
-- order: 1
-- label_zh: 表三收支平衡
-- description_zh: 表三每一申请人列：一、本年新收 + 二、上年结转 = 三（七）总计 + 四、结转下年度继续办理（模板印明的勾稽关系）
create or replace view flag_r1_balance as

with checked as (
    select
        *,
        new + carried_in as expected,
        handled_total + carried_out as printed
    from stg_requests_by_applicant
)

select
    report_id,                                  -- the report version
    agency,                                     -- reporting agency
    district,                                   -- district
    year,                                       -- data year
    'R1' as rule,                               -- 一 + 二 = 三（七）总计 + 四
    'requests' as table_code,                   -- table 三
    cast(null as varchar) as row_code,          -- NULL: the identity spans four rows
    applicant_type as column_code,              -- the applicant column checked
    'requests.new.' || applicant_type || ' + requests.carried_in.' || applicant_type
    || ' = requests.handled_total.' || applicant_type
    || ' + requests.carried_out.' || applicant_type as cells,  -- the cells involved
    cast(expected as decimal(38, 6)) as expected,   -- 一 + 二 (received and carried in)
    cast(printed as decimal(38, 6)) as printed,     -- 三（七）总计 + 四 (handled and carried out)
    'error' as severity,                        -- the template itself prints this identity
    applicant_type_label_zh || '列：一+二（' || gk_num(expected) || '）≠ 三（七）总计+四（'
    || gk_num(printed) || '）' as description_zh  -- e.g. 自然人列：一+二（2）≠ 三（七）总计+四（3）
from checked
-- a NULL part makes the comparison NULL: not evaluated (flag_missing_cells reports the cell)
where expected <> printed
