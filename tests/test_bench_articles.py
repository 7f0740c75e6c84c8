"""The benchmark's synthetic articles: seeded, dump-like, about the asked length."""

import importlib.util
from pathlib import Path

from inference.text.normalize import normalize_text
from inference.text.sentences import split_sentences

# bench/ is scripts, not an installed package: load the module from its file.
_spec = importlib.util.spec_from_file_location(
    "bench_articles", Path(__file__).resolve().parents[1] / "bench" / "articles.py"
)
articles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(articles)
make_articles = articles.make_articles


def words(text: str) -> int:
    return len(text.split())


def test_articles_are_seeded_dump_like_and_long_enough():
    a = make_articles(5, words, target_tokens=120, seed=1)
    assert a == make_articles(5, words, target_tokens=120, seed=1)
    assert a != make_articles(5, words, target_tokens=120, seed=2)
    for text in a:
        norm = normalize_text(text)
        assert norm.date is not None and text.startswith(f"date {norm.date}\n")
        assert all(len(line) <= 70 for line in text.splitlines()[1:])  # hard-wrapped
        assert "\n\n" in text  # paragraphs
        assert 120 <= words(norm.text) < 120 + 60
        assert len(split_sentences(norm.text)) >= 5
