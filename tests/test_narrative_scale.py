"""The narrative analysis is linear in the text's length, and its topic check answers as the regex did."""

from __future__ import annotations

import time

from gongkai.extract import narrative
from tests.test_narrative_phrasings import CASES


def _corpus_texts() -> list[str]:
    texts = [narrative.compact(text) for text, _ in CASES]
    return [*texts, "".join(texts), "".join(reversed(texts))]


def test_topic_index_answers_as_the_topic_search_over_the_phrasing_corpus() -> None:
    kinds = [p for p in narrative.patterns() if p.kind == "figure" and p.topic]
    assert kinds
    checked = 0
    for raw in _corpus_texts():
        text = narrative.arabic_years(raw)
        headings = [0] + [
            m.start() for p in narrative.patterns() if p.kind == "heading" for m in p.regex.finditer(text)
        ]
        ends = sorted({0, len(text)} | {start + len(s) for start, s in narrative._sentences(text)})
        index = narrative.TopicIndex(text, kinds)
        for p in kinds:
            for part in headings:
                for end in ends:
                    assert index.named(p, part, end) == bool(p.topic.search(text, part, end)), (p.code, part)
                    checked += 1
    assert checked > 10_000


def _cpu(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        narrative.analyse(text, 2024)
        best = min(best, time.process_time() - t0)
    return best


def test_a_megabyte_of_sentences_costs_about_four_times_a_quarter_of_it() -> None:
    sentence = "本机关收到申请5件。"  # a figure whose part never names its topic: the worst case of the scan
    quarter = sentence * (256 * 1024 // len(sentence.encode()))
    whole = quarter * 4
    assert len(whole.encode()) >= 1_000_000
    figures = narrative.analyse(whole, 2024).figures
    assert figures == []
    # CPU time of the process (no wall clock): linear work grows 4 times, the old quadratic scan 16 times
    assert _cpu(whole) / _cpu(quarter) < 8
