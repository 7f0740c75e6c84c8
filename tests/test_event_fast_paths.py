"""The events layer's shortcuts (phrase index, cheap pre-checks, caches) give exactly what the plain rules give.

Each test runs the same texts twice: as shipped, and with every shortcut switched off (``plain_rules``: a scan of
every phrase at every token, no pre-check, no cache), and requires identical results.
"""

from __future__ import annotations

import random
import re
from contextlib import contextmanager

import pytest
from event_text import bench_sentences, make_articles
from hypothesis import given, settings
from hypothesis import strategies as st

import inference.events.actors as actors
import inference.events.dates as dates
import inference.events.fatalities as fatalities
import inference.events.locations as locations
import inference.events.numbers as numbers
from inference.events import Mention, SentenceView, build_events
from inference.events.incidents import mentions_by_sentence

ALWAYS = re.compile("")

# words the rules react to, plus ordinary ones, mixed case and odd characters
VOCAB = """
a an another the at least no fewer than more over some about nearly up to as many a total of half dozen dozens
scores hundreds thousands tens millions several few handful number couple one two three twelve twenty thirty
twenty-two hundred thousand million and killed killing died dead death deaths toll bodies fatally shot gunned
down lost their lives succumbed wounded injured were was soldiers civilians people village police his her him
no one nobody casualties also another Monday on Friday last week yesterday today tonight this morning June 8
8 June May 2020 2019 in since days ago overnight recently weekend 19 1,200 1.5 3 10:30 8th 19-year-old 50%
percent per cent , . ; ( ) " ' - — ſunday KILLED Twenty SEVEN Kolo Gao
""".split()


def _naive_match_phrase(tokens, i, phrases):
    """The original rule: every phrase of the table tried at tokens[i], the longest match kept."""
    best = None
    for phrase in phrases:
        n = len(phrase)
        if tuple(t.lower for t in tokens[i : i + n]) == phrase and (best is None or n > len(best)):
            best = phrase
    return (best, i + len(best)) if best else None


def _clear_caches() -> None:
    for module in (numbers, dates, actors, locations):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


@contextmanager
def plain_rules(monkeypatch: pytest.MonkeyPatch):
    """Every shortcut off: the rules as first written."""
    with monkeypatch.context() as m:
        m.setattr(numbers, "_match_phrase", _naive_match_phrase)
        m.setattr(numbers, "_may_start_count", lambda low: True)
        m.setattr(numbers, "_CORE_START", ALWAYS)
        m.setattr(fatalities, "_DEATH_CUE", ALWAYS)
        m.setattr(dates, "FINDERS", tuple((p, False, ()) for p, _, _ in dates.FINDERS))
        for module, name in ((numbers, "_tokens"), (numbers, "_quantities"), (dates, "_date_mentions")):
            m.setattr(module, name, getattr(module, name).__wrapped__)
        m.setattr(dates, "resolve_date", dates.resolve_date.__wrapped__)
        m.setattr(actors, "actor_key", actors.actor_key.__wrapped__)
        m.setattr(actors, "same_actor", actors.same_actor.__wrapped__)
        m.setattr(locations, "_place_level", locations._place_level.__wrapped__)
        _clear_caches()
        yield
    _clear_caches()


def _sentence_outputs(texts: list[str]) -> list:
    _clear_caches()
    out = []
    for t in texts:
        out.append(
            (
                numbers.find_quantities(t),
                numbers.find_quantities(t, articles=True),
                fatalities.sentence_fatalities(t),
                dates.find_date_mentions(t),
                [dates.resolve_date(d.text, "2020-06-08") for d in dates.find_date_mentions(t)],
            )
        )
    return out


def _bench_sentences(n_articles: int = 30) -> list[str]:
    return bench_sentences(seed=3, n_articles=n_articles)


HANDWRITTEN = [
    "Clashes left 19 soldiers and 22 jihadists dead, the monitor said on Monday.",
    "At least twenty-two people, including three children, were killed in the village on June 8.",
    "No one was killed. Dozens of protesters were injured, and a few hundred fled.",
    "Gunmen shot dead a trader and his brother; the death toll rose to 14 by Friday night.",
    "Some 1,200 displaced people arrived in Gao three days ago, about half a dozen of them wounded.",
    "ſunday KILLED Twenty SEVEN — an estimated 40 killed, more than 20 kia.",
]


def test_sentence_rules_match_the_plain_rules_on_written_and_generated_text(monkeypatch):
    texts = HANDWRITTEN + _bench_sentences()
    fast = _sentence_outputs(texts)
    with plain_rules(monkeypatch):
        plain = _sentence_outputs(texts)
    assert fast == plain
    assert any(f[2] is not None for f in fast)  # the texts do exercise the death rules


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(VOCAB), min_size=1, max_size=25))
def test_sentence_rules_match_the_plain_rules_on_random_word_sequences(words):
    text = " ".join(words)
    fast = _sentence_outputs([text])
    with pytest.MonkeyPatch.context() as mp, plain_rules(mp):
        plain = _sentence_outputs([text])
    assert fast == plain


def test_sentence_rules_match_the_plain_rules_on_acled_notes(monkeypatch, shared_data):
    from training.evaluation.records_command import acled_notes

    notes, _ = acled_notes(shared_data, "dev")
    texts = [ex.text for ex in notes[:400]]
    fast = _sentence_outputs(texts)
    with plain_rules(monkeypatch):
        plain = _sentence_outputs(texts)
    assert fast == plain


def _fake_article(text: str, rng: random.Random) -> tuple[list[SentenceView], list[Mention]]:
    """Sentences labelled at random and capitalised words as entity / role mentions: enough to exercise
    grouping, actors and places the way tagger output does."""
    sentences = []
    for m in re.finditer(r"[^.;\n]+[.;]?", text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        if s < e:
            label = rng.choice(["Battles", "Violence against civilians", "Protests", "none", "none"])
            sentences.append(SentenceView(s, e, text[s:e], [(label, rng.random())], [("Armed clash", 0.5)]))
    mentions = []
    for m in re.finditer(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?", text):
        head, label = rng.choice(
            [("entities", "Location"), ("entities", "Organisation"), ("entities", "Person"), ("roles", "S")]
            + [("roles", "T"), ("entities", "Temporal")]
        )
        mentions.append(Mention(m.start(), m.end(), label, m.group(), 0.9, head))
    return sentences, mentions


def test_records_match_the_plain_rules_on_whole_articles(monkeypatch):
    texts = make_articles(25, lambda s: len(s.split()), target_tokens=250, seed=5)
    rng = random.Random(0)
    inputs = [(t, *_fake_article(t, rng)) for t in texts]

    def records():
        _clear_caches()
        return [[r.to_dict() for r in build_events(t, s, m, "2021-06-14")] for t, s, m in inputs]

    fast = records()
    with plain_rules(monkeypatch):
        plain = records()
    assert fast == plain
    assert sum(len(r) for r in fast) > 25


def test_mentions_by_sentence_is_the_plain_filter():
    rng = random.Random(1)
    text = "x" * 300
    sentences = [SentenceView(s, s + 30, text[s : s + 30]) for s in range(0, 300, 30)]
    mentions = []
    for _ in range(80):
        s = rng.randrange(0, 295)
        mentions.append(Mention(s, s + 3, "Location", text[s : s + 3]))
    for body_start in (0, 45, 200):
        got = mentions_by_sentence(sentences, mentions, body_start)
        want = [
            [k for k, m in enumerate(mentions) if s.start <= m.start < s.end and m.start >= body_start]
            for s in sentences
        ]
        assert got == want
