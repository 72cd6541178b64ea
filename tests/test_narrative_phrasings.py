"""The figures R6 reads from the way agencies actually write their narratives.

Each sentence is read as a careful analyst would: a figure is expected only where its meaning is clear
(this year's 本年新收, （七）总计, 上年结转, 结转下年度, 行政复议 or 行政诉讼 total). Breakdowns, other years,
comparisons, approximations, letters and hotlines, other kinds of application, and sentences with no
number give no figure. A bare 申请 (收到申请 20 件) is read only in a part of the report about requests for
information (its heading, （二）依申请公开情况, or its text says so), as a reader would need. The report's
data year is 2024 unless a case says otherwise.
"""

from __future__ import annotations

import pytest

from gongkai.extract import narrative

CASES: list[tuple[str, list[tuple[str, int]]]] = [
    # --- 本年新收: the verbs, the names of a request, the units
    ("2024年，我局共收到政府信息公开申请45件。", [("received", 45)]),
    ("全年受理依申请公开申请12件。", [("received", 12)]),
    ("本年度新收政府信息公开申请8件，上年结转2件。", [("received", 8), ("carried_in", 2)]),
    ("我办全年接收信息公开申请23份。", [("received", 23)]),
    ("共收到政府信息公开申请5个，均已答复。", [("received", 5)]),
    ("全年收到政府信息公开申请3条。", [("received", 3)]),
    ("全年受理政府信息公开申请12宗。", [("received", 12)]),
    ("共收到依申请公开申请2项，已对申请人进行了答复。", [("received", 2)]),
    (
        "（二）依申请公开情况\n本年度全区共收到70件申请，及时依法依规办结69件。",
        [("received", 70), ("handled", 69)],
    ),
    ("依申请公开方面，全年共受理37件，均在法定期限内答复。", [("received", 37)]),
    ("政府信息公开申请受理37件，办结37件。", [("received", 37), ("handled", 37)]),
    ("全年共收到政府信息公开申请0件。", [("received", 0)]),
    # --- numbers as printed: Chinese numerals, separators, full-width digits, spaces
    ("2024年共收到政府信息公开申请二十三件，均已按时办结。", [("received", 23)]),
    (
        "收到政府信息公开申请二十件，办结十九件，结转下年度一件。",
        [("received", 20), ("handled", 19), ("carried_out", 1)],
    ),
    ("全年收到政府信息公开申请2,345件。", [("received", 2345)]),
    ("全年收到政府信息公开申请２，３４５件。", [("received", 2345)]),
    ("全年收到政府信息公开申请３４件。", [("received", 34)]),
    ("全年共收到政府信息公开申请 12 件 ，办结 12 件。", [("received", 12), ("handled", 12)]),
    ("2024 年 共 收 到 政 府 信 息 公 开 申 请 4 5 件 。", [("received", 45)]),
    # --- a breakdown is not the total
    ("全年共收到政府信息公开申请43件（其中当面申请3件、网络申请40件）。", [("received", 43)]),
    ("（二）依申请公开情况\n全年共收到申请43件，其中网上申请40件，信函申请3件。", [("received", 43)]),
    ("共收到依申请公开申请40件，其中通过网络平台收到申请37件。", [("received", 40)]),
    ("全年收到政府信息公开申请20件，其中自然人申请18件、法人或其他组织申请2件。", [("received", 20)]),
    ("全年共收到政府信息公开申请20件，其中区政府办公室收到申请5件。", [("received", 20)]),
    ("收到法人或其他组织提出的政府信息公开申请2件。", []),
    ("本机关收到重复申请3件。", []),
    # --- comparisons with last year: this year's figure stays, last year's and the difference do not
    ("全年收到政府信息公开申请56件，同比增长12%。", [("received", 56)]),
    ("（二）依申请公开情况\n全年收到申请20件，较上年增加5件。", [("received", 20)]),
    ("全年共收到政府信息公开申请47件，较上年的35件增加12件，增幅34.3%。", [("received", 47)]),
    ("（二）依申请公开情况\n共收到申请47件，比去年多12件。", [("received", 47)]),
    (
        "2024年，共收到政府信息公开申请20件，比2023年增加5件，办结20件。",
        [("received", 20), ("handled", 20)],
    ),
    ("收到政府信息公开申请56件（同比增长12%），办结56件。", [("received", 56), ("handled", 56)]),
    ("同比增长12%，全年共收到政府信息公开申请56件。", [("received", 56)]),
    ("（二）依申请公开情况\n与上年相比，收到申请增加5件。", []),
    ("（二）依申请公开情况\n收到申请数量比上年增加11件，增长24.4%。", []),
    ("收到政府信息公开申请较上年减少3件。", []),
    # --- another year
    ("（二）依申请公开情况\n2023年收到申请12件。", []),
    ("2023年，我单位共收到政府信息公开申请12件，办结12件。", []),
    # another year in Chinese numerals, as 2023年 is
    ("（二）依申请公开情况\n二〇二三年收到申请12件。", []),
    ("二〇二三年，我单位共收到政府信息公开申请12件，办结12件。", []),
    ("二零二三年度，本机关共收到政府信息公开申请12件。", []),
    (
        "（二）依申请公开情况\n二〇二三年收到申请12件，二〇二四年收到政府信息公开申请15件。",
        [("received", 15)],
    ),
    ("二〇二四年，我单位共收到政府信息公开申请15件，办结15件。", [("received", 15), ("handled", 15)]),
    ("上一年度收到政府信息公开申请15件。", []),
    ("（二）依申请公开情况\n上年同期收到申请15件。", []),
    ("近三年来，共收到政府信息公开申请60件。", []),
    ("截至2025年1月20日，共受理政府信息公开申请25件。", []),
    ("今年以来，共收到政府信息公开申请22件。", [("received", 22)]),
    ("（二）依申请公开情况\n去年共收到申请30件，今年共收到政府信息公开申请36件。", [("received", 36)]),
    ("2024年1月1日至12月31日，共收到政府信息公开申请30件。", [("received", 30)]),
    (
        "（二）依申请公开情况\n根据《中华人民共和国政府信息公开条例》（2019年修订），全年共收到申请30件。",
        [("received", 30)],
    ),
    ("按照《2024年政务公开工作要点》，2024年共收到政府信息公开申请9件。", [("received", 9)]),
    ("（二）依申请公开情况\n2023年收到申请12件，2024年收到政府信息公开申请15件。", [("received", 15)]),
    # --- letters, hotlines, consultations, proposals are not requests for information
    ("受理区长信箱来信120件，均已办结。", []),
    ("办理网民留言45条，接听政务咨询热线300个。", []),
    ("全年共收到群众咨询及政府信息公开申请35件。", []),
    ("收到12345热线转办件56件，办结56件，办结率100%。", []),
    ("全年办理人大代表建议30件、政协提案25件，办结率100%。", []),
    ("办理区长信箱群众留言答复15件。", []),
    ("全年共收到政府信息公开申请20件，另收到区长信箱留言150件。", [("received", 20)]),
    # --- other kinds of application, and a bare 申请 outside a part about requests for information
    ("受理不动产登记申请3200件，均已办结。", []),
    ("全年受理各类政务服务申请3.2万件。", []),
    ("（三）政务服务\n全年收到申请1200件，办结1200件。", []),
    ("收到人大代表建议和政协提案答复申请20件。", []),
    (
        "（二）依申请公开情况\n我局严格落实依申请公开制度。（三）政务服务\n全年收到申请1200件，办结1200件。",
        [],
    ),
    # --- no number, rates, time limits, approximations
    ("所有申请均已办结，办结率100%。", []),
    ("对收到的申请均已按时办结。", []),
    ("信息公开申请办结后，按时答复率100%。", []),
    ("（二）依申请公开情况\n收到申请之日起15个工作日内予以答复。", []),
    ("收到政府信息公开申请后二十个工作日内答复。", []),
    ("共收到政府信息公开申请约20件。", []),
    ("全年共收到政府信息公开申请20余件。", []),
    ("全年共收到政府信息公开申请近30件，均已办结。", []),
    ("全年未收到政府信息公开申请。", []),
    ("全年收到政府信息公开申请20件，全部按期答复，答复率100%。", [("received", 20)]),
    ("全年共收到政府信息公开申请20件，涉及12个部门。", [("received", 20)]),
    # --- 办结 / 答复 (（七）总计), and the result rows that are not it
    ("全年共办结政府信息公开申请45件，按时办结率100%。", [("handled", 45)]),
    ("（二）依申请公开情况\n全年共收到申请20件，答复20件。", [("received", 20), ("handled", 20)]),
    ("所有办结的申请中，同意公开答复9件，部分公开答复3件，不予公开答复2件。", []),
    ("收到的政府信息公开申请中，予以公开12件，不予公开3件。", []),
    ("逾期答复政府信息公开申请1件。", []),
    ("共收到政府信息公开申请15件，答复15件，其中延期答复2件。", [("received", 15), ("handled", 15)]),
    ("共办理政府信息依申请公开2件，均在答复时限内答复。", [("processed", 2)]),
    # --- 上年结转 and 结转下年度
    (
        "依申请公开方面，上年结转2件，本年新收20件，共计22件，办结21件，结转下年度办理1件。",
        [("carried_in", 2), ("received", 20), ("handled", 21), ("carried_out", 1)],
    ),
    ("（二）依申请公开情况\n受理申请5件（含上年结转1件），办结5件。", [("carried_in", 1), ("handled", 5)]),
    ("共受理政府信息公开申请22件，其中上年结转2件。", [("carried_in", 2)]),
    (
        "本年度共受理政府信息公开申请18件，加上上年结转的2件，共需办理20件。",
        [("received", 18), ("carried_in", 2), ("processed", 20)],
    ),
    ("（二）依申请公开情况\n对上年结转的2件申请已全部办结。", [("carried_in", 2)]),
    ("去年结转的政府信息公开申请1件已于今年办结。", [("carried_in", 1)]),
    ("办结政府信息公开申请19件，1件结转下年度继续办理。", [("handled", 19), ("carried_out", 1)]),
    (
        "截至2024年12月31日，共受理政府信息公开申请19件，已办结18件，正在办理1件。",
        [("received", 19), ("handled", 18)],
    ),
    (
        "2024年度，本机关共新收政府信息公开申请103件，加上2023年度结转的5件，共计108件。",
        [("received", 103), ("carried_in", 5)],
    ),
    ("2024年收到政府信息公开申请5件，2022年结转的申请1件已办结。", [("received", 5)]),
    (
        "全年共完成政府信息依申请公开答复1453件，包括上年结转信息公开申请30件。",
        [("handled", 1453), ("carried_in", 30)],
    ),
    (
        "我局2024年共处理政府信息公开申请35件，其中新收33件，上年结转2件。",
        [("received", 33), ("carried_in", 2)],
    ),
    ("通过政府网站、信函、当面等渠道共受理政府信息公开申请45件。", [("received", 45)]),
    (
        "截至12月31日，已办结政府信息公开申请18件，另有2件转入下一年度办理。",
        [("handled", 18), ("carried_out", 2)],
    ),
    (
        "（二）依申请公开情况\n收到申请30件，办结29件，结转1件至下一年度办理。",
        [("received", 30), ("handled", 29), ("carried_out", 1)],
    ),
    (
        "（二）依申请公开情况\n全年收到申请30件，办结29件，结转至2025年继续办理1件。",
        [("received", 30), ("handled", 29), ("carried_out", 1)],
    ),
    (
        "（二）依申请公开情况\n共收到 70 件申请，办结 69 件，结转 1 件。",
        [("received", 70), ("handled", 69), ("carried", 1)],
    ),
    # the carried-in requests that were handled: not clearly all of those carried in
    ("（二）依申请公开情况\n办结上年结转申请2件。", []),
    # --- 行政复议, 行政诉讼
    ("因政府信息公开工作被申请行政复议3件，其中维持2件、纠错1件。", [("admin_review", 3)]),
    ("被申请行政复议0件，提起行政诉讼0件。", [("admin_review", 0), ("litigation", 0)]),
    ("被申请行政复议1件、提起行政诉讼0件。", [("admin_review", 1), ("litigation", 0)]),
    ("因政府信息公开被申请行政复议1起，被提起行政诉讼2起。", [("admin_review", 1), ("litigation", 2)]),
    ("发生政府信息公开行政复议案件2件、行政诉讼案件1件。", [("admin_review", 2), ("litigation", 1)]),
    ("因政府信息公开工作引起的行政复议、行政诉讼均为0件。", [("admin_review", 0), ("litigation", 0)]),
    ("政府信息公开行政复议数为0，行政诉讼数为0。", [("admin_review", 0), ("litigation", 0)]),
    (
        "2024年有1件涉及政府信息公开工作的行政复议，未被纠错。涉及的行政诉讼数为0件。",
        [("admin_review", 1), ("litigation", 0)],
    ),
    ("全年未发生因政府信息公开引起的行政复议和行政诉讼。", []),
    ("有1件政府信息公开行政复议被复议机关纠错。", []),
    ("因政府信息公开被申请行政复议、提起行政诉讼的案件共1件。", []),
    ("全年共办理行政复议案件56件，其中维持原行政行为40件。", []),
    ("本局依法做好政府信息公开工作。全年共审结行政复议案件12件。", []),
    ("全年收到行政复议申请150件，受理132件。", []),
    ("政府信息公开行政诉讼1件，尚未审结。", [("litigation", 1)]),
    # --- 主动公开 (kept, not checked), amounts in 万元
    ("主动公开政府信息1136条。", [("active_items", 1136)]),
    ("公开行政事业性收费信息12条，主动公开政府信息1136条。", [("active_items", 1136)]),
    ("主动公开政府信息1.2万条。", []),
    ("全年收取信息处理费0.5万元。", []),
    ("共收到政府信息公开申请15件，涉及资金约120万元。", [("received", 15)]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[f"case{i:03d}" for i in range(len(CASES))])
def test_the_figures_a_careful_reader_takes(text: str, expected: list[tuple[str, int]]) -> None:
    facts = narrative.analyse(text, 2024)
    assert [(f.metric, f.value) for f in facts.figures] == expected


def test_there_are_enough_phrasings() -> None:
    assert len(CASES) >= 40
    assert len({t for t, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2023年，共收到政府信息公开申请12件。", 2023, [("received", 12)]),
        ("2023年，共收到政府信息公开申请12件。", 2024, []),
        ("二〇二三年，共收到政府信息公开申请12件。", 2023, [("received", 12)]),
        ("二〇二三年，共收到政府信息公开申请12件。", 2024, []),
        (
            "依申请公开：全年收到申请30件，结转至2024年继续办理1件。",
            2023,
            [("received", 30), ("carried_out", 1)],
        ),
    ],
)
def test_the_year_of_a_sentence_is_judged_against_the_report(
    text: str, year: int, expected: list[tuple[str, int]]
) -> None:
    assert [(f.metric, f.value) for f in narrative.analyse(text, year).figures] == expected
