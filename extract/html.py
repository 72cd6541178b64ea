"""HTML report pages into lines: decode, find the report body, lay its tables out as grids.

Government article pages wrap the report in navigation, breadcrumbs, share buttons and footers, and
are often encoded GBK/GB2312. The page is decoded (BOM, strict UTF-8, the HTTP header's charset,
``<meta charset>``, GB18030, a run-by-run reading for pages that mix UTF-8 and GBK, a few broken
characters replaced, then charset detection), parsed with lxml's tolerant HTML parser, and the report
body is the smallest element that holds the statistical tables and the report's section headings.
Hidden elements are dropped, unless they hold the report's only tables (an article hidden until a
script shows it). Its text blocks become lines; each data table is expanded into a grid
(``extract/grid.py``) and written one tab-separated line per row: a small table inside a cell is
that cell's text, Word's placeholder cells hold a place and print nothing, a negative number printed
with a dash keeps its sign. A table of tables is page layout, read as blocks. Lines carry the source
line of the HTML element they come from.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice
from urllib.parse import urljoin

from lxml import etree

from gongkai.extract import grid, limits, pictures
from gongkai.extract.lines import extract_lines
from gongkai.extract.pictures import Placed
from gongkai.extract.stream import Line
from gongkai.model import Extraction, Picture
from gongkai.numbers import MINUS_SIGNS, signed
from gongkai.titles import MENTIONS_REPORT, MENTIONS_REPORT_WITH_YEAR


class NotHTML(ValueError):
    """The bytes are not an HTML page that can be read."""


# ------------------------------------------------------------------ decoding

_GB = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "csgb2312", "ms936", "x-euc-cn"}
_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_NON_ASCII = re.compile(rb"[\x80-\xff]+")
_UTF8_WIDE = re.compile(rb"[\xe0-\xef][\x80-\xbf]{2}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def codec_of(name: str | None) -> str | None:
    """The Python codec for a declared charset; the GB2312/GBK family reads as GB18030 (their superset)."""
    if not name:
        return None
    name = name.strip().lower()
    if name in _GB:
        return "gb18030"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "gb18030" if codec in {"gb2312", "gbk", "gb18030"} else codec


def declared_charsets(data: bytes, content_type: str | None = None) -> list[str]:
    """Codecs the HTTP ``Content-Type`` header and the page's ``<meta>`` declare, in that order."""
    out: list[str] = []
    if content_type:
        m = _CHARSET.search(content_type)
        codec = codec_of(m.group(1)) if m else None
        if codec:
            out.append(codec)
    m2 = _META.search(data[:8192])
    codec = codec_of(m2.group(1).decode("ascii", "replace")) if m2 else None
    if codec and codec not in out:
        out.append(codec)
    return out


def _mixed(data: bytes, fallback: str) -> tuple[str, int]:
    """Each run of non-ASCII bytes read as UTF-8 where it is valid UTF-8, else in ``fallback``."""
    parts: list[str] = []
    pos = 0
    utf8_runs = 0
    for m in _NON_ASCII.finditer(data):
        parts.append(data[pos : m.start()].decode("ascii"))
        run = m.group(0)
        try:
            if not _UTF8_WIDE.search(run):
                raise UnicodeDecodeError("utf-8", run, 0, 1, "no multi-byte character")
            parts.append(run.decode("utf-8"))
            utf8_runs += 1
        except UnicodeDecodeError:
            parts.append(run.decode(fallback, errors="replace"))
        pos = m.end()
    parts.append(data[pos:].decode("ascii"))
    return "".join(parts), utf8_runs


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str, list[str]]:
    """The page's text, the encoding it was read with, and problems met on the way.

    A byte-order mark wins; then strict UTF-8 (pages declared GB2312 are often served as UTF-8, and
    GBK text is almost never valid UTF-8); then the declared charsets; then GB18030 (before a declared
    Western charset, which decodes anything); then UTF-8 and GBK run by run; then the declared charset
    or GB18030 with a few broken characters replaced (a CMS cut a GBK character in two); then
    detection.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            bad = text.count("\ufffd")
            return text, encoding, ([f"{bad} bytes not {encoding} replaced"] if bad else [])
    if b"\x00" in data[:4096]:
        raise NotHTML("binary content (NUL bytes): not an HTML page")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    declared = [c for c in declared_charsets(data, content_type) if c != "utf-8"]
    # servers that default to ISO-8859-1 send Chinese pages with it: a Western charset comes last
    western = [c for c in declared if c.startswith(("iso8859", "cp125", "latin", "ascii", "mac-roman"))]
    candidates = [c for c in declared if c not in western] + ["gb18030"] + western
    for codec in dict.fromkeys(candidates):
        try:
            return data.decode(codec), codec, []
        except (UnicodeDecodeError, LookupError):
            continue
    text, utf8_runs = _mixed(data, "gb18030")
    if utf8_runs:
        return text, "utf-8+gb18030", ["mixed encodings: parts of the page are UTF-8 and parts GB18030/GBK"]
    # a few broken characters (a CMS cut a <meta> description in the middle of a GBK character):
    # the declared charset, or GB18030, with them replaced; detection is for pages that are not
    for codec in dict.fromkeys([c for c in declared if c not in western] + ["gb18030"]):
        try:
            replaced = data.decode(codec, errors="replace")
        except LookupError:
            continue
        bad = replaced.count("\ufffd")
        if bad <= max(8, len(replaced) // 2000):
            return replaced, codec, [f"{bad} undecodable byte sequences replaced"]
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), best.encoding, [f"encoding not declared correctly; detected {best.encoding}"]
    bad = text.count("\ufffd")
    return text, "gb18030", [f"{bad} undecodable byte sequences replaced"]


# ------------------------------------------------------------------ the page

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, encoding="utf-8")
_DROP = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "svg",
        "canvas",
        "object",
        "embed",
        "iframe",
        "frame",
        "frameset",
        "audio",
        "video",
        "map",
        "head",
        "title",
        "meta",
        "link",
        "base",
    }
)
_BOILERPLATE_TAGS = frozenset({"nav", "header", "footer", "aside"})
# class or id of navigation, share bars, breadcrumbs and footers (whole words where a name is common)
_BOILERPLATE = re.compile(
    r"share|jiathis|breadcrumb|crumb|nav|footer|copyright|sidebar|pagination|toolbar"
    r"|(?<![a-z])(?:position|location|menu|btn|pager|related|comment|dqwz)(?![a-z])",
    re.I,
)
_BLOCK = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "main",
        "blockquote",
        "pre",
        "center",
        "address",
        "figure",
        "figcaption",
        "hr",
        "tr",
        "tbody",
        "thead",
        "tfoot",
        "caption",
        "form",
        "fieldset",
        "legend",
        "header",
        "footer",
        "nav",
        "aside",
        "details",
        "summary",
        "table",
        "td",
        "th",
    }
)
_SPACE = re.compile(r"[\s\u3000]+")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
# text that marks the report: section headings and table labels
_MARKER_WORDS = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请",
    "行政复议",
    "存在的主要问题",
    "其他需要报告的事项",
    "本年新收",
    "予以公开",
    "第二十条第",
)
_MARKERS = re.compile("|".join(_MARKER_WORDS))
_TABLE_LABELS = re.compile(
    r"本年新收|上年结转|予以公开|不予公开|无法提供|行政复议|行政诉讼|第二十条|信息内容|"
    r"行政许可|行政处罚|本年制发|本年新制作|申请人情况|结果维持"
)
_DOCUMENT_LINK = re.compile(r"\.(pdf|docx?|wps|rtf|ofd)(?:$|[?#&;])", re.I)
_UNWANTED = _DROP - {"iframe", "embed", "object"}  # their links are read before they go
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# headings, and elements whose class or id says title (biaoti, bt: pinyin), on an XPath axis
_TITLE_ELEMENTS = (
    "{axis}::*[self::h1 or self::h2 or self::h3 or self::h4 or "
    + " or ".join(
        f"contains(translate(@{attr}, '{_UPPER}', '{_UPPER.lower()}'), '{word}')"
        for attr in ("class", "id")
        for word in ("title", "biaoti", "tit", "bt")
    )
    + "]"
)
_BEFORE = etree.XPath(_TITLE_ELEMENTS.format(axis="preceding"))
_AFTER = etree.XPath(" | ".join(_TITLE_ELEMENTS.format(axis=axis) for axis in ("following", "descendant")))
_ICON = re.compile(r"icon|logo|share|qrcode|ewm|erweima|btn|button|arrow|weixin|weibo|wechat|print", re.I)


@dataclass
class Page:
    """What the page holds: its lines, and what the extractor reports beside the cells."""

    lines: list[Line]
    encoding: str
    attachments: list[str] = field(default_factory=list)
    images: int = 0  # images in the report body
    data_tables: int = 0  # tables with report labels in them
    problems: list[str] = field(default_factory=list)
    pictures: list[Placed] = field(default_factory=list)  # the body's images, where they stand


def _compact(text: str) -> str:
    return _SPACE.sub("", text.replace("\xa0", ""))


def _text_of(el: etree._Element) -> str:
    """All text below ``el`` (``_space_blocks`` has put spaces after its blocks and line breaks)."""
    text = (el.text or "") if len(el) == 0 else "".join(el.itertext())
    return text if text.isdigit() else grid.clean(text)


def _space_blocks(body: etree._Element) -> None:
    """A space after every line break and block, so that text joined across them stays apart."""
    for el in body.iter("br", "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"):
        el.tail = " " + el.tail if el.tail else " "


class _Writer:
    """Text blocks and table rows into numbered lines."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        self.buf: list[str] = []
        self.lineno = 0
        self.images = 0
        self.pictures: list[Placed] = []

    def add(self, text: str, lineno: int | None) -> None:
        if not self.buf:
            self.lineno = lineno or self.lineno
        self.buf.append(text)

    def flush(self) -> None:
        if self.buf:
            text = grid.clean("".join(self.buf))
            if text:
                self.lines.append(Line(text, None, self.lineno))
            self.buf = []

    def walk(self, el: etree._Element) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            self.flush()
            self.table(el)
        elif tag == "img":
            if _is_content_image(el):
                self.images += 1
                self.flush()
                self.pictures.append(Placed(len(self.lines), el.get("src") or ""))
        elif tag == "br":
            self.flush()
        elif tag not in _DROP:
            block = tag in _BLOCK
            if block:
                self.flush()
            if el.text:
                self.add(el.text, el.sourceline)
            for child in el:
                self.walk(child)
            if block:
                self.flush()
        if el.tail:
            self.add(el.tail, el.sourceline)

    def table(self, table: etree._Element) -> None:
        rows = _rows(table)
        caption = table.find("caption")
        if caption is not None:
            self.walk_children(caption)
        nested = table.find(".//table") is not None
        if nested and _is_layout(table):
            self._layout(rows)
            return
        if nested:  # a small table inside a cell: its cells' text stays apart
            for td in table.iter("td", "th"):
                td.tail = " " + td.tail if td.tail else " "
        self.images += sum(1 for img in table.iter("img") if _is_content_image(img))
        limits.check_table(len(rows), sum(1 for tr in rows for td in tr if td.tag in ("td", "th")))
        spec: list[list[tuple[str, int, int]]] = []
        linenos: list[int] = []
        long_text = False
        placeholders: set[int] = set()  # Word's filler cells of ragged rows: they hold a place, print nothing
        n = 0
        for tr in rows:
            cells = []
            for td in tr:
                if td.tag not in ("td", "th"):
                    continue
                text = _text_of(td)
                if text and text[0] in MINUS_SIGNS:
                    text = signed(text)
                if len(text) > 200:
                    long_text = True
                rowspan, colspan = td.get("rowspan"), td.get("colspan")
                cells.append((text, _span(rowspan) if rowspan else 1, _span(colspan) if colspan else 1))
                style = td.get("style")
                if style and "mso-cell-special" in style and not text:
                    placeholders.add(n)
                n += 1
            spec.append(cells)
            linenos.append(tr.sourceline or self.lineno)
        cells_placed = grid.place(spec)
        if placeholders:
            cells_placed = [c for k, c in enumerate(cells_placed) if k not in placeholders]
        width = max((c.col + c.colspan for c in cells_placed), default=0)
        if width <= 1 or (long_text and not any(grid.kind_of(c.text) == "value" for c in cells_placed)):
            self._layout(rows)
            return
        for r, text in grid.grid_rows(cells_placed):
            self.lines.append(Line(text, None, linenos[r]))

    def walk_children(self, el: etree._Element) -> None:
        self.flush()
        if el.text:
            self.add(el.text, el.sourceline)
        for child in el:
            self.walk(child)
        self.flush()

    def _layout(self, rows: list[etree._Element]) -> None:
        """A table used for page layout: each cell's content as blocks of its own."""
        for tr in rows:
            for td in tr:
                if td.tag in ("td", "th"):
                    self.walk_children(td)


def _is_layout(table: etree._Element) -> bool:
    """A table with tables inside: page layout, unless they are pieces of its cells.

    Pieces (a note boxed in a corner cell, a cell split in two) have no report labels of their own,
    and sit in a table that has report labels and no long text (a layout table holds the article)."""
    for inner in table.iter("table"):
        if inner is not table and _TABLE_LABELS.search(_compact("".join(islice(inner.itertext(), 120)))):
            return True
    if not _TABLE_LABELS.search(_compact("".join(islice(table.itertext(), 400)))):
        return True
    return any(len(_compact(" ".join(td.itertext()))) > 200 for tr in _rows(table) for td in tr)


def _rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows.extend(tr for tr in child if tr.tag == "tr")
    return rows


def _span(value: str | None) -> int:
    if not value:
        return 1
    if value.isdigit():
        return int(value)
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else 1


def _is_content_image(img: etree._Element) -> bool:
    src = img.get("src") or ""
    if _ICON.search(src) or _ICON.search(img.get("class") or ""):
        return False
    for attr in ("width", "height"):
        size = _span(img.get(attr)) if img.get(attr) else None
        if size is not None and size < 60:
            return False
    return True


def _lca(elements: list[etree._Element]) -> etree._Element | None:
    if not elements:
        return None
    chain = [elements[0], *elements[0].iterancestors()]
    depth = {e: i for i, e in enumerate(chain)}  # holding the proxies keeps their identity stable
    best = 0
    for el in elements[1:]:
        node: etree._Element | None = el
        while node is not None and node not in depth:
            node = node.getparent()
        if node is None:
            return chain[-1]
        best = max(best, depth[node])
    return chain[best]


def _texts(root: etree._Element) -> Iterator[tuple[str, etree._Element | None]]:
    """Every text and tail that is not plain ASCII (so may hold a heading), with its element."""
    for el in root.iter():  # faster than an XPath text() search
        text = el.text
        if text and not text.isascii():
            yield text, el
        text = el.tail
        if text and not text.isascii():
            yield text, el.getparent()


def _body(root: etree._Element) -> tuple[etree._Element, int]:
    """The report body (the smallest element holding the report tables and headings) and its tables."""
    tables = [
        t
        for t in root.iter("table")
        if _TABLE_LABELS.search(_compact("".join(islice(t.itertext(), 120))))
        and (t.find(".//table") is None or not _is_layout(t))
    ]
    in_tables = {tr for t in tables for tr in _rows(t)}
    markers: dict[etree._Element, None] = {}
    titles: dict[etree._Element, None] = {}
    for text, owner in _texts(root):
        compact = _compact(text)
        found = markers if _MARKERS.search(compact) else titles if MENTIONS_REPORT.search(compact) else None
        if found is None or owner is None or owner in found:
            continue
        chain = _chain(owner)
        # labels in a data table add nothing to the table; link text is navigation
        if any(a.tag == "a" for a in chain) or any(a in in_tables for a in chain[:4]):
            continue
        found[owner] = None
    # headings in a footer or sidebar (版权所有…行政复议) do not pull the body out to the whole page
    with_tables = {a for t in tables for a in t.iterancestors()}
    boiler: dict[etree._Element, bool] = {}

    def outside_boilerplate(el: etree._Element) -> bool:
        for a in _chain(el):
            if a not in boiler:
                boiler[a] = _is_boilerplate(a) and a not in with_tables
            if boiler[a]:
                return False
        return True

    def kept(found: dict[etree._Element, None]) -> list[etree._Element]:
        return [m for m in found if outside_boilerplate(m)]

    body = _lca(tables + (kept(markers) or list(markers))) if tables or markers else _lca(kept(titles))
    if body is None:
        found_body = root.find("body")
        body = found_body if found_body is not None else root
    return body, len(tables)


def _chain(el: etree._Element) -> list[etree._Element]:
    return [el, *el.iterancestors()]


def _is_boilerplate(el: etree._Element) -> bool:
    if el.tag in _BOILERPLATE_TAGS:
        return True
    names = el.get("class")
    ident = el.get("id")
    if ident:
        names = f"{names} {ident}" if names else ident
    return names is not None and _boilerplate_name(names)


@lru_cache(maxsize=4096)
def _boilerplate_name(names: str) -> bool:
    return _BOILERPLATE.search(names) is not None


@lru_cache(maxsize=4096)
def _hidden_style(style: str) -> bool:
    return _HIDDEN.search(style) is not None


def _drop_boilerplate(body: etree._Element) -> None:
    """Navigation, share bars and footers inside the body, unless they hold report text."""
    doomed = []
    for el in body.iter():
        if el.get("class") is None and el.get("id") is None and el.tag not in _BOILERPLATE_TAGS:
            continue  # most elements: no name, nothing to look at
        if el is body or not _is_boilerplate(el) or any(a in doomed for a in el.iterancestors()):
            continue
        text = _compact("".join(el.itertext()))
        if not (_MARKERS.search(text) or MENTIONS_REPORT.search(text)) and el.find(".//table") is None:
            doomed.append(el)
    for el in doomed:
        _remove(el)


def _remove(el: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _is_report_table(table: etree._Element) -> bool:
    return _TABLE_LABELS.search(_compact("".join(islice(table.itertext(), 120)))) is not None


def _shown_by_script(root: etree._Element, hidden: list[etree._Element]) -> set[etree._Element]:
    """Hidden elements that hold the report's tables when no report table is visible: pages that hide
    the article until a script shows it. Other hidden elements (popups, print copies) go."""
    holders = [h for h in hidden if h.find(".//table") is not None]
    if not holders:
        return set()
    out = {h for h in holders if any(_is_report_table(t) for t in h.iter("table"))}
    if not out:
        return set()
    unseen = set(hidden)
    for table in root.iter("table"):
        if _is_report_table(table) and not any(a in unseen for a in _chain(table)):
            return set()  # the report's tables are visible: what is hidden is something else
    return out


def _title(body: etree._Element, head_title: str | None) -> str | None:
    """The report's title: the nearest heading before the body, else the page's <title>."""

    def titles(elements: list[etree._Element]) -> list[str]:
        texts = (grid.clean("".join(el.itertext())) for el in elements)
        return [t for t in texts if len(t) <= 80 and MENTIONS_REPORT.search(_compact(t))]

    before = titles(_BEFORE(body))
    if before:
        return before[-1]
    if head_title:
        for part in re.split(r"\s*[_|｜]\s*|\s+[-—–]\s+", head_title):
            if MENTIONS_REPORT.search(_compact(part)):
                return part.strip()
    after = titles(_AFTER(body))
    return after[0] if after else None


def _attachments(root: etree._Element, body: etree._Element, base: str | None) -> list[str]:
    """Report documents the page links to: in the body, or marked 附件/下载/报告 anywhere."""
    found: list[str] = []
    for el in root.iter("a", "iframe", "embed", "object"):
        href = el.get("href") or el.get("src") or el.get("data") or ""
        text = grid.clean("".join(el.itertext())) if el.tag == "a" else ""
        href = href.strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        if not (_DOCUMENT_LINK.search(href) or _DOCUMENT_LINK.search(text + "&")):
            continue
        context = text
        parent = el.getparent()
        if parent is not None:
            context += grid.clean("".join(parent.itertext()))[:200]
        ancestors = list(el.iterancestors())
        in_body = body in ancestors and not any(_is_boilerplate(a) for a in ancestors)
        if in_body or el.tag != "a" or re.search(r"附件|下载|年度报告|年报", context):
            url = urljoin(base, href) if base else href
            if url not in found:
                found.append(url)
    return found


def read_html(data: bytes, content_type: str | None = None, url: str | None = None) -> Page:
    """The page's lines (title, text blocks, table rows) and its attachments; raises NotHTML."""
    text, encoding, problems = decode_html(data, content_type)
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 200):
        raise NotHTML(f"binary content (control characters), not an HTML page (read as {encoding})")
    try:
        utf8 = data if encoding == "utf-8" else text.encode("utf-8", errors="replace")
        root = etree.fromstring(utf8, _PARSER)
    except etree.ParserError as e:
        raise NotHTML(f"not a readable HTML page: {e}") from e
    if root is None:
        raise NotHTML("an empty HTML page")
    head_title_el = root.find(".//title")
    head_title = grid.clean("".join(head_title_el.itertext())) if head_title_el is not None else None
    base_el = root.find(".//base[@href]")
    base = url if url and re.match(r"https?://", url) else None
    if base_el is not None:
        base = urljoin(base or "", base_el.get("href", "")) or base
    doomed = []
    hidden = []
    for el in root.iter():  # a Python loop beats libxml2's XPath predicates here
        style = el.get("style")
        if el.tag in _UNWANTED:
            doomed.append(el)
        elif el.get("hidden") is not None or (style and _hidden_style(style)):
            hidden.append(el)
    shown = _shown_by_script(root, hidden)
    if shown:
        problems.append(
            "the report is hidden in the page (display:none until a script shows it); read as printed"
        )
    for el in doomed + [h for h in hidden if h not in shown]:
        _remove(el)
    body, n_tables = _body(root)
    attachments = _attachments(root, body, base)
    _drop_boilerplate(body)
    _space_blocks(body)
    writer = _Writer()
    writer.walk_children(body)
    lines = writer.lines
    head = _compact("".join(line.text for line in lines[:5]))[:300]
    if not MENTIONS_REPORT_WITH_YEAR.search(head):
        title = _title(body, head_title)
        if title:
            lines = [Line(title, None, 0), *lines]
    pictures_at = [replace(p, at=p.at + len(lines) - len(writer.lines)) for p in writer.pictures]
    return Page(lines, encoding, attachments, writer.images, n_tables, problems, pictures_at)


def extract_html(
    data: bytes,
    source: str,
    sha256: str,
    year_hint: int | None = None,
    content_type: str | None = None,
    given: dict[str, Picture] | None = None,
    ocr: bool = True,
) -> Extraction:
    """One HTML page into an Extraction; never raises for bad input.

    A page whose text lacks some of the three tables and shows images in its body has its tables
    printed as pictures: with ``ocr``, they are read where they stand (``extract.pictures``) from
    ``given`` (the pictures fetched for the page, by URL), the page itself or the page's folder; a
    picture still to be fetched makes the page ``needs_ocr`` with its URL in ``Extraction.pictures``."""
    try:
        page = read_html(data, content_type, url=source)
    except (NotHTML, limits.TooLarge) as e:
        return Extraction(source=source, sha256=sha256, file_type="html", status="failed", error=str(e))
    extraction = _extraction(page, source, sha256, year_hint)
    if not ocr or not page.pictures or len({c.table for c in extraction.cells if c.raw is not None}) == 3:
        return extraction
    shown = [pictures.page_picture(p.ref, source, given or {}) for p in page.pictures]
    wanted = list(dict.fromkeys(p.url for p in shown if p.data is None and p.error is None))
    if wanted:  # read again once they are fetched
        extraction.status, extraction.pictures = "needs_ocr", wanted
        extraction.error = f"the tables are {len(wanted)} images in the report body, to fetch and read by OCR"
        return extraction
    found = [(placed, p.data) for placed, p in zip(page.pictures, shown, strict=True) if p.data]
    page.lines, recognised, problems = pictures.in_place(page.lines, found)
    page.problems += problems + [f"picture {p.url[:80]}: {p.error}" for p in shown if p.error]
    return pictures.proven(_extraction(page, source, sha256, year_hint), recognised)


def _extraction(page: Page, source: str, sha256: str, year_hint: int | None) -> Extraction:
    if not page.lines:
        return Extraction(
            source,
            sha256,
            "html",
            "failed",
            _with_attachments("no text in the page", page.attachments),
            attachments=page.attachments,
        )
    extraction = extract_lines(
        page.lines, source=source, sha256=sha256, file_type="html", year_hint=year_hint
    )
    extraction.attachments = page.attachments
    if page.problems:
        extraction.problems = page.problems + extraction.problems
    if extraction.status == "failed":
        extraction.narrative = extraction.narrative or "\n".join(line.text for line in page.lines)
        if page.images and not page.data_tables:
            extraction.status = "needs_ocr"
            extraction.error = (
                f"no table text in the page, and {page.images} images in the report body: "
                "the tables are images, OCR needed"
            )
        if page.attachments:
            extraction.error = _with_attachments(extraction.error or "", page.attachments)
    elif page.images and len(extraction.cells) and extraction.status == "partial":
        extraction.problems.append(f"{page.images} images in the report body: missing tables may be images")
        extraction.error = "; ".join(extraction.problems)
    return extraction


def _with_attachments(error: str, attachments: list[str]) -> str:
    if not attachments:
        return error
    shown = ", ".join(attachments[:3]) + (f" and {len(attachments) - 3} more" if len(attachments) > 3 else "")
    return f"{error}; the page links to the report as an attachment (附件): {shown}"
