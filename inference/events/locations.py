"""The incident's place: Location spans of its sentences, most specific first.

Specificity levels, read from cue words in the span or right around it:

- 4 ``site``: a village, town, city, neighbourhood, camp, market or base ("the villages of Al-Fatatra and
  Al-Manara", "the town of Konduga", "Kismayo port city", "Beledweyne, a town in ...");
- 3 ``place``: a named place with no cue (most such names in a conflict report are towns);
- 2 ``region``: a province, region, district, state, governorate, county, department, valley, plain or
  countryside ("the central province of Hama", "Sahl al-Ghab, a region of ...", "Borno State", "northwest
  Hama"); a span of only a direction ("the north", "northwest" cut from "northwest Hama");
- 1 ``country``: a country or larger area from a small list ("Syria", "northwest Syria", "the Middle East"; a
  span "northwest" followed by "Syria").
Ties keep text order. Known failures: a province named without a cue ("clashes in Hama") ranks as a place,
level with a village; a cue a few words away from a long list of names is missed; a country missing from the
list is a place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from inference.events.inputs import Mention
from inference.events.place_spans import clean_places, is_generic_place

SITE, PLACE, REGION, COUNTRY = 4, 3, 2, 1
LEVEL_NAMES = {SITE: "site", PLACE: "place", REGION: "region", COUNTRY: "country"}

_SITE = (
    r"villages?|towns?|cit(?:y|ies)|neighbou?rhoods?|suburbs?|camps?|markets?|hamlets?|settlements?"
    r"|localit(?:y|ies)|bases?|airports?|checkpoints?|outposts?|districts? of the city"
)
_REGION = (
    r"provinces?|regions?|governorates?|districts?|states?|count(?:y|ies)|departments?|prefectures?"
    r"|valleys?|plains?|countryside|oblasts?|territor(?:y|ies)|zones?|areas?|municipalit(?:y|ies)"
    r"|divisions?"
)
COMPASS = (
    r"(?:north|south|east|west|central|northern|southern|eastern|western|north-?west|north-?east|"
    r"south-?west|south-?east|northwestern|northeastern|southwestern|southeastern|upper|lower)"
)

COUNTRIES = {
    "afghanistan",
    "algeria",
    "bangladesh",
    "benin",
    "burkina faso",
    "burundi",
    "cameroon",
    "central african republic",
    "chad",
    "colombia",
    "democratic republic of congo",
    "dr congo",
    "drc",
    "congo",
    "egypt",
    "eritrea",
    "ethiopia",
    "ghana",
    "india",
    "indonesia",
    "iran",
    "iraq",
    "israel",
    "ivory coast",
    "jordan",
    "kenya",
    "lebanon",
    "libya",
    "mali",
    "mauritania",
    "mexico",
    "mozambique",
    "myanmar",
    "niger",
    "nigeria",
    "pakistan",
    "palestine",
    "philippines",
    "russia",
    "rwanda",
    "saudi arabia",
    "senegal",
    "somalia",
    "south sudan",
    "sudan",
    "syria",
    "tanzania",
    "togo",
    "tunisia",
    "turkey",
    "uganda",
    "ukraine",
    "venezuela",
    "yemen",
    "zimbabwe",
    "armenia",
    "azerbaijan",
    "georgia",
    "france",
    "britain",
    "united states",
    "china",
    "brazil",
    "haiti",
    "ecuador",
    "peru",
    "the middle east",
    "middle east",
    "africa",
    "west africa",
    "east africa",
    "the sahel",
    "sahel",
    "europe",
    "asia",
    "latin america",
    "the gaza strip",
    "gaza strip",
    "the west bank",
    "west bank",
}

# "the villages of X", "the villages of X and " (before the second name of a list)
_SITE_BEFORE = re.compile(
    rf"\b(?:{_SITE})\s+of\s+(?:[^,.;()]{{0,60}}?(?:,|\band)\s+)?(?:the\s+)?$", re.IGNORECASE
)
_REGION_BEFORE = re.compile(rf"\b(?:{_REGION})\s+of\s+(?:the\s+)?$", re.IGNORECASE)
_APPOSITION = r"""^[\s"'”’]*(?:,[\s"'”’]*(?:a|an|the)\s+(?:[\w-]+\s+){0,3})?"""  # ", a region of", ",” a town
_SITE_AFTER = re.compile(rf"{_APPOSITION}(?:{_SITE})\b", re.IGNORECASE)
_REGION_AFTER = re.compile(rf"{_APPOSITION}(?:{_REGION})\b", re.IGNORECASE)
_SITE_IN = re.compile(rf"\b(?:{_SITE})\b", re.IGNORECASE)
_REGION_IN = re.compile(rf"\b(?:{_REGION})\b", re.IGNORECASE)
_COMPASS_START = re.compile(rf"^(?:the\s+)?{COMPASS}\s+", re.IGNORECASE)
_COMPASS_BEFORE = re.compile(rf"\b{COMPASS}\s+(?:of\s+)?(?:the\s+)?$", re.IGNORECASE)
_COMPASS_ONLY = re.compile(rf"(?:the\s+)?{COMPASS}", re.IGNORECASE)
_NEXT_WORDS = re.compile(r"\s*(?:of\s+)?([^\W\d]+(?:\s+[^\W\d]+){0,4})")


@dataclass(frozen=True)
class Place:
    text: str
    start: int
    end: int
    level: int

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "precision": LEVEL_NAMES[self.level]}


def _clause_before(text: str, start: int) -> str:
    left = text[max(0, start - 80) : start]
    cut = max(left.rfind("."), left.rfind(";"), left.rfind("\n\n"))
    return left[cut + 1 :]


def _clause_after(text: str, end: int) -> str:
    right = text[end : end + 60]
    cut = min((i for i in (right.find("."), right.find(";")) if i >= 0), default=len(right))
    return right[:cut]


def place_level(text: str, mention: Mention) -> int:
    """Specificity of one Location span from its own words and the words beside it in ``text``."""
    return _place_level(text, mention.start, mention.end, mention.text)


@lru_cache(maxsize=1024)
def _place_level(text: str, start: int, end: int, name: str) -> int:
    # Cached: the grouping and the records both rank an article's places.
    name = " ".join(name.split()).strip(" ,.")
    bare = _COMPASS_START.sub("", name).lower()
    if bare in COUNTRIES or f"the {bare}" in COUNTRIES:
        return COUNTRY
    before, after = _clause_before(text, start), _clause_after(text, end)
    if _COMPASS_ONLY.fullmatch(name):  # a span of only "northwest": part of the name after it, or a region
        nxt = _NEXT_WORDS.match(after)
        words = nxt[1].lower().split() if nxt else []
        in_country = any(" ".join(words[:n]) in COUNTRIES for n in range(1, len(words) + 1))
        return COUNTRY if in_country else REGION
    if _SITE_IN.search(name) or _SITE_BEFORE.search(before) or _SITE_AFTER.match(after):
        return SITE
    if (
        _REGION_IN.search(name)
        or _REGION_BEFORE.search(before)
        or _REGION_AFTER.match(after)
        or _COMPASS_START.match(name)
        or _COMPASS_BEFORE.search(before)
    ):
        return REGION
    return PLACE


def _key(text: str) -> str:
    return re.sub(r"^the\s+", "", " ".join(text.casefold().split()))


def rank_places(text: str, mentions: list[Mention]) -> list[Place]:
    """Distinct places of the Location mentions (cleaned by ``place_spans.clean_places``; generic nouns like
    "villages" only when no place is named), most specific first, then in text order; a repeated name keeps its
    first mention and its most specific reading.
    """
    best: dict[str, Place] = {}
    places = clean_places(text, mentions)
    named = [m for m in places if not is_generic_place(m.text)]
    for m in named or places:
        level = place_level(text, m)
        key = _key(m.text)
        if key not in best:
            best[key] = Place(m.text, m.start, m.end, level)
        elif level > best[key].level:
            old = best[key]
            best[key] = Place(old.text, old.start, old.end, level)
    return sorted(best.values(), key=lambda p: (-p.level, p.start))
