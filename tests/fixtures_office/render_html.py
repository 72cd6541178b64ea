# the page templates are long lines of HTML, as the sites serve them
# ruff: noqa: E501
"""A report rendered as the HTML pages government websites publish, in several CMS-like templates.

``render_html(report, template, encoding)`` gives the page bytes and the ``Content-Type`` header it is
served with. The templates:

- ``portal``: an HTML5 CMS article page: header, nav, breadcrumb, share bar, sidebar, footer, scripts;
  tables with ``<thead>``, ``<th>`` headers broken with ``<br>``, a vertical label one character per
  line, numbers in ``<span>``, blanks as ``&nbsp;``.
- ``legacy``: an old portal in nested layout tables, upper-case tags and unquoted attributes, numbers
  in ``<font>``, value cells that should span three columns written as one cell and two ``&nbsp;`` cells
  (misaligned colspans), the title only in a ``td class=biaoti`` and ``<title>``.
- ``word``: Word's "save as web page": ``MsoNormalTable``, every cell text in ``<p class=MsoNormal>``
  and ``<span lang=EN-US>``, digits split over spans, ``<o:p>&nbsp;</o:p>`` blanks, vertical labels one
  ``<p>`` per character, table 三 split in two tables at a page break, the zero-height
  ``supportMisalignedColumns`` row.
- ``fragment``: the article alone, no ``<html>``, no ``<meta>`` (the charset only in the HTTP header):
  a metadata table (索引号…), ``<th>`` headers, every cell's text in ``<p>``.

Zero cells that the report leaves blank (``Report.shown``) print as ``&nbsp;``, ``/``, ``—`` or ``无``.

Each in ``utf-8`` or ``gbk`` (declared as gb2312, gbk or only in the header).
"""

from __future__ import annotations

from html import escape

from tests.fixtures_office.report import Para, Report, Table, TCell

TEMPLATES = ("portal", "legacy", "word", "fragment")


def _e(text: str) -> str:
    return escape(text, quote=False)


def _broken(text: str) -> str:
    """A long header broken in two with ``<br>``, as narrow columns print it."""
    if len(text) < 6:
        return _e(text)
    half = len(text) // 2
    return f"{_e(text[:half])}<br>{_e(text[half:])}"


def _rows(table: Table) -> list[list[TCell]]:
    rows: list[list[TCell]] = [[] for _ in range(table.n_rows)]
    for c in table.cells:
        rows[c.row].append(c)
    for row in rows:
        row.sort(key=lambda c: c.col)
    return rows


def _spans(c: TCell, upper: bool = False) -> str:
    """`` rowspan="2" colspan="3"`` (or the upper-case, unquoted ``rowSpan=2`` of old pages)."""
    rowspan, colspan, quote = ("rowSpan", "colSpan", "") if upper else ("rowspan", "colspan", '"')
    out = ""
    if c.rowspan > 1:
        out += f" {rowspan}={quote}{c.rowspan}{quote}"
    if c.colspan > 1:
        out += f" {colspan}={quote}{c.colspan}{quote}"
    return out


# ------------------------------------------------------------------ portal


def _portal_cell(c: TCell) -> str:
    if c.kind == "value":
        inner = f'<span style="font-size:14px;">{_e(c.text)}</span>' if c.text else "&nbsp;"
        return f'<td{_spans(c)} align="center">{inner}</td>'
    if c.kind == "header":
        return f"<th{_spans(c)}>{_broken(c.text)}</th>"
    if c.rowspan > 4:  # the vertical 三、本年度办理结果
        return f'<td{_spans(c)} style="width:2em">{"<br>".join(_e(ch) for ch in c.text)}</td>'
    text = _broken(c.text) if len(c.text) > 14 else _e(c.text)
    return f"<td{_spans(c)}>{text}</td>"


def _portal_table(table: Table) -> str:
    rows = _rows(table)
    head = "".join(f"<tr>{''.join(_portal_cell(c) for c in row)}</tr>\n" for row in rows[: table.header_rows])
    body = "".join(f"<tr>{''.join(_portal_cell(c) for c in row)}</tr>\n" for row in rows[table.header_rows :])
    thead = f"<thead>\n{head}</thead>\n" if head else ""
    return (
        '<div class="table-wrap"><table border="1" cellspacing="0" cellpadding="0" width="100%" '
        f'style="border-collapse:collapse">\n{thead}<tbody>\n{body}</tbody>\n</table></div>\n'
    )


def _portal(report: Report, charset: str, attachment: bool) -> str:
    title, agency, year = report.title, report.agency, report.year
    parts = []
    for block in report.blocks[1:]:
        if isinstance(block, Table):
            parts.append(_portal_table(block))
        elif block.style in ("heading", "subheading"):
            parts.append(f'<p style="text-indent:2em;"><strong>{_e(block.text)}</strong></p>\n')
        else:
            parts.append(f'<p style="text-indent:2em;">{_e(block.text)}</p>\n')
    files = (
        f'<div class="attachments">附件：<a href="/zwgk/ndbg/{year + 1}01/P0{year + 1}0120.pdf">{_e(title)}.pdf</a></div>'
        if attachment
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}_{_e(agency)}</title>
<link rel="stylesheet" href="/css/main.css">
<style>.nav li{{float:left}} td{{text-align:center}}</style>
<script>var _hmt = _hmt || []; document.write("<div>本年新收 行政复议 予以公开</div>");</script>
</head>
<body>
<header class="top">
<div class="logo"><img src="/images/logo.png" alt="{_e(agency)}" width="300" height="50"></div>
<nav class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></nav>
</header>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/ndbg/">政府信息公开年报</a> &gt; 正文</div>
<div class="main">
<div class="article">
<h1 class="article-title">{_e(title)}</h1>
<div class="article-info"><span>发布时间：{year + 1}-01-20 09:30</span> <span>来源：{_e(agency)}</span> <span>浏览次数：<em id="hits">1024</em></span> <span class="font-size">字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a></span></div>
<div class="share bdsharebuttonbox">分享到：<a href="#" class="bds_weixin">微信</a><a href="#" class="bds_tsina">微博</a><img src="/images/share.png"></div>
<div id="zoom" class="article-content TRS_Editor">
{"".join(parts)}</div>
{files}
<div class="hidden-print" style="display: none">本年新收政府信息公开申请数量 99 99 99 99 99 99 99</div>
<div class="prev-next"><p>上一篇：<a href="/zwgk/ndbg/{year}01/t{year}0120_1.html">{_e(agency)}{year - 1}年政府信息公开工作年度报告</a></p></div>
</div>
<aside class="sidebar"><h3>相关链接</h3><ul>
<li><a href="/zwgk/ndbg/{year}01/t1.html">{_e(agency)}{year - 1}年政府信息公开工作年度报告</a></li>
<li><a href="/zwgk/ndbg/{year - 1}01/t2.html">{_e(agency)}{year - 2}年政府信息公开工作年度报告</a></li>
</ul></aside>
</div>
<footer class="footer"><p>主办单位：{_e(agency)}　网站标识码：3201000001　苏ICP备12345678号</p><p>版权所有 {year + 1} 行政复议 咨询电话：025-12345678</p></footer>
<script src="/js/share.js"></script>
<script>window._bd_share_config={{"common":{{"bdText":"{_e(title)}"}}}};</script>
</body>
</html>
"""


# ------------------------------------------------------------------ legacy


def _legacy_table(table: Table) -> str:
    out = ['<TABLE border=1 cellSpacing=0 cellPadding=0 width="98%" align=center>']
    for row in _rows(table):
        cells = []
        for c in row:
            if c.kind == "value":
                inner = f"<FONT face=宋体 size=2>{_e(c.text)}</FONT>" if c.text else "&nbsp;"
                if c.colspan > 1 and c.rowspan == 1:  # misaligned: one cell and empty ones
                    cells.append(f"<TD align=middle>{inner}</TD>" + "<TD>&nbsp;</TD>" * (c.colspan - 1))
                    continue
                cells.append(f"<TD align=middle{_spans(c, True)}>{inner}</TD>")
            else:
                cells.append(
                    f"<TD align=middle{_spans(c, True)}><FONT face=宋体 size=2>{_e(c.text)}</FONT></TD>"
                )
        out.append(f"<TR>{''.join(cells)}</TR>")
    out.append("</TABLE>")
    return "\n".join(out) + "\n"


def _legacy(report: Report, charset: str, attachment: bool) -> str:
    title, agency, year = report.title, report.agency, report.year
    parts = []
    for block in report.blocks[1:]:
        if isinstance(block, Table):
            parts.append(_legacy_table(block))
        elif block.style in ("heading", "subheading"):
            parts.append(f"<P><B>{_e(block.text)}</B></P>\n")
        else:
            parts.append(f"<P>&nbsp;&nbsp;&nbsp;&nbsp;{_e(block.text)}</P>\n")
    files = (
        f'<P>附件：<A href="../../upload/{year + 1}/report.doc">{_e(title)}.doc</A></P>' if attachment else ""
    )
    return f"""<HTML>
<HEAD>
<META http-equiv=Content-Type content="text/html; charset={charset}">
<TITLE>{_e(title)}</TITLE>
<LINK href="/css/style.css" type=text/css rel=stylesheet>
</HEAD>
<BODY leftMargin=0 topMargin=0>
<TABLE width=1000 align=center border=0 cellPadding=0 cellSpacing=0>
<TR><TD colSpan=2><IMG src="/images/banner.jpg" width=1000 height=120></TD></TR>
<TR><TD colSpan=2 class=daohang><A href="/">首页</A> | <A href="/zwgk/">政务公开</A> | <A href="/zwgk/nb/">政府信息公开年报</A> | <A href="/hdjl/">行政复议</A></TD></TR>
<TR>
<TD width=200 vAlign=top class=left>
<TABLE width="100%"><TR><TD><A href="/zwgk/zn/">政府信息公开指南</A></TD></TR><TR><TD><A href="/zwgk/nb/">政府信息公开年报</A></TD></TR><TR><TD>联系电话：0517-1234567</TD></TR></TABLE>
</TD>
<TD width=800 vAlign=top>
<TABLE width="100%" border=0>
<TR><TD align=center class=biaoti><FONT size=4><B>{_e(title)}</B></FONT></TD></TR>
<TR><TD align=center>发布日期：{year + 1}年01月20日　　来源：{_e(agency)}　　【<A href="javascript:window.print()">打印本页</A>】</TD></TR>
<TR><TD class=zw>
{"".join(parts)}{files}
</TD></TR>
</TABLE>
</TD>
</TR>
<TR><TD colSpan=2 align=center class=footer>版权所有：{_e(agency)}　地址：金林区人民路1号　电话：0517-1234567</TD></TR>
</TABLE>
</BODY>
</HTML>
"""


# ------------------------------------------------------------------ word


def _word_text(text: str, vertical: bool = False) -> str:
    if not text:
        return "<p class=MsoNormal align=center><span lang=EN-US><o:p>&nbsp;</o:p></span></p>"
    if vertical:
        return "".join(
            f"<p class=MsoNormal align=center style='text-align:center'><span style='font-size:10.5pt'>{_e(ch)}</span></p>"
            for ch in text
        )
    if text.isdigit() and len(text) > 1:  # Word splits runs in the middle of numbers
        inner = f"<span lang=EN-US>{_e(text[:1])}</span><span lang=EN-US>{_e(text[1:])}</span>"
    else:
        inner = f"<span lang=EN-US style='font-size:10.5pt;font-family:仿宋_GB2312'>{_e(text)}</span>"
    return f"<p class=MsoNormal align=center style='text-align:center'>{inner}<span lang=EN-US><o:p></o:p></span></p>"


def _word_rows(rows: list[list[TCell]]) -> list[str]:
    out = []
    for r, row in enumerate(rows):
        cells = []
        for c in row:
            span = min(c.rowspan, len(rows) - r)  # a rowspan ends with its table part
            cell = TCell(c.row, c.col, c.text, span, c.colspan, c.kind)
            cells.append(
                f"<td width=56{_spans(cell)} valign=middle style='border:solid windowtext 1.0pt;"
                f"padding:0cm 5.4pt 0cm 5.4pt'>{_word_text(c.text, vertical=c.rowspan > 4)}</td>"
            )
        out.append(f" <tr style='height:20.0pt'>\n  {''.join(cells)}\n </tr>")
    return out


def _word_table(table: Table) -> str:
    rows = _rows(table)
    parts = [rows]
    if table.name == "requests":
        parts = [rows[:-1], rows[-1:]]  # 四、结转下年度继续办理 on the next page
    out = []
    for k, part in enumerate(parts):
        if k:
            out.append(
                "<b><span lang=EN-US style='font-size:10.5pt;font-family:仿宋_GB2312'>"
                "<br clear=all style='page-break-before:always'></span></b>"
            )
        body = "\n".join(_word_rows(part))
        filler = "".join("<td width=56 style='border:none'></td>" for _ in range(table.n_cols))
        out.append(
            "<div align=center><table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 width=568 "
            "style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt'>\n"
            f"{body}\n <![if !supportMisalignedColumns]>\n <tr height=0>{filler}</tr>\n <![endif]>\n</table></div>"
        )
    return "\n".join(out) + "\n"


def _word(report: Report, charset: str, attachment: bool) -> str:
    parts = [
        "<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;"
        f"font-family:方正小标宋简体'>{_e(report.title)}<span lang=EN-US><o:p></o:p></span></span></b></p>\n"
    ]
    for block in report.blocks[1:]:
        if isinstance(block, Table):
            parts.append(_word_table(block))
        else:
            font = "黑体" if block.style == "heading" else "仿宋_GB2312"
            parts.append(
                f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'><span style='font-size:16.0pt;"
                f"font-family:{font}'>{_e(block.text)}</span><span lang=EN-US style='font-size:16.0pt'>"
                "<o:p></o:p></span></p>\n"
            )
    return f"""<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset={charset}">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<title>{_e(report.title)}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties><o:Author>admin</o:Author><o:Pages>5</o:Pages></o:DocumentProperties>
</xml><![endif]-->
<style>
<!--
 p.MsoNormal {{margin:0cm;text-align:justify;font-size:10.5pt;font-family:"Times New Roman";}}
-->
</style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<div class=WordSection1 style='layout-grid:15.6pt'>
{"".join(parts)}
</div>
</body>
</html>
"""


# ------------------------------------------------------------------ fragment


def _fragment_cell(c: TCell) -> str:
    tag = "th" if c.kind in ("header", "note") else "td"
    if c.kind == "value":
        return f'<td{_spans(c)}><p style="text-align:center">{_e(c.text) or "&nbsp;"}</p></td>'
    return f"<{tag}{_spans(c)}><p>{_e(c.text)}</p></{tag}>"


def _fragment(report: Report, charset: str, attachment: bool) -> str:
    parts = []
    for block in report.blocks[1:]:
        if isinstance(block, Table):
            rows = "\n".join(f"<tr>{''.join(_fragment_cell(c) for c in row)}</tr>" for row in _rows(block))
            parts.append(f'<table class="MsoTable" border="1">\n{rows}\n</table>\n')
        elif isinstance(block, Para) and block.style == "heading":
            parts.append(f"<h3>{_e(block.text)}</h3>\n")
        else:
            parts.append(f"<p>{_e(block.text)}</p>\n")
    year = report.year
    return f"""<div class="xxgk-detail">
<table class="xxgk-info">
<tr><th>索引号</th><td>11320100MB1234567/{year + 1}-00001</td><th>发布机构</th><td>{_e(report.agency)}</td></tr>
<tr><th>发文日期</th><td>{year + 1}-01-20</td><th>主题分类</th><td>政务公开</td></tr>
</table>
<div class="title">{_e(report.title)}</div>
<div class="content">
{"".join(parts)}</div>
</div>
"""


_RENDER = {"portal": _portal, "legacy": _legacy, "word": _word, "fragment": _fragment}


def render_html(
    report: Report, template: str, encoding: str = "utf-8", attachment: bool = False
) -> tuple[bytes, str | None]:
    """The page's bytes and its ``Content-Type`` header (None when the server sends no charset).

    ``encoding`` is ``utf-8`` or ``gbk``; GBK pages declare ``gb2312`` (legacy, word), ``gbk``
    (portal) or nothing at all (fragment: the charset is only in the header).
    """
    gbk = encoding.lower() in ("gbk", "gb2312", "gb18030")
    declared = {"portal": "gbk", "legacy": "gb2312", "word": "gb2312", "fragment": "gbk"}[template]
    charset = declared if gbk else "utf-8"
    page = _RENDER[template](report, charset, attachment)
    data = page.encode("gbk" if gbk else "utf-8")
    content_type = f"text/html; charset={charset.upper()}" if template == "fragment" else "text/html"
    return data, content_type
