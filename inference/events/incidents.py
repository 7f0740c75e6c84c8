"""Sentences -> incidents: which event sentences report the same incident, and which sentences are background.

A sentence is an **event sentence** when its best event_type label is not ``none`` (and scores at least
``min_event_score``). It is **background** (never an incident, never evidence) when it has no recent time
anchor (a date within RECENT_DAYS of the article) and either refers to an older time ("since 2015", "in 2011",
"a truce reached on March 6", "last year") or reads as context: "after nine years of civil war", "for years",
"X is a small but powerful armed group", "could cause a humanitarian disaster", "aid groups warned that ...".

Event sentences are read in order; each joins the most recent incident (within ``max_gap`` sentences of that
incident's last sentence) that it links to without conflict, else it starts a new incident:

- conflicts (never join): a new-incident marker ("in a separate incident", "separately", "elsewhere",
  "meanwhile"); event dates that differ (for event sentences; dates after "said" / "told reporters" are report
  dates and after "by" / "until" / "since" deadlines, both ignored); named places of town level that differ
  (regions, countries and generic nouns like "two villages" never conflict) and no back-reference ("the
  attack", "they") to excuse them, or differ with an "also" ("militants also ambushed a convoy near Gao");
- strong links: a shared actor (Organisation / Person / role span, whole-word match) or a shared place (below
  country level), a definite reference to an incident ("the clashes", "the attack", "the offensive", "the
  villages"), a leading pronoun or group noun ("They", "The gunmen");
- weak links: a shared count (a number of 2 or more in both), or being the very next sentence.
Same event type: any link joins. Different event type: only a strong link joins ("They briefly seized the
villages" after a Battles lead), except for the sentence right after the lead: in wire style the second
sentence elaborates the lead ("An Al-Qaeda offshoot led an offensive ... / Jihadist factions led by X launched an
assault on two villages"), so with no conflict (date, place, new-incident marker) it joins the lead's incident
whatever its label. Only that one sentence: a third one needs a link of its own. A non-event sentence that
reports deaths joins, as evidence only, an incident it strongly links to ("Abdel Rahman said the clashes left 19 soldiers dead"). A non-event sentence with an
attack verb ("launched an assault", "stormed") right after the lead joins it as evidence only: the classifier
may call the detail sentence "none". A sentence that restates an incident's death toll (every stated count one of
the incident's, two counts or "the clashes") joins that incident however far back it is, so its deaths are not
counted twice and an undated restatement carries the incident's date. Known failures: a follow-up
naming a new village without "they"/"the attack" splits off; two incidents by the same group on the same day
with no place named in the second merge; background cues inside a real event sentence with no date ("fighters
of the group, active since 2015, attacked ...") drop it.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from inference.events.actors import ACTOR_LABELS, same_actor
from inference.events.dates import DateMention, dateline_end, find_date_mentions, resolve_date, time_relation
from inference.events.fatalities import Fatalities, sentence_fatalities
from inference.events.inputs import NONE_LABEL, Mention, SentenceView
from inference.events.locations import COUNTRY, PLACE, place_level
from inference.events.numbers import find_quantities
from inference.events.place_spans import is_generic_place
from inference.events.quick_patterns import QuickPattern, lower_ascii

MAX_GAP = 3
LINK_ACTOR_LABELS = ACTOR_LABELS - {"Nationality"}  # "Syrian" in two sentences links nothing

_I = re.IGNORECASE
BACKGROUND_CUES = [
    (
        "history",
        re.compile(
            r"\b(?:\w+|\d+)[-\s]years?[-\s](?:of|long)\b|\bdecades?\s+of\b|\bfor\s+(?:years|decades)\b"
            r"|\bin\s+recent\s+(?:years|months)\b|\b(?:years|decades)\s+ago\b"
            r"|\bover\s+the\s+(?:past|last)\s+(?:\w+\s+)?(?:years?|decades?|months)\b"
            r"|\bsince\s+(?:the\s+)?(?:start|beginning|outbreak|collapse|end)\s+of\b"
            r"|\b(?:has|have)\s+(?:long|largely|repeatedly|often)\b",
            _I,
        ),
    ),
    (
        "description",
        re.compile(
            r"\b(?:is|are)\s+(?:also\s+)?(?:a|an|the)\s+(?:[\w-]+\s+){0,5}?(?:group|alliance|faction"
            r"|organi[sz]ation|movement|coalition|militia|rival|affiliate|offshoot|bastion|stronghold|network"
            r"|branch|umbrella|party)\b",
            _I,
        ),
    ),
    (
        "hypothetical",
        re.compile(
            r"\b(?:could|would|might|may)\s+(?:\w+\s+){0,2}?(?:cause|lead|trigger|spark|result|become|worsen"
            r"|escalate)\b|\b(?:warned|warn|warns|fears?|feared)\s+(?:that|of)\b",
            _I,
        ),
    ),
]
DEFINITE_REF = re.compile(
    r"\b(?:the|this|these|those|such)\s+(?:[\w-]+\s+)?(?:attacks?|clash(?:es)?|fighting|offensive|assaults?"
    r"|raids?|ambush|strikes?|air\s*strikes?|bombing|blast|explosion|incident|violence|protests?"
    r"|demonstrations?|rally|riots?|operation|battle|shelling|killings?|massacre|abduction|kidnapping|unrest"
    r"|march|villages?|town|base|camp|convoy|checkpoint|market)\b",
    _I,
)
LEADING_PRONOUN = re.compile(
    r"^\W*(?:but\s+|and\s+|however,?\s+|then\s+|later,?\s+)?(?:they|it|he|she|the\s+(?:group|attackers"
    r"|assailants|gunmen|militants|fighters|jihadists|insurgents|rebels|soldiers|troops|protesters"
    r"|demonstrators|rioters|police))\b",
    _I,
)
NEW_INCIDENT = re.compile(
    r"\b(?:in\s+a\s+separate|separately|in\s+(?:another|an\s+unrelated)\s+(?:incident|attack|development"
    r"|raid)|elsewhere|meanwhile|in\s+other\s+(?:violence|news|incidents?))\b",
    _I,
)
ALSO = re.compile(r"\balso\b", _I)
# violence told by a verb: a sentence the classifier calls "none" may still report the lead's attack
VIOLENCE_CUE = re.compile(
    r"\b(?:launch(?:ed|es)?\s+(?:an?\s+)?(?:[\w-]+\s+)?(?:assault|attack|offensive|raid|strike|ambush)s?"
    r"|attack(?:ed|s)|assault(?:ed|s)|ambush(?:ed|es)|storm(?:ed|s)|raid(?:ed|s)|shell(?:ed|s)|bomb(?:ed|s)"
    r"|clash(?:ed|es)\s+with|opened\s+fire|fired\s+(?:on|at)|killed|abduct(?:ed|s)|kidnapp(?:ed|s)"
    r"|seiz(?:ed|es)|overr(?:an|uns?))\b",
    _I,
)
# a date right after these is the report's or a deadline: "said on Monday", "buried by Sunday"
REPORT_DATE_BEFORE = re.compile(
    r"\b(?:said|says|told\s+(?:\w+\s+){0,2}|announced|reported|added|confirmed"
    r"|stated|quoted|by|until|till|since)\s*$",
    _I,
)

# The sentence cues, cheap on ASCII text (``QuickPattern``), each with words one of which every match contains.
_CUE_WORDS = {
    "history": ("year", "decade", "month", "since", "long", "largely", "repeatedly", "often"),
    "description": (),
    "hypothetical": ("could", "would", "might", "may", "warn", "fear"),
}
_QUICK_CUES = [(name, QuickPattern(pattern, _CUE_WORDS[name])) for name, pattern in BACKGROUND_CUES]
_QUICK_DEFINITE_REF = QuickPattern(DEFINITE_REF)
_QUICK_NEW_INCIDENT = QuickPattern(NEW_INCIDENT, ("separate", "other", "unrelated", "elsewhere", "meanwhile"))
_QUICK_ALSO = QuickPattern(ALSO, ("also",))
_REPORT_WORDS = "said says told announced reported added confirmed stated quoted by until till since"
_QUICK_REPORT_DATE = QuickPattern(REPORT_DATE_BEFORE, tuple(_REPORT_WORDS.split()))
_VIOLENCE_WORDS = (
    "launch attack assault ambush storm raid shell bomb clash fire killed abduct kidnapp seiz overr"
)
_QUICK_VIOLENCE = QuickPattern(VIOLENCE_CUE, tuple(_VIOLENCE_WORDS.split()))


@dataclass
class SentenceFeatures:
    """What the grouping reads from one sentence."""

    index: int
    event_type: str
    event_score: float
    is_event: bool
    background: str | None
    dates: list[DateMention]  # absolute offsets; report dates excluded
    resolved: list[str]  # ISO days of ``dates``, in order, unresolved ones left out
    actors: list[str]
    places: dict[str, int]  # key -> specificity level
    numbers: set[int]
    fatalities: Fatalities | None
    back_ref: bool
    new_marker: bool
    also: bool
    violence: bool = False  # an attack verb ("launched an assault", "stormed"), whatever the label

    @cached_property
    def death_counts(self) -> set[int]:
        """The stated numbers of the dead (2 or more), e.g. {19, 22} for "left 19 soldiers and 22 jihadists dead"."""
        if self.fatalities is None:
            return set()
        return {q.value for q in self.fatalities.quantities if q.value is not None and q.value >= 2}

    @cached_property
    def specific_places(self) -> set[str]:
        return {k for k, lvl in self.places.items() if lvl >= PLACE}


@dataclass
class Incident:
    """Sentence indices of one incident: ``sentence_ids`` all its evidence, ``event_ids`` those that vote."""

    sentence_ids: list[int] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    event_types: set[str] = field(default_factory=set)
    actors: list[str] = field(default_factory=list)
    places: dict[str, int] = field(default_factory=dict)
    numbers: set[int] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    death_counts: set[int] = field(default_factory=set)
    is_lead: bool = False  # the article's first incident

    def add(self, f: SentenceFeatures, as_event: bool) -> None:
        self.sentence_ids.append(f.index)
        if as_event:
            self.event_ids.append(f.index)
            self.event_types.add(f.event_type)
        known = set(self.actors)
        self.actors += [a for a in f.actors if a not in known]
        for k, lvl in f.places.items():
            self.places[k] = max(lvl, self.places.get(k, 0))
        self.numbers |= f.numbers
        self.dates |= set(f.resolved)
        self.death_counts |= f.death_counts

    @property
    def last(self) -> int:
        return self.sentence_ids[-1]


_LEADING_THE = re.compile(r"^the\s+")


def _place_key(text: str) -> str:
    return _LEADING_THE.sub("", " ".join(text.casefold().split()))


def _reports_date(before: str) -> bool:
    """Does ``before`` (the 40 characters before a date) end with a report verb or a deadline ("said", "by")?"""
    return _QUICK_REPORT_DATE.found(before, lower_ascii(before))


def sentence_dates(
    text: str, sentence: SentenceView, mentions: Sequence[Mention], body_start: int
) -> list[DateMention]:
    """Time expressions of a sentence: its Temporal spans plus those the date finder sees and no span covers,
    in text order; none inside the dateline, none that dates the report ("said on Monday").
    """
    found = [
        DateMention(m.start, m.end, m.text)
        for m in mentions
        if m.head == "entities" and m.label == "Temporal" and m.start >= body_start
    ]
    for d in find_date_mentions(sentence.text):
        s, e = sentence.start + d.start, sentence.start + d.end
        if s >= body_start and not any(s < f.end and f.start < e for f in found):
            found.append(DateMention(s, e, d.text))
    return sorted(
        (d for d in found if not _reports_date(text[max(0, d.start - 40) : d.start])),
        key=lambda d: d.start,
    )


def background_reason(
    sentence: str, date_mentions: Sequence[DateMention], article_date: dt.date | None
) -> str | None:
    """Why a sentence is background (see the module docstring), or None when it may report the news."""
    mentioned = {d.text for d in date_mentions} | {d.text for d in find_date_mentions(sentence)}  # each once
    relations = {time_relation(m, article_date) for m in mentioned}
    if "recent" in relations:
        return None
    if "past" in relations:
        return "past time"
    low = lower_ascii(sentence)
    for name, cue in _QUICK_CUES:
        if cue.found(sentence, low):
            return name
    return None


def mentions_by_sentence(
    sentences: Sequence[SentenceView], mentions: Sequence[Mention], body_start: int
) -> list[list[int]]:
    """Per sentence, the indices (in input order) of the mentions that start inside it and after the dateline;
    one sort and two binary searches per sentence instead of a scan of every mention.
    """
    order = sorted(range(len(mentions)), key=lambda k: mentions[k].start)
    starts = [mentions[k].start for k in order]
    out = []
    for s in sentences:
        lo = bisect_left(starts, max(s.start, body_start))
        hi = bisect_left(starts, s.end, lo)
        out.append(sorted(order[lo:hi]))
    return out


def sentence_features(
    text: str,
    sentences: Sequence[SentenceView],
    mentions: Sequence[Mention],
    article_date: dt.date | None,
    min_event_score: float = 0.0,
) -> list[SentenceFeatures]:
    """Features of every sentence; mentions are assigned to the sentence that contains their start."""
    body_start = dateline_end(text)
    out = []
    for i, (s, ids) in enumerate(zip(sentences, mentions_by_sentence(sentences, mentions, body_start))):
        inside = [mentions[k] for k in ids]
        label, score = s.top_event_type
        dates = sentence_dates(text, s, inside, body_start)
        resolved = [r.iso for r in (resolve_date(d.text, article_date) for d in dates) if r.iso]
        actors = [
            m.text
            for m in inside
            if m.head == "roles" or (m.head == "entities" and m.label in LINK_ACTOR_LABELS)
        ]
        places: dict[str, int] = {}
        for m in inside:
            if m.head == "entities" and m.label == "Location":
                level = place_level(text, m)
                if level > COUNTRY:
                    k = _place_key(m.text)
                    places[k] = max(level, places.get(k, 0))
        numbers = {q.value for q in find_quantities(s.text) if q.value is not None and q.value >= 2}
        low = lower_ascii(s.text)
        out.append(
            SentenceFeatures(
                index=i,
                event_type=label,
                event_score=score,
                is_event=label != NONE_LABEL and score >= min_event_score,
                background=background_reason(s.text, dates, article_date),
                dates=dates,
                resolved=resolved,
                actors=actors,
                places=places,
                numbers=numbers,
                fatalities=sentence_fatalities(s.text),
                back_ref=_QUICK_DEFINITE_REF.found(s.text, low) or bool(LEADING_PRONOUN.match(s.text)),
                new_marker=_QUICK_NEW_INCIDENT.found(s.text, low),
                also=_QUICK_ALSO.found(s.text, low),
                violence=_QUICK_VIOLENCE.found(s.text, low),
            )
        )
    return out


def _named_specific(places: dict[str, int]) -> set[str]:
    """Places of town level or below that have a name: "villages" or "positions" alone name no place."""
    return {k for k, lvl in places.items() if lvl >= PLACE and not is_generic_place(k)}


def _conflicts(f: SentenceFeatures, inc: Incident) -> bool:
    """A new-incident marker, another event date or another named town (see the module docstring). A date
    conflicts only for an event sentence: evidence sentences report later facts ("28 bodies were buried on
    Sunday"). Regions, countries and generic nouns never conflict: "northwest Syria" then "two villages in Sahl
    al-Ghab, a region of Hama" can be one incident.
    """
    if f.new_marker:
        return True
    if f.is_event and f.resolved and inc.dates and not set(f.resolved) & inc.dates:
        return True
    mine, theirs = _named_specific(f.places), _named_specific(inc.places)
    if mine and theirs and not mine & set(inc.places):
        if not f.back_ref or f.also:
            return True
    return False


def _link(f: SentenceFeatures, inc: Incident) -> str | None:
    """ "strong", "weak" or None; None also when the sentence conflicts with the incident."""
    if _conflicts(f, inc):
        return None
    # sets: the same pairs as the lists, each tried once
    theirs = set(inc.actors)
    shared_actor = any(same_actor(a, b) for a in set(f.actors) for b in theirs)
    shared_place = bool(set(f.places) & set(inc.places))
    if shared_actor or shared_place or f.back_ref:
        return "strong"
    if f.numbers & inc.numbers or f.index - inc.last == 1:
        return "weak"
    return None


def _elaborates_lead(f: SentenceFeatures, inc: Incident) -> bool:
    """Is ``f`` the sentence right after the article's lead (the first event sentence, alone in its incident)?"""
    return inc.is_lead and len(inc.sentence_ids) == 1 and f.index - inc.last == 1


def _restates(f: SentenceFeatures, inc: Incident) -> bool:
    """Does ``f`` repeat the incident's death toll ("the clashes left 19 soldiers and 22 jihadists dead" after
    "clashes that left 19 fighters and 22 jihadists dead")? Every stated count is one of the incident's, and
    there are two of them or a back-reference ("the clashes") ties them; no conflict.
    """
    counts = f.death_counts
    if not counts or not counts <= inc.death_counts or not (len(counts) >= 2 or f.back_ref):
        return False
    return not _conflicts(f, inc)


def group_incidents(features: Sequence[SentenceFeatures], max_gap: int = MAX_GAP) -> list[Incident]:
    """Incidents in order of their first sentence (see the module docstring for the rules)."""
    incidents: list[Incident] = []
    for f in features:
        if f.background:
            continue
        if not f.is_event and f.fatalities is None and not f.violence:
            continue
        target = None
        for inc in reversed(incidents):
            if f.index - inc.last > max_gap:
                continue
            link = _link(f, inc)
            if not f.is_event and f.fatalities is None:  # an attack verb alone: only as the lead's detail
                if link is not None and _elaborates_lead(f, inc):
                    target = inc
                    break
                continue
            if link == "strong" or (
                link == "weak"
                and f.is_event
                and (f.event_type in inc.event_types or _elaborates_lead(f, inc))
            ):
                target = inc
                break
        if target is None and f.fatalities is not None:
            target = next((inc for inc in reversed(incidents) if _restates(f, inc)), None)
        if target is not None:
            target.add(f, as_event=f.is_event)
        elif f.is_event:
            inc = Incident(is_lead=not incidents)
            inc.add(f, as_event=True)
            incidents.append(inc)
    return incidents
