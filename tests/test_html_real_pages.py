"""Report pages as Chinese government websites really publish them: every cell against the page.

The pages in ``tests/data/html/`` are saved the way the sites serve them:

- ``trs_editor_2021``: a TRS/WCM article: ``<div class="TRS_Editor">`` with its inline ``<style>``, Word
  text pasted in (``MsoNormalTable``, every cell's text in ``<p class="MsoNormal"><span>``, enumerators
  in ``<span lang="EN-US">``), breadcrumbs, share bar, related reports, scripts.
- ``hanweb_gbk_2021``: a Hanweb page in GB2312 inside layout tables (``bt_content``, ``<meta
  name="ContentStart">``), a ``<meta description>`` cut in the middle of a GBK character, cells with
  ``width`` only, headers split with ``<br />``, ``/``, ``—``, ``&nbsp;``, ``1,205``, full-width digits,
  table 三 pasted in two tables, the second without the merged label columns on its left.
- ``word_saveas_gb2312_2021``: Word's "save as web page" (``mso-`` styles, ``<o:p>``, digits split over
  spans, ``<![if !supportMisalignedColumns]>``, ``mso-cell-special:placeholder`` cells), table 三 split in
  two at a page break, its merged cells continued by empty cells.
- ``hanweb_gbk_2019``: the 2019 format, ``<th>`` headers, ``<td><p><span>0</span></p></td>``,
  三、本年度办理结果 over 20 rows, （三）不予公开 over 8, a negative 本年增/减 printed ``–2``, ``356.2万元``.
- ``trs_paged_1of2_2021``: page 1 of 2 of a paginated article: table 三 stops after （三）4., table 四 is
  on page 2.
- ``images_only_2021``, ``images_tables_3_4_2021``: tables printed as ``<img>``.
- ``portal_th_blanks_2021``: a modern portal: ``<th>``, blanks, ``无``, ``—``, ``0.00``, an empty corner
  cell, table 四's three-level header with 行政复议 over two rows, （六）其他处理 as one row.
- ``split_tables_2021``: table 二 in one ``<table>`` per article, table 三 in two with its header repeated.
- ``ueditor_2021``: a UEditor page: an annotated cell ``22（其中修订16件）``, ``1．`` enumerators, a
  vertical label one character per ``<br/>``.
- ``township_all_blank_2021``: a township with no requests: tables 三 and 四 all empty cells.
- ``hidden_until_script_2021``: the article ``display:none`` until a script shows it; a row of ``/``
  written once across the row, blank rows merged into one block, two blanks merged, an empty column
  left over at the right of table 三, its corner note boxed in a table, table 四 one ``无`` across it.

Each page's cells are written out below from what the page shows, one tuple per row in the order of
``taxonomy.csv`` (blank, ``/``, ``—``, ``无`` → 0; not shown → None). Real pages vary these layouts
further: the mutations at the end change a page the way other sites do and expect the same cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gongkai import taxonomy
from gongkai.extract.html import decode_html, read_html
from gongkai.extract.report import extract_bytes
from tests.fixtures_office import raws, values

PAGES = Path(__file__).resolve().parent / "data" / "html"
NULL = None
Z7 = (0, 0, 0, 0, 0, 0, 0)
N7 = (NULL,) * 7


@dataclass(frozen=True)
class Page:
    file: str
    status: str
    fmt: str
    year: int
    agency: str
    one_row: bool  # （六）其他处理 printed as one row
    active: dict[str, tuple] = field(default_factory=dict)
    requests: dict[str, tuple] = field(default_factory=dict)
    appeals: tuple = ()
    six_shown: bool = True  # False: the page stops before （六）, which is then the template's three rows

    def cells(self) -> dict[tuple[str, str, str], float | None]:
        """Every cell of the report's grid, in taxonomy order; each row must be written out above."""
        out: dict[tuple[str, str, str], float | None] = {}
        appeals = dict(zip(taxonomy.rows_of("appeals", self.fmt), _fives(self.appeals), strict=True))
        rows = {"active_disclosure": self.active, "requests": self.requests, "appeals": appeals}
        for c in taxonomy.grid(self.fmt, self.one_row):
            printed = rows[c.table][c.row]  # KeyError: a row the expectation forgot
            columns = taxonomy.columns_of(c.table, c.row, self.fmt)
            assert len(printed) == len(columns), (c.table, c.row)
            value = printed[columns.index(c.column)]
            out[(c.table, c.row, c.column)] = None if value is None else float(value)
        return out


def _fives(values: tuple) -> list[tuple]:
    return [tuple(values[i : i + 5]) for i in range(0, 15, 5)]


# ------------------------------------------------------------------ the pages and their cells

TRS = Page(
    "trs_editor_2021.html",
    "ok",
    "2021",
    2023,
    "云川市财政局",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (3, 1, 27),
        "licensing": (0,),
        "penalties": (12,),
        "coercive_measures": (0,),
        "fees": (0,),
    },
    requests={
        "new": (31, 4, 0, 0, 2, 1, 38),
        "carried_in": (2, 0, 0, 0, 0, 0, 2),
        "granted": (15, 2, 0, 0, 1, 0, 18),
        "partially_granted": (3, 0, 0, 0, 0, 0, 3),
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": (1, 0, 0, 0, 0, 0, 1),
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": (1, 0, 0, 0, 0, 0, 1),
        "denied_internal_affairs": Z7,
        "denied_process_information": (2, 0, 0, 0, 0, 0, 2),
        "denied_enforcement_files": Z7,
        "denied_administrative_query": Z7,
        "unable_not_held": (5, 1, 0, 0, 1, 0, 7),
        "unable_needs_creation": (1, 0, 0, 0, 0, 0, 1),
        "unable_still_unclear": Z7,
        "not_processed_petition": (2, 0, 0, 0, 0, 0, 2),
        "not_processed_duplicate": (1, 0, 0, 0, 0, 1, 2),
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_no_correction": (1, 0, 0, 0, 0, 0, 1),
        "other_fee_unpaid": Z7,
        "other_other": (0, 1, 0, 0, 0, 0, 1),
        "handled_total": (32, 4, 0, 0, 2, 1, 39),
        "carried_out": (1, 0, 0, 0, 0, 0, 1),
    },
    appeals=(2, 1, 0, 0, 3, 1, 0, 0, 1, 2, 0, 0, 0, 0, 0),
)

# inconsistent: not_processed_petition breaks R3, the 总计 column R2, 复议后起诉 R4
HANWEB = Page(
    "hanweb_gbk_2021.html",
    "ok",
    "2021",
    2022,
    "青山县人民政府办公室",
    False,
    active={
        "regulations": (0, 0, 0),  # / / /
        "normative_documents": (5, 0, 41),
        "licensing": (1205,),  # 1,205
        "penalties": (38,),  # full-width ３８
        "coercive_measures": (0,),  # —
        "fees": (3.6,),
    },
    requests={
        "new": (12, 1, 0, 0, 0, 0, 13),
        "carried_in": Z7,  # a row of &nbsp;
        "granted": (6, 1, 0, 0, 0, 0, 7),
        "partially_granted": (1, 0, 0, 0, 0, 0, 1),
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": (1, 0, 0, 0, 0, 0, 1),
        "denied_internal_affairs": Z7,
        "denied_process_information": Z7,
        "denied_enforcement_files": Z7,
        "denied_administrative_query": Z7,
        "unable_not_held": (3, 0, 0, 0, 0, 0, 3),
        "unable_needs_creation": Z7,
        "unable_still_unclear": Z7,
        "not_processed_petition": (1, 0, 0, 0, 0, 0, 2),
        "not_processed_duplicate": Z7,
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_no_correction": Z7,
        "other_fee_unpaid": Z7,
        "other_other": Z7,
        "handled_total": (12, 1, 0, 0, 0, 0, 13),
        "carried_out": Z7,
    },
    appeals=(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
)

WORD = Page(
    "word_saveas_gb2312_2021.html",
    "ok",
    "2021",
    2024,
    "白石区教育局",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (2, 0, 9),
        "licensing": (356,),
        "penalties": (4,),
        "coercive_measures": (0,),
        "fees": (12.5,),
    },
    requests={
        "new": (45, 3, 1, 0, 0, 2, 51),
        "carried_in": (3, 0, 0, 0, 0, 0, 3),
        "granted": (20, 1, 1, 0, 0, 1, 23),
        "partially_granted": (4, 0, 0, 0, 0, 0, 4),
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": (1, 0, 0, 0, 0, 0, 1),
        "denied_third_party_rights": (2, 1, 0, 0, 0, 0, 3),
        "denied_internal_affairs": (1, 0, 0, 0, 0, 0, 1),
        "denied_process_information": (3, 0, 0, 0, 0, 1, 4),
        "denied_enforcement_files": Z7,
        "denied_administrative_query": (1, 0, 0, 0, 0, 0, 1),
        "unable_not_held": (8, 1, 0, 0, 0, 0, 9),
        "unable_needs_creation": (2, 0, 0, 0, 0, 0, 2),
        "unable_still_unclear": (1, 0, 0, 0, 0, 0, 1),
        "not_processed_petition": (1, 0, 0, 0, 0, 0, 1),
        "not_processed_duplicate": Z7,
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_no_correction": (2, 0, 0, 0, 0, 0, 2),
        "other_fee_unpaid": Z7,
        "other_other": Z7,
        "handled_total": (46, 3, 1, 0, 0, 2, 52),
        "carried_out": (2, 0, 0, 0, 0, 0, 2),
    },
    appeals=(1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0),
)

# 2019 format; （七）总计 prints 12 in the 总计 column (R2, R3 broken)
HANWEB_2019 = Page(
    "hanweb_gbk_2019.html",
    "ok",
    "2019",
    2020,
    "东湖区卫生健康委员会",
    True,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (3, 3, 18),
        "licensing": (25, -2, 1342),  # –2
        "other_services": (6, 0, 210),
        "penalties": (8, 1, 57),
        "coercive_measures": (2, 0, 3),
        "fees": (1, 0),
        "procurement": (14, 3562000),  # 356.2万元, in 元
    },
    requests={
        "new": (9, 2, 0, 0, 0, 0, 11),
        "carried_in": Z7,
        "granted": (5, 1, 0, 0, 0, 0, 6),
        "partially_granted": (1, 0, 0, 0, 0, 0, 1),
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": Z7,
        "denied_internal_affairs": Z7,
        "denied_process_information": Z7,
        "denied_enforcement_files": Z7,
        "denied_administrative_query": Z7,
        "unable_not_held": (2, 1, 0, 0, 0, 0, 3),
        "unable_needs_creation": Z7,
        "unable_still_unclear": Z7,
        "not_processed_petition": (1, 0, 0, 0, 0, 0, 1),
        "not_processed_duplicate": Z7,
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_handling": Z7,
        "handled_total": (9, 2, 0, 0, 0, 0, 12),
        "carried_out": Z7,
    },
    appeals=(0,) * 15,
)

# page 1 of 2: the page ends after 4.保护第三方合法权益 of table 三; the rest is on page 2
PAGED = Page(
    "trs_paged_1of2_2021.html",
    "partial",
    "2021",
    2023,
    "南港市交通运输局",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (1, 0, 6),
        "licensing": (2864,),
        "penalties": (391,),
        "coercive_measures": (0,),
        "fees": (0,),
    },
    requests={
        "new": (7, 0, 0, 0, 0, 0, 7),
        "carried_in": (1, 0, 0, 0, 0, 0, 1),
        "granted": (3, 0, 0, 0, 0, 0, 3),
        "partially_granted": Z7,
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": (1, 0, 0, 0, 0, 0, 1),
        "denied_internal_affairs": N7,
        "denied_process_information": N7,
        "denied_enforcement_files": N7,
        "denied_administrative_query": N7,
        "unable_not_held": N7,
        "unable_needs_creation": N7,
        "unable_still_unclear": N7,
        "not_processed_petition": N7,
        "not_processed_duplicate": N7,
        "not_processed_publication": N7,
        "not_processed_excessive": N7,
        "not_processed_confirmation": N7,
        "other_no_correction": N7,
        "other_fee_unpaid": N7,
        "other_other": N7,
        "handled_total": N7,
        "carried_out": N7,
    },
    appeals=(NULL,) * 15,
    six_shown=False,
)

# table 二 printed as a table, tables 三 and 四 as images
IMAGES_34 = Page(
    "images_tables_3_4_2021.html",
    "partial",
    "2021",
    2024,
    "北岸区司法局",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (4, 2, 33),
        "licensing": (87,),
        "penalties": (15,),
        "coercive_measures": (1,),
        "fees": (0,),
    },
    requests={r: N7 for r in taxonomy.rows_of("requests", "2021") if r != taxonomy.OTHER_SINGLE_ROW},
    appeals=(NULL,) * 15,
    six_shown=False,
)

# blanks everywhere, （六）其他处理 as one row in a 2021 report; 一+二 ≠ 三（七）+四 (R1 broken)
PORTAL = Page(
    "portal_th_blanks_2021.html",
    "ok",
    "2021",
    2024,
    "清河区民政局",
    True,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (2, 0, 14),  # 2 无 14
        "licensing": (0,),
        "penalties": (0,),  # —
        "coercive_measures": (0,),  # blank
        "fees": (0,),  # 0.00
    },
    requests={
        "new": (4, 0, 0, 0, 0, 0, 4),
        "carried_in": Z7,
        "granted": (2, 0, 0, 0, 0, 0, 2),
        "partially_granted": Z7,
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": Z7,
        "denied_internal_affairs": Z7,
        "denied_process_information": Z7,
        "denied_enforcement_files": Z7,
        "denied_administrative_query": Z7,
        "unable_not_held": (1, 0, 0, 0, 0, 0, 1),
        "unable_needs_creation": Z7,
        "unable_still_unclear": Z7,
        "not_processed_petition": Z7,
        "not_processed_duplicate": Z7,
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_handling": Z7,
        "handled_total": (3, 0, 0, 0, 0, 0, 3),
        "carried_out": Z7,
    },
    appeals=(0,) * 15,  # — in every cell
)

SPLIT = Page(
    "split_tables_2021.html",
    "ok",
    "2021",
    2022,
    "金沙县自然资源局",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (6, 2, 48),
        "licensing": (4127,),
        "penalties": (236,),
        "coercive_measures": (17,),
        "fees": (1520.35,),
    },
    requests={
        "new": (118, 16, 2, 1, 5, 3, 145),
        "carried_in": (9, 1, 0, 0, 0, 0, 10),
        "granted": (52, 7, 1, 0, 2, 1, 63),
        "partially_granted": (11, 2, 0, 0, 1, 0, 14),
        "denied_state_secret": (1, 0, 0, 0, 0, 0, 1),
        "denied_prohibited_by_law": (2, 0, 0, 0, 0, 0, 2),
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": (3, 1, 0, 0, 0, 0, 4),
        "denied_internal_affairs": (2, 0, 0, 0, 0, 0, 2),
        "denied_process_information": (5, 0, 0, 0, 0, 0, 5),
        "denied_enforcement_files": (1, 0, 0, 0, 0, 0, 1),
        "denied_administrative_query": (4, 1, 0, 0, 0, 0, 5),
        "unable_not_held": (21, 3, 1, 1, 1, 1, 28),
        "unable_needs_creation": (6, 0, 0, 0, 0, 0, 6),
        "unable_still_unclear": (2, 0, 0, 0, 0, 0, 2),
        "not_processed_petition": (7, 1, 0, 0, 0, 0, 8),
        "not_processed_duplicate": (3, 0, 0, 0, 0, 1, 4),
        "not_processed_publication": Z7,
        "not_processed_excessive": (1, 0, 0, 0, 0, 0, 1),
        "not_processed_confirmation": Z7,
        "other_no_correction": (2, 0, 0, 0, 1, 0, 3),
        "other_fee_unpaid": Z7,
        "other_other": (1, 1, 0, 0, 0, 0, 2),
        "handled_total": (124, 16, 2, 1, 5, 3, 151),
        "carried_out": (3, 1, 0, 0, 0, 0, 4),
    },
    appeals=(3, 1, 1, 0, 5, 2, 0, 0, 1, 3, 1, 0, 0, 0, 1),
)

UEDITOR = Page(
    "ueditor_2021.html",
    "ok",
    "2021",
    2024,
    "望江市市场监督管理局",
    False,
    active={
        "regulations": (1, 0, 5),
        "normative_documents": (22, 3, 104),  # 22（其中修订16件）
        "licensing": (15632,),
        "penalties": (2041,),
        "coercive_measures": (88,),
        "fees": (0,),
    },
    requests={
        "new": (63, 12, 0, 1, 4, 0, 80),
        "carried_in": (5, 0, 0, 0, 0, 0, 5),
        "granted": (30, 5, 0, 1, 2, 0, 38),
        "partially_granted": (6, 1, 0, 0, 0, 0, 7),
        "denied_state_secret": Z7,
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": (1, 0, 0, 0, 0, 0, 1),
        "denied_internal_affairs": Z7,
        "denied_process_information": (2, 1, 0, 0, 0, 0, 3),
        "denied_enforcement_files": Z7,
        "denied_administrative_query": (3, 0, 0, 0, 0, 0, 3),
        "unable_not_held": (14, 3, 0, 0, 1, 0, 18),
        "unable_needs_creation": (2, 0, 0, 0, 0, 0, 2),
        "unable_still_unclear": (1, 0, 0, 0, 0, 0, 1),
        "not_processed_petition": (4, 0, 0, 0, 0, 0, 4),
        "not_processed_duplicate": (1, 1, 0, 0, 0, 0, 2),
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_no_correction": (2, 0, 0, 0, 0, 0, 2),
        "other_fee_unpaid": Z7,
        "other_other": (1, 0, 0, 0, 1, 0, 2),
        "handled_total": (67, 11, 0, 1, 4, 0, 83),
        "carried_out": (1, 1, 0, 0, 0, 0, 2),
    },
    appeals=(4, 0, 1, 1, 6, 1, 0, 0, 2, 3, 0, 0, 0, 1, 1),
)

# a township with no requests: tables 三 and 四 printed as empty cells
TOWNSHIP = Page(
    "township_all_blank_2021.html",
    "ok",
    "2021",
    2023,
    "石门镇人民政府",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (0, 0, 3),
        "licensing": (0,),
        "penalties": (0,),
        "coercive_measures": (0,),
        "fees": (0,),
    },
    requests={r: Z7 for r in taxonomy.rows_of("requests", "2021") if r != taxonomy.OTHER_SINGLE_ROW},
    appeals=(0,) * 15,
)

HIDDEN = Page(
    "hidden_until_script_2021.html",
    "ok",
    "2021",
    2024,
    "临江区住房和城乡建设局",
    False,
    active={
        "regulations": (0, 0, 0),
        "normative_documents": (4, 1, 26),
        "licensing": (318,),
        "penalties": (27,),
        "coercive_measures": (3,),
        "fees": (0,),
    },
    requests={
        "new": (16, 2, 0, 0, 1, 0, 19),
        "carried_in": (1, 0, 0, 0, 0, 0, 1),
        "granted": (9, 1, 0, 0, 0, 0, 10),
        "partially_granted": (2, 0, 0, 0, 0, 0, 2),
        "denied_state_secret": Z7,  # one / across the row
        "denied_prohibited_by_law": Z7,
        "denied_three_securities_one_stability": Z7,
        "denied_third_party_rights": (1, 0, 0, 0, 0, 0, 1),
        "denied_internal_affairs": Z7,
        "denied_process_information": (1, 0, 0, 0, 0, 0, 1),
        "denied_enforcement_files": Z7,
        "denied_administrative_query": Z7,
        "unable_not_held": (3, 1, 0, 0, 1, 0, 5),
        "unable_needs_creation": Z7,
        "unable_still_unclear": Z7,  # two of its blanks merged
        "not_processed_petition": (1, 0, 0, 0, 0, 0, 1),
        "not_processed_duplicate": Z7,  # these seven rows: one merged blank block
        "not_processed_publication": Z7,
        "not_processed_excessive": Z7,
        "not_processed_confirmation": Z7,
        "other_no_correction": Z7,
        "other_fee_unpaid": Z7,
        "other_other": Z7,
        "handled_total": (17, 2, 0, 0, 1, 0, 20),
        "carried_out": Z7,
    },
    appeals=(0,) * 15,  # one 无 across the row
)

WITH_CELLS = [TRS, HANWEB, WORD, HANWEB_2019, PAGED, IMAGES_34, PORTAL, SPLIT, UEDITOR, TOWNSHIP, HIDDEN]


SIX = {taxonomy.OTHER_SINGLE_ROW, *taxonomy.OTHER_SPLIT_ROWS}
GBK = {HANWEB.file, WORD.file, HANWEB_2019.file}
UTF8 = {p.file for p in WITH_CELLS} - GBK


def extract(page: Page | str, data: bytes | None = None):
    name = page.file if isinstance(page, Page) else page
    return extract_bytes(data if data is not None else (PAGES / name).read_bytes(), source=name)


def read(page: Page) -> str:
    data = (PAGES / page.file).read_bytes()
    return data.decode("utf-8") if page.file in UTF8 else data.decode("gb18030", errors="replace")


def assert_cells(page: Page, data: bytes | None = None) -> None:
    e = extract(page, data)
    assert (e.status, e.format, e.year, e.agency) == (page.status, page.fmt, page.year, page.agency), e.error
    got = values(e)
    want = page.cells()
    if not page.six_shown:  # which shape （六） has is not shown: see the test below
        got = {k: v for k, v in got.items() if k[1] not in SIX}
        want = {k: v for k, v in want.items() if k[1] not in SIX}
    assert list(got) == list(want)  # the report's grid, in taxonomy order
    wrong = {k: (got[k], v) for k, v in want.items() if got[k] != v}
    assert not wrong, wrong


@pytest.mark.parametrize("page", WITH_CELLS, ids=[p.file for p in WITH_CELLS])
def test_every_cell_is_what_the_page_shows(page: Page) -> None:
    assert_cells(page)


def test_page_that_stops_before_six_keeps_the_formats_rows() -> None:
    got = values(extract(PAGED))
    assert list(got) == list(PAGED.cells())


def test_tables_all_printed_as_images_need_ocr() -> None:
    e = extract("images_only_2021.html")
    assert (e.status, e.cells) == ("needs_ocr", [])
    assert "3 images" in e.error


def test_blanks_keep_their_printed_text() -> None:
    got = raws(extract(HANWEB))
    assert got[("active_disclosure", "regulations", "issued")] == "/"
    assert got[("active_disclosure", "coercive_measures", "decisions")] == "—"
    assert got[("requests", "carried_in", "natural_person")] == ""  # &nbsp;
    assert got[("requests", "unable_needs_creation", "natural_person")] == ""  # after the split
    got = raws(extract(PORTAL))
    assert got[("active_disclosure", "normative_documents", "repealed")] == "无"
    assert got[("appeals", "admin_review", "upheld")] == "—"
    got = raws(extract(HIDDEN))
    assert got[("requests", "denied_state_secret", "total")] == "/"
    assert got[("appeals", "litigation_after_review", "total")] == "无"


def test_page_chrome_is_left_out() -> None:
    for name in ("trs_editor_2021.html", "hanweb_gbk_2021.html", "trs_paged_1of2_2021.html"):
        text = "\n".join(line.text for line in read_html((PAGES / name).read_bytes()).lines)
        for chrome in (
            "当前位置",
            "您现在的位置",
            "您的位置",
            "打印本页",
            "相关文章",
            "网站标识码",
            "下一页",
            "尾页",
        ):
            assert chrome not in text, (name, chrome)


def test_gbk_character_cut_in_a_meta_is_replaced_without_detection(monkeypatch: pytest.MonkeyPatch) -> None:
    import charset_normalizer

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("charset detection (~50 ms a page) for one broken GBK character")

    monkeypatch.setattr(charset_normalizer, "from_bytes", slow)
    text, encoding, problems = decode_html((PAGES / HANWEB.file).read_bytes())
    assert (encoding, problems) == ("gb18030", ["1 undecodable byte sequences replaced"])
    assert "青山县人民政府办公室2022年度政府信息公开工作年度报告" in text


def test_hidden_report_is_read_and_flagged() -> None:
    e = extract(HIDDEN)
    assert any("hidden" in p for p in e.problems)
    assert "请开启浏览器" not in e.narrative


@pytest.mark.parametrize("page", [HANWEB, WORD, HANWEB_2019], ids=lambda p: p.file)  # the GBK pages
def test_gbk_page_and_its_utf8_copy_give_the_same_cells(page: Page) -> None:
    text = read(page)
    utf8 = text.replace("charset=gb2312", "charset=utf-8").replace('charset="gbk"', 'charset="utf-8"')
    assert utf8 != text
    assert_cells(page, utf8.encode("utf-8"))
    assert raws(extract(page)) == raws(extract(page, utf8.encode("utf-8")))


# ------------------------------------------------------------------ other sites' layouts of the same pages


def _table(text: str, heading: str, end: str) -> tuple[int, int]:
    i = text.index(heading)
    return i, text.index(end, i)


def _per_row_tables(text: str) -> str:
    """Table 三 with every row a ``<table>`` of its own (a converter's output)."""
    i, j = _table(text, "三、收到和处理", "四、政府信息公开行政复议")
    return text[:i] + re.sub(r"</tr>\s*<tr>", "</tr></table>\n<table>\n<tr>", text[i:j]) + text[j:]


def _leading_empty_column(text: str) -> str:
    """Table 三 pasted from a spreadsheet: an empty column on its left."""
    i, j = _table(text, "三、收到和处理", "四、政府信息公开行政复议")
    return text[:i] + text[i:j].replace("<tr>", "<tr><td></td>") + text[j:]


def _merged_blank_row(text: str) -> str:
    """The six blank applicant cells of （三）2. merged into one cell."""
    blank = '<td width="60"><p><span></span></p></td>'
    row = re.search(r"<tr><td[^>]*><p><span>2\.其他法律行政法规禁止公开.*?</tr>", text, re.S).group(0)
    merged = row.replace(blank, '<td colspan="6" width="60"><p><span></span></p></td>', 1).replace(
        blank, "", 5
    )
    return text.replace(row, merged)


def _blank_merged_down(text: str) -> str:
    """The 自然人 blank of （五）2. merged down with the one of （五）3."""
    blank = '<td width="60"><p><span></span></p></td>'
    rows = re.findall(r"<tr>.*?</tr>", text, re.S)
    first = next(r for r in rows if "2.重复申请" in r)
    second = next(r for r in rows if "3.要求提供公开出版物" in r)
    text = text.replace(first, first.replace(blank, blank.replace("<td", '<td rowspan="2"'), 1))
    return text.replace(second, second.replace(blank, "", 1))


def _word_list_numbering(text: str) -> str:
    """Enumerators as Word's list numbering (``<!--[if !supportLists]-->``), as pasted into an editor."""
    return re.sub(
        r'<span lang="EN-US" ([^>]*)>(\d+\.)</span>',
        r"<!--[if !supportLists]--><span lang=EN-US style='mso-list:Ignore'>\2"
        "<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp;</span></span><!--[endif]-->",
        text,
    )


def _mobile_copy(text: str) -> str:
    """The article twice: the desktop copy and a mobile copy that only CSS classes hide."""
    m = re.search(r'<div class="TRS_Editor">.*?</div></div>', text, re.S)
    return text.replace(
        m.group(0), m.group(0) + '\n<div class="m-article visible-xs">' + m.group(0) + "</div>"
    )


def _pager_in_content(text: str) -> str:
    """The pager (共2页 1 2 下一页) inside the article, right after the report."""
    sign = (
        '<p style="text-align: right;"><span style="font-family: 仿宋_GB2312; font-size: 16pt;">云川市财政局'
    )
    pager = (
        '<div class="page"><span>共2页</span> <span>1</span> <a href="t_1.html">2</a> '
        '<a href="t_1.html">下一页</a></div>'
    )
    return text.replace(sign, pager + sign)


def _centred_in_layout_table(text: str) -> str:
    """Each table centred in a one-cell layout table."""
    return text.replace(
        '<div align="center"><table class="MsoNormalTable"',
        '<table width="100%" border="0"><tr><td align="center"><table class="MsoNormalTable"',
    ).replace("</tbody></table></div>", "</tbody></table></td></tr></table>")


def _minus_sign(text: str) -> str:
    """The negative 本年增/减 with a minus sign (U+2212), in a UTF-8 copy."""
    return text.replace("\u20132", "\u22122").replace('charset="gbk"', 'charset="utf-8"')


MUTATIONS = [
    (PORTAL, _per_row_tables),
    (PORTAL, _leading_empty_column),
    (PORTAL, _merged_blank_row),
    (PORTAL, _blank_merged_down),
    (TRS, _word_list_numbering),
    (TRS, _mobile_copy),
    (TRS, _pager_in_content),
    (TRS, _centred_in_layout_table),
    (HANWEB_2019, _minus_sign),
]


@pytest.mark.parametrize(
    ("page", "mutate"), MUTATIONS, ids=[f"{p.file}-{m.__name__[1:]}" for p, m in MUTATIONS]
)
def test_other_layouts_of_the_same_page_give_the_same_cells(page: Page, mutate) -> None:  # type: ignore[no-untyped-def]
    text = read(page)
    changed = mutate(text)
    assert changed != text
    assert_cells(page, changed.encode("utf-8"))
