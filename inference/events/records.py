"""ACLED-style event records from a labelled article: one record per incident.

``build_events`` reads the article text, its sentences with their event_type / sub_event_type labels and the
span mentions (entities and roles) and returns one :class:`EventRecord` per incident (see ``incidents``):

- event_type: a score-weighted vote over the incident's event sentences (each votes its best label with its
  score; ties go to the higher single score, then to the earlier sentence); ``event_type_score`` is the best
  single sentence score of the winner. sub_event_type: the same vote among the sentences whose best event_type
  is the winner (so it is always a child of it, given a parent-consistent tagger).
- inter1 / inter2: ACLED's actor categories, voted the same way as sub_event_type over the same sentences from the
  ``inter1`` / ``inter2`` heads (None for a model without them); ``interaction``: ACLED's code of the pair
  (``actor_types.interaction_code``: 17, or 60 with no actor2). They type the note's actor1 / actor2 as ACLED
  codes them, not the span the rules picked as actor1 / actor2.
- date: the first time expression of the incident's sentences (in text order, dateline and "said on Monday"
  report dates left out) that names a day; ``date_mention`` is its text. None when none names a day (the first
  unresolved mention is still given), unless ``date_fallback_to_article`` asks for the article date.
- actor1 / actor2: the best-ranked actor of each side, one each (``actors``, ``actor_rank``); ``actors``: every
  actor of the incident, actor1's side first, best first, each with its ``side`` ("actor1" / "actor2"), as
  ACLED's assoc_actor columns would hold the others. location (``locations``, ``place_spans``), fatalities
  (``fatalities``), evidence: the sentences. A record whose sentences name no place (nouns only, "government
  buildings") takes the places of the article's nearest earlier record that names one (else the nearest later
  one; ``_share_places``).
- geo fields (``GEO_FIELDS``): the place resolved to a GeoNames place by ``geocoding`` when ``build_events`` is
  given a gazetteer (the article's other place names as context, and its ``country`` label where the model has
  that head); without one, ``geo_status`` is
  ``unavailable`` and the other geo fields None.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from inference.events.actor_types import interaction_code
from inference.events.actors import order_actors
from inference.events.dates import dateline_end, parse_article_date, resolve_date
from inference.events.fatalities import incident_fatalities
from inference.events.geo_fields import GEO_FIELDS, empty_geo
from inference.events.incidents import (
    MAX_GAP,
    Incident,
    SentenceFeatures,
    group_incidents,
    mentions_by_sentence,
    sentence_features,
)
from inference.events.inputs import NONE_LABEL, Mention, SentenceView
from inference.events.locations import rank_places
from inference.events.place_spans import clean_places, is_generic_place


@dataclass
class EventRecord:
    """One incident as an ACLED-style row; lists of mentions are ``{"text", "start", "end"}`` dicts."""

    event_type: str
    event_type_score: float
    sub_event_type: str | None
    sub_event_type_score: float | None
    date: str | None
    date_mention: str | None
    actor1: list[dict] = field(default_factory=list)
    actor2: list[dict] = field(default_factory=list)
    actors: list[dict] = field(default_factory=list)
    inter1: str | None = None
    inter2: str | None = None
    interaction: int | None = None
    location: list[dict] = field(default_factory=list)
    fatalities: int | None = None
    fatalities_range: list[int | None] | None = None
    evidence: list[dict] = field(default_factory=list)
    geo: dict = field(default_factory=empty_geo)  # GEO_FIELDS; written flat, after ``location``

    def to_dict(self) -> dict:
        """JSON-ready dict, keys in a fixed order."""
        return {
            "event_type": self.event_type,
            "event_type_score": self.event_type_score,
            "sub_event_type": self.sub_event_type,
            "sub_event_type_score": self.sub_event_type_score,
            "date": self.date,
            "date_mention": self.date_mention,
            "actor1": [dict(a) for a in self.actor1],
            "actor2": [dict(a) for a in self.actor2],
            "actors": [dict(a) for a in self.actors],
            "inter1": self.inter1,
            "inter2": self.inter2,
            "interaction": self.interaction,
            "location": [dict(p) for p in self.location],
            **{k: self.geo.get(k) for k in GEO_FIELDS},
            "fatalities": self.fatalities,
            "fatalities_range": list(self.fatalities_range) if self.fatalities_range is not None else None,
            "evidence": [dict(e) for e in self.evidence],
        }


def vote(labels: Sequence[tuple[str, float, int]]) -> tuple[str, float] | None:
    """Score-weighted vote over ``(label, score, position)``: highest summed score, then highest single score,
    then earliest position. Returns (label, best single score) or None when there is nothing to vote on.
    """
    totals: dict[str, list] = {}
    for label, score, pos in labels:
        if label == NONE_LABEL:
            continue
        t = totals.setdefault(label, [0.0, 0.0, pos])
        t[0] += score
        t[1] = max(t[1], score)
        t[2] = min(t[2], pos)
    if not totals:
        return None
    if len(totals) == 1:  # the common case: one label, nothing to compare
        label = next(iter(totals))
    else:
        label = max(totals, key=lambda k: (round(totals[k][0], 9), totals[k][1], -totals[k][2]))
    return label, totals[label][1]


def _vote_head(
    sentences: Sequence[SentenceView], voters: Sequence[int], head: str
) -> tuple[str, float] | None:
    """``vote`` over the best label of one head in the voting sentences; None when none of them has one."""
    tops = [(sentences[i].top(head), i) for i in voters]
    return vote([(top[0], top[1], i) for top, i in tops if top is not None])


def _whole_article_labels(
    labels: Mapping[str, tuple[str, float]] | None,
) -> Mapping[str, tuple[str, float]] | None:
    """The article's labels for its one incident, or None when it has no event_type or its event_type is none
    (the incident's sentences then vote); a head whose label is none is left to the vote."""
    if not labels or "event_type" not in labels or labels["event_type"][0] == NONE_LABEL:
        return None
    return {h: v for h, v in labels.items() if v[0] != NONE_LABEL}


def _check_inputs(text: str, sentences: Sequence[SentenceView], mentions: Sequence[Mention]) -> None:
    for i, s in enumerate(sentences):
        if not 0 <= s.start <= s.end <= len(text) or text[s.start : s.end] != s.text:
            raise ValueError(f"sentence {i}: text {s.text[:40]!r} is not article[{s.start}:{s.end}]")
    for i, m in enumerate(mentions):
        if not 0 <= m.start <= m.end <= len(text) or text[m.start : m.end] != m.text:
            raise ValueError(
                f"mention {i} ({m.head}/{m.label}): text {m.text[:40]!r} is not article[{m.start}:{m.end}]"
            )


def _record(
    text: str,
    inc: Incident,
    sentences: Sequence[SentenceView],
    feats: Sequence[SentenceFeatures],
    mentions: Sequence[Mention],
    in_sentence: Sequence[Sequence[int]],
    article: dt.date | None,
    date_fallback: bool,
    whole: Mapping[str, tuple[str, float]] | None = None,
) -> EventRecord | None:
    chosen = (
        whole["event_type"]
        if whole
        else vote([(feats[i].event_type, feats[i].event_score, i) for i in inc.event_ids])
    )
    if chosen is None:
        return None
    event_type, event_score = chosen
    voters = [i for i in inc.event_ids if feats[i].event_type == event_type]
    sub, inter1, inter2 = (
        whole[head] if whole and head in whole else _vote_head(sentences, voters, head)
        for head in ("sub_event_type", "inter1", "inter2")
    )
    date, date_mention = None, None
    for i in inc.sentence_ids:
        for d in feats[i].dates:
            r = resolve_date(d.text, article)
            if r.iso is not None:
                date, date_mention = r.iso, d.text
                break
            if date_mention is None:
                date_mention = d.text
        if date is not None:
            break
    if date is None and date_fallback and article is not None:
        date = article.isoformat()
    bounds = [(sentences[i].start, sentences[i].end) for i in inc.sentence_ids]
    inside = [mentions[k] for k in sorted({k for i in inc.sentence_ids for k in in_sentence[i]})]
    actor1, actor2 = order_actors(text, inside, bounds, event_type)
    sides = (("actor1", actor1), ("actor2", actor2))
    fatal = incident_fatalities(feats[i].fatalities for i in inc.sentence_ids)
    return EventRecord(
        event_type=event_type,
        event_type_score=event_score,
        sub_event_type=sub[0] if sub else None,
        sub_event_type_score=sub[1] if sub else None,
        date=date,
        date_mention=date_mention,
        actor1=[a.as_dict() for a in actor1[:1]],
        actor2=[a.as_dict() for a in actor2[:1]],
        actors=[{**a.as_dict(), "side": side} for side, side_actors in sides for a in side_actors],
        inter1=inter1[0] if inter1 else None,
        inter2=inter2[0] if inter2 else None,
        interaction=interaction_code(inter1[0] if inter1 else None, inter2[0] if inter2 else None),
        location=[p.as_dict() for p in rank_places(text, inside)],
        fatalities=fatal.value if fatal is not None else None,
        fatalities_range=list(fatal.range) if fatal is not None and fatal.range is not None else None,
        evidence=[
            {"start": sentences[i].start, "end": sentences[i].end, "text": sentences[i].text}
            for i in inc.sentence_ids
        ],
    )


def _names_a_place(record: EventRecord) -> bool:
    """Whether one of the record's places is a name, not only nouns ("government buildings", "the area")."""
    return any(not is_generic_place(p["text"]) and not p["text"].islower() for p in record.location)


def _share_places(records: Sequence[EventRecord]) -> None:
    """A record whose sentences name no place takes the places of the article's nearest earlier record that
    names one (else the nearest later one), before its own nouns ("government buildings"): a follow-up incident
    ("Police fired tear gas to disperse them") happens where the article's other incidents do. The places taken
    keep their offsets, outside the record's evidence."""
    named = [k for k, rec in enumerate(records) if _names_a_place(rec)]
    if not named:
        return
    for k, rec in enumerate(records):
        if k not in named:
            source = max((j for j in named if j < k), default=min(named))
            taken = [dict(p) for p in records[source].location]
            seen = {p["text"] for p in taken}
            rec.location = taken + [p for p in rec.location if p["text"] not in seen]


def build_events(
    text: str,
    sentences: Sequence[SentenceView],
    mentions: Sequence[Mention],
    article_date: dt.date | str | None,
    *,
    min_event_score: float = 0.0,
    max_gap: int = MAX_GAP,
    date_fallback_to_article: bool = False,
    gazetteer=None,
    article_labels: Mapping[str, tuple[str, float]] | None = None,
) -> list[EventRecord]:
    """One record per incident of a labelled article, in text order; ``gazetteer`` (an
    ``inference.geo.gazetteer.Gazetteer``) puts each on the map. ``article_labels``: the article's own best
    label and score per sequence head (read from its pooled vector, as training reads a report); an article with
    one incident takes them instead of its sentences' vote, unless its event_type is ``none``. Raises ValueError
    when a sentence or mention does not match the text at its offsets.
    """
    _check_inputs(text, sentences, mentions)
    article = parse_article_date(article_date)
    ordered = sorted(sentences, key=lambda s: (s.start, s.end))
    feats = sentence_features(text, ordered, mentions, article, min_event_score)
    in_sentence = mentions_by_sentence(ordered, mentions, dateline_end(text))
    incidents = list(group_incidents(feats, max_gap=max_gap))
    whole = _whole_article_labels(article_labels) if len(incidents) == 1 else None
    records = []
    for inc in incidents:
        rec = _record(
            text, inc, ordered, feats, mentions, in_sentence, article, date_fallback_to_article, whole
        )
        if rec is not None:
            records.append(rec)
    _share_places(records)
    if gazetteer is not None and records:
        from inference.events.geocoding import ArticlePlaces

        article_places = ArticlePlaces(
            [m.text for m in clean_places(text, mentions)],
            gazetteer,
            (article_labels or {}).get("country"),
        )
        for rec in records:
            rec.geo = article_places.geocode(
                [(p["text"], p.get("precision")) for p in rec.location], [e["text"] for e in rec.evidence]
            )
    return records
