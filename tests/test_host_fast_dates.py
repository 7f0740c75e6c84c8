"""The date and incident rules' regex shortcuts give exactly what the plain regexes give.

The shortcuts (``inference.events.dates``, ``inference.events.quick_patterns``): a pattern skipped when a sentence
lacks a part every match has (a hint regex on any text, words on ASCII text), and an ignore-case pattern run
case-sensitive on the lower-cased text (``lower_twin``, ``QuickPattern``) when the text is ASCII. Each test compares them with the plain ``search`` /
``finditer`` on written, generated and random text, mixed case and non-ASCII look-alikes included.
"""

from __future__ import annotations

import random
import re
from contextlib import contextmanager

import pytest
from event_text import bench_sentences, make_articles
from hypothesis import given, settings
from hypothesis import strategies as st

import inference.events.dates as dates
import inference.events.incidents as incidents
import inference.events.quick_patterns as quick_patterns
from inference.events import Mention, SentenceView, build_events

# the words the date and incident patterns look for (and their parts), with numbers, dates and punctuation
VOCAB = """
monday tuesday wednesday thursday friday saturday sunday last next this past previous early late on the day before
yesterday today tonight morning afternoon evening earlier later night days three twenty-one ago week weekend
month year years recently recent overnight in over at during following a hours weeks months since until by from
of mid mid- between after and 2020 1990s 2015 8 8th 21st June Jan. Sept. May march 2020-06-08 8/6/2020 25/6/20
12.5.2019 decades for long largely repeatedly often has have start outbreak collapse is are also group
organisation militia faction party affiliate could would may might cause lead escalate warned warn that fears separately
separate another incident unrelated elsewhere meanwhile other news violence launched an assault attack attacked
stormed clashes clashed with opened fire fired killed kidnapped abducted seized overran said told reporters
announced reported till these attacks villages air strikes ſunday K İn ı Jun. 's ’s - , . ; ( ) \u00a0
""".split()
SEPARATORS = [" ", " ", " ", "  ", "\n", ", ", "-", ""]


def _mixed_case(rng: random.Random, word: str) -> str:
    return rng.choice([word, word.upper(), word.title(), word.lower()])


def _random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        words = [_mixed_case(rng, rng.choice(VOCAB)) for _ in range(rng.randint(1, 30))]
        texts.append("".join(w + rng.choice(SEPARATORS) for w in words))
    return texts


def _bench_sentences() -> list[str]:
    return bench_sentences(seed=7)


WRITTEN = [
    "Rebels attacked Kafrnabuda on Monday, killing 12 villagers, the monitor said on Tuesday.",
    "On 9 May 2020, ISIL fighters fired mortars at Mosul; IN JUNE 2019 they had STORMED the town.",
    "The group has long been active in the region since the outbreak of the war in 2011.",
    "MEANWHILE, in a separate incident, gunmen killed two people THE DAY BEFORE YESTERDAY.",
    "Aid groups WARNED that the fighting could lead to a humanitarian disaster.",
    "ſunday, 8 June: militants AttaCKed a convoy; İn March they clashed with troops.",
    "Fighters Have REPEATEDLY clashed there, after nine years of war.",
    "HURRAS AL-DEEN Is An Al-Qaeda-linked AFFILIATE, a rival of the umbrella faction.",
    "The offensive began last week, three days ago, on 2020-06-08 or 8/6/2020, in the 1990s.",
]

# one short phrase for every branch of the date and incident patterns
PHRASES = (
    """
2020-06-08|8/6/2020|Monday, June 8, 2020|8th of June|the 8 Sept. 2020|the day before yesterday|yesterday|today
tonight|this morning|this afternoon|this evening|earlier today|last night|three days ago|twenty-one days ago
last week|this weekend|past month|previous year|earlier this week|later last month|recently|overnight
in recent days|over the weekend|at the weekend|during the weekend|the previous day|the following day|the next day
the day before|a day earlier|a day later|hours later|days earlier|weeks ago|early on Friday|late Friday|on Monday
last Monday's|next Sunday morning|past Tuesday night|in June|since early June|mid-June|June 2020|in 2020
since the 1990s|between 2015|after the late 2019|20-year-long|two years of|decades of|for years|for decades
in recent months|years ago|over the past two decades|over the last months|since the start of
since the collapse of|has long|have largely|has repeatedly|have often|is a jihadist group|are also the main rival
could cause|would soon lead|might trigger|may escalate|warned that|fears of|feared that|in a separate|separately
in another incident|in an unrelated raid|elsewhere|meanwhile|in other violence|in other incidents|also
launched an attack|launches a rocket strike|launch ambushes|attacked|attacks|assaulted|ambushes|stormed|raids
shelled|bombs|clashed with|opened fire|fired on|fired at|killed|abducted|kidnapps|seized|seizes|overran|overruns
the attacks|these clashes|this air strike|such violence|the nearby village|said|told reporters
told local reporters|announced|by|until|till|since|says|reported|added|confirmed|stated|quoted
Jan 1|2 Feb.|March 3|4 apr|May 5|6 June|July 7|8 aug|Sept. 9|10 Oct|Nov 11|12 December|Wednesday|Thursday
Saturday
""".replace("\n", "|")
    .strip("|")
    .split("|")
)


def _phrase_texts() -> list[str]:
    texts = []
    for phrase in PHRASES:
        for form in (phrase, phrase.upper(), phrase.title()):
            texts += [form, f"{form} ", f"Xx {form} yy.", f"Officials {form} on Monday"]
    return texts


def _ignorecase_patterns() -> list[re.Pattern]:
    found = [p for p, _, _ in dates.FINDERS]
    found += [cue.pattern for _, cue in incidents._QUICK_CUES]
    found += [v.pattern for v in vars(incidents).values() if isinstance(v, quick_patterns.QuickPattern)]
    return [p for p in found if p.flags & re.IGNORECASE]


def _quick_patterns() -> list[quick_patterns.QuickPattern]:
    return [cue for _, cue in incidents._QUICK_CUES] + [
        v for v in vars(incidents).values() if isinstance(v, quick_patterns.QuickPattern)
    ]


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def _check_twins(texts: list[str]) -> None:
    for pattern in _ignorecase_patterns():
        twin = quick_patterns.lower_twin(pattern.pattern, pattern.flags)
        for text in texts:
            if text.isascii():
                assert _spans(twin.finditer(text.lower())) == _spans(pattern.finditer(text)), (pattern, text)


def _check_quick(texts: list[str]) -> None:
    for quick in _quick_patterns():
        for text in texts:
            want = quick.pattern.search(text) is not None
            assert quick.found(text, quick_patterns.lower_ascii(text)) == want, (
                quick.pattern.pattern[:40],
                text,
            )


@contextmanager
def plain_dates(monkeypatch: pytest.MonkeyPatch):
    """Every date and incident shortcut off: each finder scans every text with the pattern as written."""
    with monkeypatch.context() as m:
        m.setattr(dates, "FINDERS", tuple((p, None, ()) for p, _, _ in dates.FINDERS))
        m.setattr(dates, "ascii_finditer", lambda pattern, text, low: pattern.finditer(text))
        m.setattr(dates, "_date_mentions", dates._date_mentions.__wrapped__)
        m.setattr(
            quick_patterns.QuickPattern,
            "found",
            lambda self, text, low: self.pattern.search(text) is not None,
        )
        dates.resolve_date.cache_clear()
        yield
    dates._date_mentions.cache_clear()


def _clear_date_cache() -> None:
    if hasattr(dates._date_mentions, "cache_clear"):
        dates._date_mentions.cache_clear()


def _date_outputs(texts: list[str]) -> list:
    _clear_date_cache()
    return [
        (
            dates.find_date_mentions(t),
            incidents.background_reason(t, [], dates.parse_article_date("2020-06-08")),
            incidents.background_reason(t, [], None),
        )
        for t in texts
    ]


def test_twins_find_what_the_ignore_case_patterns_find():
    _check_twins(WRITTEN + _phrase_texts() + _bench_sentences() + _random_texts(400, seed=1))


def test_quick_patterns_find_what_the_patterns_find():
    _check_quick(WRITTEN + _phrase_texts() + _bench_sentences() + _random_texts(400, seed=2))


def test_date_mentions_and_background_match_the_plain_rules(monkeypatch):
    texts = WRITTEN + _phrase_texts() + _bench_sentences() + _random_texts(300, seed=3)
    fast = _date_outputs(texts)
    with plain_dates(monkeypatch):
        plain = _date_outputs(texts)
    assert fast == plain
    assert sum(len(f[0]) for f in fast) > 200  # the texts do hold dates
    assert {f[1] for f in fast} >= {None, "past time", "history", "description", "hypothetical"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(VOCAB), st.sampled_from(SEPARATORS), st.booleans()), max_size=25))
def test_shortcuts_match_the_plain_rules_on_random_word_sequences(parts):
    text = "".join((w.upper() if up else w) + sep for w, sep, up in parts)
    _check_twins([text])
    _check_quick([text])
    fast = _date_outputs([text])
    with pytest.MonkeyPatch.context() as mp, plain_dates(mp):
        plain = _date_outputs([text])
    assert fast == plain


def _fake_article(text: str, rng: random.Random) -> tuple[list[SentenceView], list[Mention]]:
    """Sentences labelled at random, capitalised words and some date words as mentions."""
    sentences = []
    for m in re.finditer(r"[^.;\n]+[.;]?", text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        if s < e:
            label = rng.choice(["Battles", "Violence against civilians", "Protests", "none"])
            sentences.append(SentenceView(s, e, text[s:e], [(label, rng.random())], [("Armed clash", 0.5)]))
    mentions = []
    for m in re.finditer(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)?|\b(?:last|on)\s+\w+day\b", text):
        head, label = rng.choice(
            [("entities", "Location"), ("entities", "Organisation"), ("roles", "S"), ("entities", "Temporal")]
        )
        mentions.append(Mention(m.start(), m.end(), label, m.group(), 0.9, head))
    return sentences, mentions


def test_records_match_the_plain_rules(monkeypatch):
    rng = random.Random(4)
    texts = make_articles(20, lambda s: len(s.split()), target_tokens=250, seed=9) + [" ".join(WRITTEN)]
    texts += [". ".join(_random_texts(12, seed=k)) for k in range(10)]
    inputs = [(t, *_fake_article(t, rng)) for t in texts]

    def records(article_date):
        _clear_date_cache()
        return [[r.to_dict() for r in build_events(t, s, m, article_date)] for t, s, m in inputs]

    fast = [records("2020-06-10"), records(None)]
    with plain_dates(monkeypatch):
        plain = [records("2020-06-10"), records(None)]
    assert fast == plain
    assert sum(len(r) for r in fast[0]) > 20


def test_lower_twin_refuses_a_case_sensitive_pattern():
    with pytest.raises(ValueError):
        quick_patterns.lower_twin(r"\bJune\b", re.IGNORECASE)
    with pytest.raises(ValueError):
        quick_patterns.lower_twin(r"(?-i:june)", re.IGNORECASE)
    # a case-sensitive pattern run on the lower-cased text would match "June"
    with pytest.raises(ValueError, match="ignore-case"):
        quick_patterns.lower_twin(r"\bjune\b", 0)
    assert quick_patterns.lower_twin(r"\bjune\s\S\d(?P<Day>x)", re.IGNORECASE).flags & re.IGNORECASE == 0
