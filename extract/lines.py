"""A document's lines into an Extraction: tables, metadata, narrative (where every format's reader ends)."""

from __future__ import annotations

from gongkai.extract import meta
from gongkai.extract.stream import Line, Stream
from gongkai.extract.tables import parse_tables
from gongkai.model import Extraction


def extract_lines(
    lines: list[Line], source: str, sha256: str, file_type: str, year_hint: int | None = None
) -> Extraction:
    stream = Stream(lines)
    text = stream.text
    if not text.strip():
        return Extraction(source, sha256, file_type, "failed", "no text in the file")
    head = text[:1500]
    year = meta.data_year(head, text) or year_hint
    agency = meta.agency(head)
    tables = parse_tables(stream, year)
    if not tables.found_tables:
        return Extraction(
            source,
            sha256,
            file_type,
            "failed",
            "no statistical tables found (二、主动公开, 三、依申请, 四、复议诉讼): "
            "not an annual report, or its tables are lost",
            agency=agency,
            district=meta.district(agency),
            year=year,
        )
    narrative = _narrative(text, tables.spans)
    n_null = sum(1 for c in tables.cells if c.raw is None)
    problems = list(tables.problems)
    if n_null:
        problems.append(f"{n_null} cells not shown in the document (NULL)")
    status = "partial" if n_null or len(tables.found_tables) < 3 or tables.conflicting else "ok"
    return Extraction(
        source=source,
        sha256=sha256,
        file_type=file_type,
        status=status,
        error="; ".join(problems) if status != "ok" else None,
        agency=agency,
        district=meta.district(agency),
        year=year,
        format=tables.format,
        cells=tables.cells,
        problems=problems,
        narrative=narrative,
    )


def _narrative(text: str, spans: list[tuple[int, int]]) -> str:
    kept, pos = [], 0
    for lo, hi in sorted(spans):
        if lo > pos:
            kept.append(text[pos:lo])
        pos = max(pos, hi)
    kept.append(text[pos:])
    return "".join(kept)
