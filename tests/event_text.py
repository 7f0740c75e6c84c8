"""Test helpers for the event rules: an article of labelled sentences, a mention found by its words, and the
benchmark's generated articles cut into sentences."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

from inference.events.incidents import group_incidents, sentence_features
from inference.events.inputs import Mention, SentenceView

# the benchmark's fictional article generator (stdlib only), by path: bench/ is not a package
_spec = importlib.util.spec_from_file_location(
    "bench_articles", Path(__file__).resolve().parents[1] / "bench" / "articles.py"
)
_bench_articles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench_articles)
make_articles = _bench_articles.make_articles

ARTICLE_DATE = dt.date(2021, 6, 10)  # a Thursday; names and figures in the tests are invented


def article(parts: list[tuple[str, str]]) -> tuple[str, list[SentenceView]]:
    """Sentences joined by spaces; each part is (sentence, event_type label)."""
    text, sentences = "", []
    for sentence, label in parts:
        start = len(text)
        text += sentence + " "
        sentences.append(SentenceView(start, start + len(sentence), sentence, [(label, 0.8)], [(label, 0.7)]))
    return text, sentences


def at(text: str, words: str, label: str, nth: int = 0, head: str = "entities") -> Mention:
    """The ``nth`` whole-word occurrence of ``words`` in ``text`` as a mention of ``label``."""
    m = list(re.finditer(rf"(?<!\w){re.escape(words)}(?!\w)", text))[nth]
    return Mention(m.start(), m.end(), label, words, 0.9, head)


def incidents(text: str, sentences: list[SentenceView], mentions: list[Mention], **kw) -> list[list[int]]:
    """The sentence ids of each incident ``group_incidents`` forms."""
    feats = sentence_features(text, sentences, mentions, ARTICLE_DATE)
    return [inc.sentence_ids for inc in group_incidents(feats, **kw)]


def bench_sentences(seed: int, n_articles: int = 30) -> list[str]:
    """The sentences of ``n_articles`` generated ~200-word articles (bench/articles.py), split at . and ;."""
    texts = make_articles(n_articles, lambda s: len(s.split()), target_tokens=200, seed=seed)
    return [s for t in texts for s in re.split(r"(?<=[.;])\s+", " ".join(t.split()))]
