"""Which actor names stand for a side: news sources out, one state party, named groups before generic nouns.

- ``is_source_name``: news agencies, monitors, spokespeople and journalists report an incident; they are never
  its actor ("AFP", "Reuters", "a war monitor", "army spokesman", "SANA news agency"). Journalists and media
  are kept as a target or a crowd ("gunmen attacked journalists", "journalists protested").
- ``is_place_like``: a role span that is mostly Location spans, or starts with a place noun and "of" ("the
  villages of X and Y", "central province of Hama"), names a place, not an actor.
- ``state_nationality``: a name made of state-force words ("government soldiers", "regime forces",
  "pro-government fighters", "Syrian army") is one party per nationality (None: no nationality named); such
  names in one incident are the same actor, as an ACLED coder's "Military Forces of X".
- ``trim_actor``: an actor span without edge prepositions ("of forces", "Tilan and").
- ``rank_key``: best first within a side: (in protests and riots, a crowd word first, as ACLED's "Protesters
  (X)"), a named group or the state party before a generic noun ("fighters", "Jihadist factions") before any
  other words ("patrol"), then a leader ("factions led by X": X), then a name that is not only a
  parent modifier ("an Al-Qaeda offshoot", "Al-Qaeda-linked militants": Al-Qaeda ranks lower), then more
  mentions, then the earliest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from inference.events.inputs import Mention

_I = re.IGNORECASE
_AGENCY = re.compile(r"\b(?:AFP|AP|SANA|IRNA|TASS|EFE|DPA|BBC|CNN|Reuters|Xinhua|Anadolu)\b")  # case kept
_SOURCE_NAME = re.compile(
    r"\b(?:Associated\s+Press|Agence\s+France[-\s]Presse|Al\s+Jazeera|news\s+agency|press\s+agency|news|"
    r"monitor(?:s|ing)?|observatory|spokes(?:man|woman|person|men|people))\b",
    _I,
)
_JOURNALIST = re.compile(
    r"\b(?:journalists?|reporters?|correspondents?|media|newspapers?|television|broadcasters?|radio)\b", _I
)
_PLACE_START = re.compile(
    r"^(?:the\s+)?(?:\w+\s+){0,2}?(?:villages?|towns?|cit(?:y|ies)|provinces?|regions?|districts?|"
    r"governorates?|areas?|neighbou?rhoods?|outskirts|countryside|states?)\s+(?:of|in|near)\s",
    _I,
)
STATE_CORE = frozenset(
    """government regime army military soldiers soldier troops police policemen gendarmes gendarmerie pro-government
    pro-regime
    security officers forces""".split()
)
STATE_OTHER = frozenset(
    """pro-government pro-regime loyalist loyalists national armed state government-backed regime-backed
    fighters personnel the a an of and several some two three his her their its special air force forces
    units unit members member militia militiamen""".split()
)
NATIONALITIES = frozenset(
    """afghan algerian american armenian azerbaijani bangladeshi beninese british burkinabe burmese burundian
    cameroonian chadian chinese colombian congolese egyptian eritrean ethiopian french georgian ghanaian indian
    indonesian iranian iraqi israeli ivorian jordanian kenyan lebanese libyan malian mauritanian mexican
    mozambican myanmar nigerian nigerien pakistani palestinian filipino russian rwandan saudi senegalese somali
    sudanese syrian tanzanian togolese tunisian turkish ugandan ukrainian venezuelan yemeni zimbabwean
    afghanistan algeria armenia azerbaijan burkina chad colombia congo egypt ethiopia india iraq israel kenya
    lebanon libya mali mexico mozambique myanmar niger nigeria pakistan russia somalia sudan syria turkey uganda
    ukraine yemen""".split()
)
GENERIC_ACTOR_WORDS = frozenset(
    """fighters fighter militants militant gunmen gunman jihadists jihadist jihadi jihadis islamist islamists
    insurgents insurgent rebels rebel factions faction group groups forces men man people persons person
    assailants attackers civilians residents villagers members unknown unidentified armed suspected alleged
    several some many dozens hundreds two three four five the a an of and or allied pro militia militias
    militiamen youths youth protesters demonstrators rioters crowd mob supporters students workers elements
    terrorists terrorist bandits kidnappers individuals those others other they them""".split()
)
_PARENT_AFTER = re.compile(
    r"^(?:['’]s)?[-\s]+(?:offshoot|affiliate|affiliated|linked|branch|splinter|loyalists?|allied|backed|"
    r"inspired|aligned|ally|allies|sympathi[sz]ers|supporters|remnants|cell)\b",
    _I,
)
# "led by (the) X": \b(?:led|headed|commanded|spearheaded)\s+by\s+(?:the\s+)?$ searched in the words before X.
# Fast path: matched on those words reversed, one anchored match instead of a search from every start (see
# actors._TARGET_BEFORE_REVERSED).
_LEADER_BEFORE_REVERSED = re.compile(
    r"(?:\s+eht)?\s+yb\s+(?:"
    + "|".join(w[::-1] for w in ("led", "headed", "commanded", "spearheaded"))
    + r")\b",
    _I,
)
_WORDS = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_LEADING_DROP = frozenset("of by from in on at to for with and or as".split())
_TRAILING_DROP = frozenset("of by from in on at to for with and or as the a an".split())
_CROWD = re.compile(
    r"\b(?:protesters?|protestors?|demonstrators?|rioters?|marchers|strikers|crowds?|mobs?)\b", _I
)
_CAPITAL_WORD = re.compile(r"\b[^\W\d_][\w'’-]*")


def _words(name: str) -> list[str]:
    return [w.casefold().replace("’", "'").removesuffix("'s") for w in _WORDS.findall(name)]


# cached (as state_nationality and name_tier): called for every mention of every record, on few distinct names
@lru_cache(maxsize=4096)
def is_source_name(name: str, crowd_or_target: bool = False) -> bool:
    """A news agency, monitor or spokesperson by its name; journalists and media too, unless they are a target
    or a crowd (``crowd_or_target``: "gunmen attacked journalists", "journalists protested")."""
    if _AGENCY.search(name) or _SOURCE_NAME.search(name):
        return True
    return not crowd_or_target and _JOURNALIST.search(name) is not None


def is_place_like(mention: Mention, places: Sequence[tuple[int, int]]) -> bool:
    """Does a role span name a place: at least half its letters inside Location spans, or a place-noun start?"""
    letters = [i for i in range(mention.start, mention.end) if mention.text[i - mention.start].isalpha()]
    if not letters:
        return True
    # fast path: only places that overlap the span can hold its letters, and most do not
    near = [(s, e) for s, e in places if s < mention.end and mention.start < e]
    inside = sum(1 for i in letters if any(s <= i < e for s, e in near)) if near else 0
    return inside * 2 >= len(letters) or _PLACE_START.match(mention.text) is not None


@lru_cache(maxsize=4096)
def state_nationality(name: str) -> str | None:
    """ "" for a state-force name with no nationality, its nationality for one with it ("Syrian army": "syrian",
    "military forces of Artsakh": "artsakh"), None for any other name (a named group, a generic noun)."""
    left, _, of_part = name.partition(" of ")
    words = _words(left)
    if not any(w in STATE_CORE for w in words):
        return None
    nationality = " ".join(_words(of_part.removeprefix("the ")))
    for w in words:
        if w in NATIONALITIES:
            if nationality and nationality != w:
                return None
            nationality = w
        elif w not in STATE_CORE and w not in STATE_OTHER:
            return None
    return nationality


def trim_actor(text: str, start: int, end: int) -> tuple[int, int] | None:
    """``(start, end)`` without leading prepositions or trailing function words ("of forces", "military forces
    of", "Tilan and"); None when nothing is left."""
    names = _WORDS.findall(text, start, end)
    if names and names[0].casefold() not in _LEADING_DROP and names[-1].casefold() not in _TRAILING_DROP:
        return start, end  # fast path: nothing to trim, the common case (no match objects)
    words = list(_WORDS.finditer(text, start, end))
    lo, hi = 0, len(words)
    while lo < hi and words[lo][0].casefold() in _LEADING_DROP:
        lo += 1
    while hi > lo and words[hi - 1][0].casefold() in _TRAILING_DROP:
        hi -= 1
    if lo == hi:
        return None
    s = start if lo == 0 else words[lo].start()
    e = end if hi == len(words) else words[hi - 1].end()
    return s, e


def is_parent_modifier(text: str, mention: Mention) -> bool:
    """A name used to describe another group: "an Al-Qaeda offshoot", "Al-Qaeda-linked militants"."""
    return _PARENT_AFTER.match(text[mention.end : mention.end + 30]) is not None


def is_leader(text: str, mention: Mention) -> bool:
    """The leader of a coalition: "factions led by X"."""
    return _LEADER_BEFORE_REVERSED.match(text[max(0, mention.start - 40) : mention.start][::-1]) is not None


@lru_cache(maxsize=4096)
def name_tier(name: str) -> int:
    """0: a proper name or a state force; 1: generic actor nouns ("militants"); 2: neither ("tires", "patrol")."""
    if state_nationality(name) is not None:
        return 0
    words = _CAPITAL_WORD.findall(name)
    if any(
        w[0].isupper() and _words(w)[0] not in GENERIC_ACTOR_WORDS | STATE_OTHER for w in words if _words(w)
    ):
        return 0
    return 1 if any(w in GENERIC_ACTOR_WORDS for w in _words(name)) else 2


def rank_key(text: str, name: str, mentions: Sequence[Mention], crowd_first: bool = False) -> tuple:
    """Sort key, best first, of one actor (its name and its mentions); see the module docstring. With
    ``crowd_first`` (protests, riots) a crowd word ("protesters") ranks first, as ACLED's "Protesters (X)"."""
    crowd = crowd_first and _CROWD.search(name) is not None
    leader = any(is_leader(text, m) for m in mentions)
    parent_only = all(is_parent_modifier(text, m) for m in mentions)
    first = min(m.start for m in mentions)
    return (not crowd, name_tier(name), not leader, parent_only, -len(mentions), first)
