"""A report rendered as a Word document (python-docx), and as Word 97-2003 (DOC) through LibreOffice.

``render_docx(report, variant)``:

- ``plain``: the tables with real merged cells (gridSpan, vMerge), blanks as empty cells;
- ``numbered``: every enumerator (一、 （一） 1.) drawn by Word's automatic numbering (numbering.xml),
  not typed: section headings, sub-headings, and the labels of table 三, restarting per group;
- ``textbox``: as ``plain``, with table 四 inside a text box (DrawingML with its VML fallback copy).

``render_doc(report, variant)`` converts the DOCX with ``soffice`` (skip when ``soffice_available()`` is
false).
"""

from __future__ import annotations

import copy
import io

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from gongkai.extract.office import convert, soffice
from tests.fixtures_office.report import Para, Report, Table

VARIANTS = ("plain", "numbered", "textbox")
_MORE_NS = (
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)

# abstract numbering definitions: id -> (format, level text)
_ABSTRACT = {90: ("chineseCounting", "%1、"), 91: ("chineseCounting", "（%1）"), 92: ("decimal", "%1.")}


def soffice_available() -> bool:
    return soffice() is not None


class _Numbers:
    """Numbering definitions added to the document's numbering part: one abstract definition per list
    (LibreOffice's DOC export keeps such lists counting; it splits lists made with startOverride)."""

    def __init__(self, doc) -> None:  # type: ignore[no-untyped-def]
        self.part = doc.part.numbering_part.element
        self.next_id = 100

    def new(self, kind: int) -> int:
        """A list of ``kind`` (a key of _ABSTRACT) that starts at 1."""
        fmt, text = _ABSTRACT[kind]
        num_id = self.next_id
        self.next_id += 1
        abstract = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{num_id}">'
            '<w:multiLevelType w:val="singleLevel"/>'
            f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
            '<w:suff w:val="nothing"/></w:lvl></w:abstractNum>'
        )
        nums = self.part.findall(qn("w:num"))
        if nums:
            nums[0].addprevious(abstract)
        else:
            self.part.append(abstract)
        self.part.append(
            parse_xml(f'<w:num {nsdecls("w")} w:numId="{num_id}"><w:abstractNumId w:val="{num_id}"/></w:num>')
        )
        return num_id


def _number(paragraph, num_id: int) -> None:  # type: ignore[no-untyped-def]
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def _fill_table(doc, table: Table, numbers: _Numbers | None):  # type: ignore[no-untyped-def]
    t = doc.add_table(rows=table.n_rows, cols=table.n_cols)
    t.style = "Table Grid"
    groups = numbers.new(91) if numbers else 0  # （一）…（七） in column 1 of table 三
    tops = numbers.new(90) if numbers else 0  # 一、… 四、 in column 0
    sub = 0  # 1. 2. 3. under the current group, counted afresh in each group
    # table.cell() walks the whole table each time: take the cells once (merges never touch the
    # first or last cell of another merge, so these stay valid)
    grid = t._cells

    def cell(r: int, c: int):  # type: ignore[no-untyped-def]
        return grid[r * table.n_cols + c]

    for c in sorted(table.cells, key=lambda c: (c.row, c.col)):
        target = cell(c.row, c.col)
        if c.rowspan > 1 or c.colspan > 1:
            target = target.merge(cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
        p = target.paragraphs[0]
        text = c.text
        if numbers and c.enum and table.name == "requests":
            if c.enum.endswith("、"):
                _number(p, tops)
            elif c.enum.startswith("（"):
                _number(p, groups)
                sub = numbers.new(92)
            else:
                _number(p, sub)
            text = text[len(c.enum) :]
        p.add_run(text)
    return t


def _textbox(doc, tbl_element) -> None:  # type: ignore[no-untyped-def]
    """Move a table into a floating text box: DrawingML (mc:Choice) with a VML copy (mc:Fallback)."""
    fallback_table = copy.deepcopy(tbl_element)
    anchor = parse_xml(
        f"<mc:AlternateContent {nsdecls('w', 'wp', 'a')} {_MORE_NS}>"
        '<mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="1" '
        'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset>'
        '</wp:positionH><wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="5400000" cy="1200000"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        "<wp:wrapTopAndBottom/>"
        '<wp:docPr id="901" name="文本框 1"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5400000" '
        'cy="1200000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>'
        "<wps:txbx><w:txbxContent/></wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice>"
        '<mc:Fallback><w:pict><v:shape id="文本框 1" type="#_x0000_t202" style="width:425pt;height:95pt">'
        "<v:textbox><w:txbxContent/></v:textbox></v:shape></w:pict></mc:Fallback>"
        "</mc:AlternateContent>"
    )
    boxes = anchor.findall(".//" + qn("w:txbxContent"))
    tbl_element.getparent().remove(tbl_element)
    for box, table in zip(boxes, (tbl_element, fallback_table), strict=True):
        box.append(table)
        box.append(parse_xml(f"<w:p {nsdecls('w')}/>"))
    paragraph = doc.add_paragraph()
    run = paragraph.add_run()
    run._r.append(anchor)


def render_docx(report: Report, variant: str = "plain") -> bytes:
    doc = Document()
    numbers = _Numbers(doc) if variant == "numbered" else None
    headings = numbers.new(90) if numbers else 0
    subheadings = numbers.new(91) if numbers else 0
    for block in report.blocks:
        if isinstance(block, Para):
            p = doc.add_paragraph()
            text = block.text
            if numbers and block.enum:
                _number(p, headings if block.style == "heading" else subheadings)
                text = text[len(block.enum) :]
            run = p.add_run(text)
            run.bold = block.style != "body"
            continue
        t = _fill_table(doc, block, numbers)
        if variant == "textbox" and block.name == "appeals":
            _textbox(doc, t._tbl)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_doc(report: Report, variant: str = "plain") -> bytes:
    """The report as a Word 97-2003 file, converted from ``render_docx`` by LibreOffice."""
    return convert(render_docx(report, variant), ".docx", "doc")
