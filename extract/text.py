"""Bytes of a text report into lines: BOMs, UTF-8, the GB family, else a clear refusal."""

from __future__ import annotations

import codecs
import re

from gongkai.extract.stream import Line, is_page_number


class NotText(ValueError):
    """The bytes are not a text document in any encoding we accept."""


def _cjk_share(text: str) -> float:
    sample = text[:4000]
    if not sample:
        return 0.0
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    return cjk / len(sample)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as e:
                raise NotText(
                    f"bytes after the {encoding} byte-order mark are not {encoding}: {e.reason}"
                ) from e
    if b"\x00" in data[:4096]:
        raise NotText("binary content (NUL bytes): not a text document")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _cjk_share(text) > 0.05:
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and _cjk_share(str(best)) > 0.05:
        return str(best), best.encoding
    raise NotText("not UTF-8, not GB18030/GBK and no other encoding gives Chinese text")


# A terminal's colour and cursor codes (ESC[31m) pasted into a report: their digits are not figures.
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def lines_of(text: str, page: int | None = None, first_lineno: int = 1) -> list[Line]:
    """Lines with their numbers; page-number lines (``- 3 -``) are dropped."""
    out = []
    for i, line in enumerate(text.splitlines(), start=first_lineno):
        raw = _TERMINAL_ESCAPE.sub("", line)
        if raw.strip() and not is_page_number(raw):
            out.append(Line(raw, page, i))
    return out
