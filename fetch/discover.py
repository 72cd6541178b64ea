"""Find annual reports on an agency's listing page (年报栏目): report links by title, and the next page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

from gongkai import titles
from gongkai.extract.text import NotText, decode

NEXT_PAGE = re.compile(r"^\s*(?:下一页|下页|后一页|next\s*(?:page)?|>|›|»)\s*$", re.IGNORECASE)
# Pagination written by the common CMS script: createPageHTML(total, current, "index", "html")
CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([\w-]+)[\"']\s*,\s*[\"'](\w+)[\"']"
)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class FoundReport:
    url: str
    title: str
    year: int


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self._href: str | None = None
        self._title = ""
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            a = dict(attrs)
            self._href = a.get("href")
            self._title = a.get("title") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            text = " ".join("".join(self._text).split())
            self.links.append(Link(self._href, self._title.strip() or text))
            if self._title and text and text != self._title.strip():
                self.links.append(Link(self._href, text))
            self._href = None


def links(html: str, base_url: str) -> list[Link]:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return [
        Link(urljoin(base_url, link.url.strip()), link.text)
        for link in parser.links
        if link.url and not link.url.strip().lower().startswith(("javascript:", "mailto:", "#"))
    ]


def page_text(data: bytes) -> str:
    try:
        text, _ = decode(data)
    except NotText:
        return ""
    return text


def reports_on(data: bytes, base_url: str) -> list[FoundReport]:
    """Annual-report links of a listing page, with the data year of each title, in page order."""
    seen: dict[str, FoundReport] = {}
    for link in links(page_text(data), base_url):
        m = titles.LINKED_REPORT.search(titles.arabic_years(link.text))
        if m and link.url not in seen:
            seen[link.url] = FoundReport(link.url, link.text, int(m.group(1)))
    return list(seen.values())


def next_page(data: bytes, base_url: str) -> str | None:
    """The next listing page: a 下一页 link, or the CMS pagination script's next index page."""
    html = page_text(data)
    for link in links(html, base_url):
        if NEXT_PAGE.match(link.text) and link.url != base_url:
            return link.url
    m = CREATE_PAGE.search(html)
    if m:
        total, current, prefix, ext = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        if current + 1 < total:
            return urljoin(base_url, f"{prefix}_{current + 1}.{ext}")
    return None
