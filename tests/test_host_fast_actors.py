"""The actor rules' fast paths (lower-cased ASCII contexts with IGNORECASE-free patterns, keyword pre-checks, the
target cue matched on the reversed context, cached name functions) give what the plain rules give, on varied
inputs. The plain rules below are the implementations the fast paths replaced."""

from __future__ import annotations

import random
import re

import pytest

import inference.events.actor_rank as actor_rank
import inference.events.actors as actors
from inference.events import Mention
from inference.events.actors import mention_side, order_actors

# the target cue as first written: a search of the pattern anchored at the end of ``before``
_TARGET_BEFORE_PLAIN = "|".join(
    r"""
    against targeting targeted attacked attacking attacks?\s+on assaults?\s+on raids?\s+on strikes?\s+on
    offensive\s+on ambushed ambushing killed killing kidnapped kidnapping abducted abducting shelled shelling
    bombed bombing struck hit raided stormed besieged clashed\s+with clash(?:es)?\s+with fighting\s+with
    fought fighting battled fired\s+(?:on|at) opened\s+fire\s+on positions\s+of arrested detained dispersed
    disperse executed beheaded under""".split()
)
_TARGET_BEFORE_RE = re.compile(rf"\b(?:{_TARGET_BEFORE_PLAIN})\s+(?:\S+\s+){{0,2}}$", re.IGNORECASE)


_LEADER_BEFORE = re.compile(r"\b(?:led|headed|commanded|spearheaded)\s+by\s+(?:the\s+)?$", re.IGNORECASE)


def plain_is_leader(text: str, mention: Mention) -> bool:
    return _LEADER_BEFORE.search(text[max(0, mention.start - 40) : mention.start]) is not None


def plain_is_place_like(mention: Mention, places) -> bool:
    letters = [i for i in range(mention.start, mention.end) if mention.text[i - mention.start].isalpha()]
    if not letters:
        return True
    inside = sum(1 for i in letters if any(s <= i < e for s, e in places))
    return inside * 2 >= len(letters) or actor_rank._PLACE_START.match(mention.text) is not None


def plain_trim_actor(text: str, start: int, end: int):
    words = list(actor_rank._WORDS.finditer(text, start, end))
    lo, hi = 0, len(words)
    while lo < hi and words[lo][0].casefold() in actor_rank._LEADING_DROP:
        lo += 1
    while hi > lo and words[hi - 1][0].casefold() in actor_rank._TRAILING_DROP:
        hi -= 1
    if lo == hi:
        return None
    return (start if lo == 0 else words[lo].start()), (end if hi == len(words) else words[hi - 1].end())


def plain_mention_side(text: str, mention: Mention, sentence_start: int, sentence_end: int) -> str:
    before = text[max(sentence_start, mention.start - 120) : mention.start]
    after = text[mention.end : min(sentence_end, mention.end + 120)]
    src = actors._SOURCE_AFTER.match(after)
    if src and not actors._CLAIM_REST.match(src["rest"]):
        return actors.SOURCE
    if src or re.match(r"^(?:['’]s)?\s+claimed\s+responsibility", after, re.IGNORECASE):
        return actors.ATTACKER
    if actors._SOURCE_BEFORE.search(before):
        return actors.SOURCE
    by = actors._BY_BEFORE.search(before)
    if by and by["verb"].lower() in actors._ALLY:
        return actors.ALLY
    if by and by["verb"].lower() in actors._HELD:
        return actors.TARGET
    if by and by["verb"].lower() not in actors._NON_AGENT:
        return actors.ATTACKER
    if actors._BLAME_BEFORE.search(before):
        return actors.ATTACKER
    if actors._BETWEEN_SECOND.search(before):
        return actors.TARGET
    if actors._BETWEEN_FIRST.search(before):
        return actors.ATTACKER
    if actors._PASSIVE_AFTER.match(after):
        return actors.TARGET
    if _TARGET_BEFORE_RE.search(before):
        return actors.TARGET
    if actors._PROTEST_AFTER.match(after) or actors._PROTESTER_WORDS.search(mention.text):
        return actors.PROTESTER
    attack = actors._ATTACK_AFTER.match(after)
    if attack and not set(attack["gap"].lower().split()) & actors._NOT_SUBJECT_GAP:
        return actors.ATTACKER
    if actors._ATTACK_NOUN_AFTER.match(after):
        return actors.ATTACKER
    return actors.UNKNOWN


# every word the cues react to, ordinary words, odd letters (long s, Kelvin sign, dotless i match ASCII letters
# under IGNORECASE), punctuation
CUE_WORDS = (
    " ".join(_TARGET_BEFORE_PLAIN.split("|"))
    + """ according to citing quoted by told said says reported claimed responsibility blamed blaming accused
    accusing suspected between and the a an of were was had been has have also reportedly then later it they
    its their that led headed backed held controlled brokered funded killed attacked protested marched rallied
    held a protest air strikes shelling offensive forces troops fighters gunmen militants jihadists protesters
    rioters activists 's ’s police army soldiers Boko Haram ISIL rebels village Gao Mosul on Monday
    ſuspected ſaid KILLED attacKed bIamed blamed BY By bY AND Between ıt , . ; - ( ) " ’
    """
).split()
SPACES = [" ", " ", " ", " ", "  ", "\n", "\t", "\u00a0", " \n"]


# the cues' phrases as units, so that a mention often comes right after or before one
CUE_PHRASES = """according to|citing the|factions led by the|headed  by|Commanded By\n|quoted by|told a|claimed by|claimed responsibility|blamed the|accused
|suspected|killed by the unknown|led by|backed by|held by|brokered by|between the|and the|were killed|was
reportedly attacked|has launched|'s air strikes|protested|held a rally|said it attacked|said that they had
seized|fired on|opened fire on|clashes with|attacks on the""".replace("\n", " ").split("|")


def _random_text(rng: random.Random, n_words: int) -> str:
    words = [rng.choice(CUE_PHRASES if rng.random() < 0.3 else CUE_WORDS) for _ in range(n_words)]
    words = [w.upper() if rng.random() < 0.08 else w.capitalize() if rng.random() < 0.1 else w for w in words]
    return "".join(w + rng.choice(SPACES) for w in words).rstrip(" ") + rng.choice(["", "\n", " ", "."])


def _cases(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        text = _random_text(rng, rng.randint(1, 40))
        starts = [m.start() for m in re.finditer(r"\S+", text)]
        a = rng.choice(starts)
        b = min(len(text), a + rng.randint(1, 25))
        s = rng.randint(0, a)
        e = rng.randint(b, len(text))
        yield text, Mention(a, b, "Organisation", text[a:b]), s, e


def test_mention_side_matches_the_plain_rules_on_random_contexts():
    seen = set()
    for text, m, s, e in _cases(6000, 7):
        side = mention_side(text, m, s, e)
        assert side == plain_mention_side(text, m, s, e), (text, m, s, e)
        seen.add(side)
    assert seen >= {"attacker", "target", "source", "protester", "ally", "unknown"}


@pytest.mark.parametrize("seed", range(3))
def test_reversed_target_cue_matches_the_plain_search(seed):
    rng = random.Random(seed)
    hits = 0
    for _ in range(5000):
        before = _random_text(rng, rng.randint(0, 8))
        if rng.random() < 0.5:
            before = before.rstrip() + rng.choice(SPACES)
        plain = _TARGET_BEFORE_RE.search(before) is not None
        hits += plain
        assert (actors._TARGET_BEFORE_REVERSED.match(before[::-1]) is not None) == plain, repr(before)
    assert hits > 200


@pytest.mark.parametrize(
    "before",
    [
        "troops fired at the ",
        "opened fire on ",
        "opened  fire\non X \n",
        "clashes with rebels ",
        "Attacks On ",
        "anti-attacked a b ",
        "attacked a b c ",
        "attacked",
        "ſhelled X ",
        "x-under y\n",
        "\nhit ",
        "",
    ],
)
def test_reversed_target_cue_on_written_cases(before):
    assert (actors._TARGET_BEFORE_REVERSED.match(before[::-1]) is not None) == (
        _TARGET_BEFORE_RE.search(before) is not None
    )


def test_order_actors_matches_the_plain_rules_on_random_mentions(monkeypatch):
    rng = random.Random(11)
    labels = [
        ("entities", "Organisation"),
        ("entities", "Person"),
        ("entities", "Location"),
        ("roles", "S"),
        ("roles", "T"),
        ("roles", "R"),
        ("entities", "Nationality"),
    ]
    cases = []
    for _ in range(800):
        text = _random_text(rng, rng.randint(3, 60))
        starts = [m.start() for m in re.finditer(r"\S+", text)]
        mentions = []
        for _ in range(rng.randint(1, 8)):
            a = rng.choice(starts)
            b = min(len(text), a + rng.randint(1, 30))
            head, label = rng.choice(labels)
            mentions.append(Mention(a, b, label, text[a:b], 0.5, head))
        cut = rng.randint(0, len(text))
        bounds = [(0, cut), (cut, len(text))]
        event_type = rng.choice([None, "Battles", "Protests", "Riots"])
        cases.append((text, mentions, bounds, event_type))
    fast = [order_actors(*c) for c in cases]
    with monkeypatch.context() as m:
        m.setattr(actors, "mention_side", plain_mention_side)
        m.setattr(actors, "is_place_like", plain_is_place_like)
        m.setattr(actor_rank, "is_leader", plain_is_leader)
        m.setattr(actors, "trim_actor", plain_trim_actor)
        for name in ("state_nationality", "is_source_name"):
            m.setattr(actors, name, getattr(actor_rank, name).__wrapped__)
        for name in ("state_nationality", "is_source_name", "name_tier"):
            m.setattr(actor_rank, name, getattr(actor_rank, name).__wrapped__)
        plain = [order_actors(*c) for c in cases]
    assert fast == plain
    assert sum(bool(a1) + bool(a2) for a1, a2 in fast) > 400


def test_leader_place_and_trim_match_the_plain_ones_on_random_spans():
    rng = random.Random(5)
    leaders = 0
    for text, m, _, _ in _cases(6000, 9):
        leader = actor_rank.is_leader(text, m)
        assert leader == plain_is_leader(text, m), (text, m)
        leaders += leader
        places = []
        for _ in range(rng.randint(0, 4)):
            a = rng.randint(0, len(text))
            places.append((a, rng.randint(a, len(text))))
        assert actor_rank.is_place_like(m, places) == plain_is_place_like(m, places), (text, m, places)
        assert actor_rank.trim_actor(text, m.start, m.end) == plain_trim_actor(text, m.start, m.end), (
            text,
            m,
        )
    assert leaders > 50
