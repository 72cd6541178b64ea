"""The bad-input corpus, generated into a folder by the tests (no committed blobs).

Each ``Case`` writes one path (a file, or a directory, symlink or FIFO) and says which values a
correct reader may print for it: ``allowed`` maps a cell to the values that are right (``None`` is
NULL). Cells outside ``allowed`` must be NULL. Cases built from a seed or a rendered report know
their numbers; the others have ``allowed`` None (only the exit code and the message are checked).
"""

from __future__ import annotations

import gzip
import io
import os
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gongkai import taxonomy
from tests.expected import HONGZE, SEED_REPORTS, SEEDS, Expected
from tests.fixtures.bad import _pdf, encrypted_pdf, many_pages_pdf, rasterize, unmapped_glyphs_pdf
from tests.fixtures.cells import Key
from tests.fixtures_office import make_cells
from tests.fixtures_office.render_docx import render_docx
from tests.fixtures_office.render_html import render_html
from tests.fixtures_office.report import build_report

Allowed = dict[Key, set[float | None]]
Writer = Callable[[Path], None]

SEED = "001_20ac404ea9b9f41f.txt"  # 石龙区 2024: every cell printed, tab-separated
SEED_TEXT = (SEEDS / SEED).read_text(encoding="utf-8")
NEW_LINE = "一、本年新收政府信息公开申请数量\t\t9\t0\t0\t0\t0\t0\t9\t"
NEW_KEYS = [("requests", "new", c) for c in ("natural_person", "total")]
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    kind: str
    family: str  # text, html, pdf, docx, ole, wrong_type, filesystem
    name: str  # the file name in the corpus folder
    write: Writer
    allowed: Allowed | None = None
    slow: bool = False

    def path(self, folder: Path) -> Path:
        return folder / self.kind / self.name


# ------------------------------------------------------------------ what is right


def allowed_of(expected: Expected, overrides: Allowed | None = None) -> Allowed:
    out: Allowed = {key: {value, None} for key, value in expected.cells().items()}
    out.update(overrides or {})
    return out


def seed_allowed(overrides: Allowed | None = None) -> Allowed:
    return allowed_of(next(e for e in SEED_REPORTS if e.file == SEED), overrides)


def _rendered() -> tuple[Allowed, object]:
    cells = make_cells("2021", False, True, 11)
    return {key: {float(v), None} for key, v in cells.items()}, build_report(cells, "2021", blank_share=0.0)


RENDERED_ALLOWED, REPORT = _rendered()


# ------------------------------------------------------------------ writers


def data(make: Callable[[], bytes]) -> Writer:
    def write(path: Path) -> None:
        path.write_bytes(make())

    return write


def seed_with(edit: Callable[[str], str], encoding: str = "utf-8") -> Writer:
    return data(lambda: edit(SEED_TEXT).encode(encoding, errors="replace"))


def new_line(value: str) -> Callable[[str], str]:
    assert NEW_LINE in SEED_TEXT
    return lambda text: text.replace(NEW_LINE, NEW_LINE.replace("\t9\t", f"\t{value}\t"))


def table_3_twice(changed: bool) -> Callable[[str], str]:
    def edit(text: str) -> str:
        start = text.index("三、收到和处理政府信息公开申请情况")
        end = text.index("四、政府信息公开行政复议")
        copy = text[start:end]
        if changed:
            copy = copy.replace(NEW_LINE, NEW_LINE.replace("\t9\t", "\t5\t"))
        return text[:end] + copy + text[end:]

    return edit


def every_line(insert: str) -> Callable[[str], str]:
    return lambda text: "\n".join(line + insert for line in text.split("\n"))


def seed_bytes_with(transform: Callable[[bytes], bytes]) -> Writer:
    return data(lambda: transform(SEED_TEXT.encode("utf-8")))


def huge_text(size: int) -> Writer:
    """The seed, then filler lines up to ``size`` bytes, written in chunks (never all in memory)."""

    def write(path: Path) -> None:
        chunk = ("本机关坚持以公开为常态、不公开为例外，持续推进政务公开。\n" * 20000).encode()
        with path.open("wb") as out:
            out.write(SEED_TEXT.encode())
            written = len(SEED_TEXT.encode())
            while written < size:
                out.write(chunk)
                written += len(chunk)

    return write


def single_line(size: int) -> Writer:
    def write(path: Path) -> None:
        line = SEED_TEXT.replace("\n", " ").encode()
        path.write_bytes(line + b" " * (size - len(line)))

    return write


def docx() -> bytes:
    return render_docx(REPORT)


def html(encoding: str = "utf-8", template: str = "portal") -> bytes:
    return render_html(REPORT, template, encoding)[0]


def half(make: Callable[[], bytes]) -> Callable[[], bytes]:
    return lambda: (lambda b: b[: len(b) // 2])(make())


def png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def zip_of(members: dict[str, bytes | Callable[[zipfile.ZipFile, str], None]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            if callable(body):
                body(z, name)
            else:
                z.writestr(name, body)
    return out.getvalue()


def streamed(head: bytes, repeat: bytes, times: int, tail: bytes) -> Callable[[zipfile.ZipFile, str], None]:
    """A zip member of ``head + repeat * times + tail``, compressed as it is written."""

    def member(z: zipfile.ZipFile, name: str) -> None:
        block = repeat * max(1, 1 * MB // len(repeat))
        with z.open(name, "w", force_zip64=True) as out:
            out.write(head)
            for _ in range(times * len(repeat) // len(block)):
                out.write(block)
            out.write(tail)

    return member


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="rels" '
    b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
DOC_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + b"><w:body>"
DOC_TAIL = b"</w:body></w:document>"


def docx_with(document: bytes | Callable[[zipfile.ZipFile, str], None]) -> Callable[[], bytes]:
    return lambda: zip_of(
        {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "word/document.xml": document}
    )


def laughs(root: bytes, levels: int = 9) -> bytes:
    """The billion laughs: ``&lol9;`` expands to 10**9 ``lol``s."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">'.encode() for i in range(1, levels + 1)
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lolz ['
        + entities
        + b"]>"
        + root % f"&lol{levels};".encode()
    )


def encrypted_docx() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(docx())).encrypt("secret", out)
    return out.getvalue()


def flate_bomb_pdf(size: int) -> bytes:
    """One page whose content stream inflates to ``size`` bytes of spaces."""
    squeeze = zlib.compressobj(9)
    block = b" " * MB
    stream = b"".join(squeeze.compress(block) for _ in range(size // MB)) + squeeze.flush()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
        ]
    )


def page_tree_loop_pdf() -> bytes:
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"])


def xref_loop_pdf() -> bytes:
    body = many_pages_pdf(1)
    start = body.rindex(b"startxref")
    return body[:start] + b"trailer\n<< /Size 3 /Prev 9 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"


def garbage(size: int) -> bytes:
    return random.Random(11).randbytes(size)


def fifo(path: Path) -> None:
    os.mkfifo(path)


def directory(path: Path) -> None:
    path.mkdir()
    (path / SEED).write_text(SEED_TEXT, encoding="utf-8")


def dangling(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere.txt")


def symlink_to(target: str) -> Writer:
    return lambda path: path.symlink_to(target)


def seed_allowed_new(values: set[float | None]) -> Allowed:
    return seed_allowed(dict.fromkeys(NEW_KEYS, values))


HOSTILE_NAME = "a'b\"c $(touch pwned); `id` & | > <\n\t*?.txt"

CASES: list[Case] = [
    # ---------------------------------------------------------------- text
    Case("text_empty", "text", "empty.txt", data(lambda: b"")),
    Case("text_whitespace", "text", "blank.txt", data(lambda: " \n\t\r\n\u3000".encode())),
    Case("text_nul_only", "text", "nul.txt", data(lambda: b"\0" * 4096)),
    Case("text_seed_nul_bytes", "text", "nul_lines.txt", seed_with(every_line("\0")), seed_allowed()),
    Case("text_seed_truncated", "text", "half.txt", data(half(lambda: SEED_TEXT.encode())), seed_allowed()),
    Case("text_seed_gbk", "text", "gbk.txt", seed_with(str, "gbk"), seed_allowed()),
    Case("text_seed_utf16_bom", "text", "utf16.txt", seed_with(str, "utf-16"), seed_allowed()),
    Case("text_seed_utf16le_no_bom", "text", "utf16le.txt", seed_with(str, "utf-16-le"), seed_allowed()),
    Case("text_seed_big5", "text", "big5.txt", seed_with(str, "big5"), seed_allowed()),
    Case(
        "text_seed_mojibake",
        "text",
        "mojibake.txt",
        seed_bytes_with(lambda b: b.decode("latin-1").encode("utf-8")),
        seed_allowed(),
    ),
    Case(
        "text_seed_invalid_utf8",
        "text",
        "ff.txt",
        seed_bytes_with(lambda b: b.replace(b"\n", b"\xff\xfe\n")),
        seed_allowed(),
    ),
    Case("text_seed_cr_only", "text", "cr.txt", seed_with(lambda t: t.replace("\n", "\r")), seed_allowed()),
    Case(
        "text_seed_ansi_bidi",
        "text",
        "escapes.txt",
        seed_with(every_line("\x1b[31m\u202e\u200b")),
        seed_allowed(),
    ),
    Case("text_binary_garbage", "text", "garbage.txt", data(lambda: garbage(200_000))),
    Case("text_million_digits", "text", "digits.txt", data(lambda: b"1" * MB)),
    Case(
        "text_repeated_row_label",
        "text",
        "rows.txt",
        data(lambda: ("一、本年新收政府信息公开申请数量 1 1 1\n" * 200_000).encode()),
    ),
    Case(
        "text_long_number_run",
        "text",
        "run.txt",
        data(
            lambda: (
                "三、收到和处理政府信息公开申请情况\n一、本年新收政府信息公开申请数量" + " 1" * 2 * MB
            ).encode()
        ),
    ),
    Case("text_single_line_10mb", "text", "line.txt", single_line(10 * MB), seed_allowed()),
    Case("text_huge_200mb", "text", "huge.txt", huge_text(200 * MB), seed_allowed(), slow=True),
    Case(
        "text_absurd_1e12",
        "text",
        "1e12.txt",
        seed_with(new_line("1000000000000")),
        seed_allowed_new({1e12, None}),
    ),
    Case(
        "text_absurd_1e20",
        "text",
        "1e20.txt",
        seed_with(new_line("100000000000000000000")),
        seed_allowed_new({1e20, None}),
    ),
    Case(
        "text_absurd_400_digits",
        "text",
        "1e400.txt",
        seed_with(new_line("9" * 400)),
        seed_allowed_new({None}),
    ),
    Case(
        "text_absurd_negative",
        "text",
        "negative.txt",
        seed_with(new_line("-9")),
        seed_allowed_new({-9.0, None}),
    ),
    Case("text_table_3_twice_same", "text", "twice.txt", seed_with(table_3_twice(False)), seed_allowed()),
    Case(
        "text_table_3_twice_conflicting",
        "text",
        "conflict.txt",
        seed_with(table_3_twice(True)),
        seed_allowed(),  # the one copy whose identities hold is kept (and flagged conflicting_tables)
    ),
    Case("text_seed_named_pdf", "wrong_type", "report.pdf", seed_with(str), seed_allowed()),
    # ---------------------------------------------------------------- html
    Case("html_good_gbk", "html", "good.html", data(lambda: html("gbk")), RENDERED_ALLOWED),
    Case("html_empty_document", "html", "empty.html", data(lambda: b"<html><body></body></html>")),
    Case("html_truncated", "html", "half.html", data(half(html)), RENDERED_ALLOWED),
    Case(
        "html_gbk_declared_utf8",
        "html",
        "liar.html",
        data(lambda: html("gbk").replace(b'charset="gbk"', b'charset="utf-8"')),
        RENDERED_ALLOWED,
    ),
    Case(
        "html_utf16", "html", "utf16.html", data(lambda: html().decode().encode("utf-16")), RENDERED_ALLOWED
    ),
    Case(
        "html_nul_bytes", "html", "nul.html", data(lambda: html().replace(b"><", b">\0<")), RENDERED_ALLOWED
    ),
    Case("html_deep_nesting", "html", "deep.html", data(lambda: b"<html><body>" + b"<div>" * 200_000 + b"x")),
    Case(
        "html_xml_bomb",
        "html",
        "lol.html",
        data(lambda: laughs(b"<html><body><table><tr><td>%s</td></tr></table></body></html>")),
    ),
    Case(
        "html_absurd_spans",
        "html",
        "spans.html",
        data(
            lambda: (
                "<html><body><p>三、收到和处理政府信息公开申请情况</p><table><tr>"
                '<td colspan="1000000" rowspan="65534">一、本年新收政府信息公开申请数量</td><td>1</td></tr>'
                + '<tr><td rowspan="65534" colspan="1000">1</td></tr>' * 50
                + "</table></body></html>"
            ).encode()
        ),
    ),
    Case(
        "html_100k_rows",
        "html",
        "rows.html",
        data(
            lambda: (
                b"<html><body><p>\xe4\xb8\x89</p><table>"
                + b"<tr><td>1</td><td>2</td><td>3</td></tr>" * 100_000
                + b"</table></body></html>"
            )
        ),
    ),
    Case(
        "html_huge_attribute",
        "html",
        "attr.html",
        data(lambda: b'<html><body><p title="' + b"x" * 10 * MB + b'">'),
    ),
    Case(
        "html_script_only", "html", "script.html", data(lambda: b"<html><script>while(1){}</script></html>")
    ),
    Case(
        "pdf_named_html",
        "wrong_type",
        "report.html",
        data(lambda: (SEEDS / HONGZE.file).read_bytes()),
        allowed_of(HONGZE),
    ),
    # ---------------------------------------------------------------- pdf
    Case("pdf_magic_only", "pdf", "magic.pdf", data(lambda: b"%PDF-")),
    Case("pdf_empty_document", "pdf", "empty.pdf", data(lambda: b"%PDF-1.4\n%%EOF\n")),
    Case(
        "pdf_truncated",
        "pdf",
        "half.pdf",
        data(half(lambda: (SEEDS / HONGZE.file).read_bytes())),
        allowed_of(HONGZE),
    ),
    Case("pdf_encrypted", "pdf", "locked.pdf", data(encrypted_pdf)),
    Case("pdf_owner_password_only", "pdf", "owner.pdf", data(lambda: encrypted_pdf(user_password=""))),
    Case("pdf_garbage_after_magic", "pdf", "garbage.pdf", data(lambda: b"%PDF-1.7\n" + garbage(100_000))),
    Case("pdf_too_many_pages", "pdf", "long.pdf", data(lambda: many_pages_pdf(260))),
    Case("pdf_unmapped_glyphs", "pdf", "cid.pdf", data(unmapped_glyphs_pdf)),
    Case("pdf_scanned", "pdf", "scan.pdf", data(lambda: rasterize(many_pages_pdf(2), scale=0.5))),
    Case("pdf_flate_bomb", "pdf", "bomb.pdf", data(lambda: flate_bomb_pdf(256 * MB))),
    Case("pdf_page_tree_loop", "pdf", "loop.pdf", data(page_tree_loop_pdf)),
    Case("pdf_xref_loop", "pdf", "xref.pdf", data(xref_loop_pdf)),
    Case("png_named_pdf", "wrong_type", "scan.pdf", data(png)),
    # ---------------------------------------------------------------- docx
    Case("docx_good", "docx", "good.docx", data(docx), RENDERED_ALLOWED),
    Case("docx_named_pdf", "wrong_type", "report.pdf", data(docx), RENDERED_ALLOWED),
    Case("docx_empty_zip", "docx", "empty.docx", data(lambda: b"PK\x05\x06" + b"\0" * 18)),
    Case("docx_truncated", "docx", "half.docx", data(half(docx)), RENDERED_ALLOWED),
    Case("docx_encrypted", "docx", "locked.docx", data(encrypted_docx)),
    Case(
        "docx_no_document_xml",
        "docx",
        "hollow.docx",
        data(lambda: zip_of({"[Content_Types].xml": CONTENT_TYPES})),
    ),
    Case("docx_zip_not_office", "docx", "archive.docx", data(lambda: zip_of({"hello.txt": b"hello"}))),
    Case(
        "docx_zip_slip",
        "docx",
        "slip.docx",
        data(lambda: zip_of({"../../../../tmp/hostile-slip.txt": b"x", "/etc/hostile-slip": b"x"})),
    ),
    Case(
        "docx_million_paragraphs",
        "docx",
        "paragraphs.docx",
        data(docx_with(streamed(DOC_HEAD, b"<w:p><w:r><w:t>1</w:t></w:r></w:p>", 3_000_000, DOC_TAIL))),
    ),
    Case(
        "docx_zip_bomb",
        "docx",
        "bomb.docx",
        data(
            docx_with(
                streamed(DOC_HEAD + b"<w:p><w:r><w:t>", b" ", 1024 * MB, b"</w:t></w:r></w:p>" + DOC_TAIL)
            )
        ),
    ),
    Case(
        "docx_xml_entity_bomb",
        "docx",
        "lol.docx",
        data(
            docx_with(
                laughs(
                    b"<w:document "
                    + W
                    + b"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>"
                )
            )
        ),
    ),
    # ---------------------------------------------------------------- doc / ole / rtf
    Case(
        "ole_header_only",
        "ole",
        "damaged.doc",
        data(lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
    ),
    Case("ole_truncated", "ole", "half.doc", data(half(encrypted_docx))),
    Case(
        "ole_garbage_after_magic",
        "ole",
        "garbage.doc",
        data(lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + garbage(50_000)),
    ),
    Case("rtf_deep_braces", "ole", "deep.rtf", data(lambda: b"{\\rtf1 " + b"{" * 100_000)),
    # ---------------------------------------------------------------- other types
    Case(
        "gzip_of_seed", "wrong_type", "report.txt", data(lambda: gzip.compress(SEED_TEXT.encode(), mtime=0))
    ),
    Case("elf_binary", "wrong_type", "report.doc", data(lambda: Path("/bin/true").read_bytes())),
    Case("jpeg_named_docx", "wrong_type", "report.docx", data(lambda: b"\xff\xd8\xff\xe0" + garbage(5000))),
    # ---------------------------------------------------------------- the file system
    Case("fs_directory", "filesystem", "folder.txt", directory),
    Case("fs_dangling_symlink", "filesystem", "gone.txt", dangling),
    Case("fs_fifo", "filesystem", "pipe.txt", fifo),
    Case("fs_missing", "filesystem", "missing.txt", lambda path: None),
    Case("fs_dev_zero", "filesystem", "zero.txt", symlink_to("/dev/zero")),
    Case("fs_hostile_name", "filesystem", HOSTILE_NAME, seed_with(str), seed_allowed()),
]


def build(folder: Path, cases: list[Case] = CASES) -> dict[str, Path]:
    """Write every case under ``folder`` (one sub-folder each); return each kind's path."""
    out = {}
    for case in cases:
        path = case.path(folder)
        path.parent.mkdir(parents=True, exist_ok=True)
        case.write(path)
        out[case.kind] = path
    return out


def by_kind(kind: str) -> Case:
    return next(c for c in CASES if c.kind == kind)


def grid_keys(fmt: str = "2021") -> list[Key]:
    return [(c.table, c.row, c.column) for c in taxonomy.grid(fmt)]
