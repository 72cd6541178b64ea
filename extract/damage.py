"""A damaged file's reason in words: what a reader's low-level error means, never its Python text."""

from __future__ import annotations

import zipfile
import zlib

from lxml import etree

# (words in a library's message, what they mean for the file), first match wins
_MESSAGES = (
    ("Bad CRC", "a part's checksum does not match its bytes (the file was changed or cut)"),
    ("differ", "its zip directory and its parts disagree (the file was overwritten)"),
    ("magic number", "its zip directory is broken (the file was cut short or overwritten)"),
    ("not a zip file", "it is not a complete zip archive (cut short, or not a zip)"),
    ("Truncated", "it is cut short"),
    ("seek", "its internal offsets point outside the file (cut short or overwritten)"),
    ("Exceeds the limit", "its internal structure holds an impossible number"),
    ("There is no item named", "a part it needs is missing"),
    ("compress", "a compressed part cannot be unpacked (its bytes were changed or cut)"),
    ("Data format error", "its structure is broken (cut short or overwritten)"),
    ("File access error", "it cannot be opened (cut short)"),
    ("Failed to load page", "a page's content is broken"),
    ("OLE2", "it is not a complete Word 97–2003 (OLE) file"),
    ("sector", "its sector chain is broken (cut short or overwritten)"),
)


def in_words(error: BaseException) -> str:
    """What ``error``, raised by a reader on a damaged file, says about the file."""
    message = str(error)
    for words, meaning in _MESSAGES:
        if words.lower() in message.lower():
            return meaning
    if isinstance(error, zlib.error):
        return "a compressed part cannot be unpacked (its bytes were changed or cut)"
    if isinstance(error, EOFError):
        return "a part ends early (the file is cut short)"
    if isinstance(error, etree.XMLSyntaxError | SyntaxError):
        return "a part's XML is broken"
    if isinstance(error, zipfile.BadZipFile):
        return "its zip archive is broken"
    if isinstance(error, KeyError):
        return "a part it needs is missing"
    return UNREADABLE


UNREADABLE = "its internal structure cannot be read"
MEANINGS = frozenset(
    {meaning for _, meaning in _MESSAGES}
    | {
        "a part ends early (the file is cut short)",
        "a part's XML is broken",
        "its zip archive is broken",
        UNREADABLE,
    }
)
