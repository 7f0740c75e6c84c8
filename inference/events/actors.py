"""actor1 (who acted: the attacker, the protesters) and actor2 (the target) of an incident, as an ACLED coder
orders them.

With ``roles`` spans in the incident's sentences they decide: S -> actor1, T -> actor2, R (reciprocal parties
of an agreement or meeting) -> the first R actor is actor1 and the others actor2. Without them, Organisation /
Person / Nationality ``entities`` spans get a side from the words around them in their sentence (first match
wins):

1. source: "according to X", "citing X", "X said / reported / told ..." (unless "X said it attacked ...", or
   "X claimed responsibility"): a source is never an actor;
2. agent of a passive: "were killed by X", "led by X" -> attacker ("brokered / funded by X" are not;
   "positions held / controlled by X" -> target; "troops backed by X" -> X takes the troops' side); "blamed
   X", "accused X" -> attacker;
3. "clashes between X and Y" -> X attacker, Y target;
4. subject of a passive: "X were attacked / killed / forced ..." -> target;
5. object of an attack word: "against X", "attack on X", "killing X", "clashed with X" -> target;
6. subject of an attack verb (up to three words before it, no auxiliary "were"/"was" among them): "X launched
   / attacked / clashed / seized ..." -> attacker; an attack noun after the name: "X air strikes", "X's
   offensive" -> attacker;
7. otherwise unknown.
For Protests and Riots, the demonstrators ("X protested / marched", "protesters", "rioters") are actor1
(without such a cue, those the police acted against: "police dispersed X") and the others actor2.

Mentions of one actor merge: same text case-folded (a leading "the" and a possessive "'s" ignored), or one is
a whole-word part of the other ("Hurras al-Deen" in "Hurras al-Deen fighters"); the longest mention (its first
occurrence) represents the actor. An actor's side is the majority of its mentions' sides (ties: its first
sided mention). Unknown actors fill an empty actor1, then an empty actor2, in text order; other unknowns are
dropped. Known failures: the words-around rules see one clause, so long relative clauses, "X and Y attacked"
(Y has no verb within reach of cue 6 only if the first is long), and sentences where the source is also the
actor ("the army said it killed ...": handled only in that exact shape) can be misread.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from inference.events.actor_rank import (
    is_place_like,
    is_source_name,
    rank_key,
    state_nationality,
    trim_actor,
)
from inference.events.inputs import Mention
from inference.events.quick_patterns import has_any, lower_twin

ATTACKER, TARGET, SOURCE, PROTESTER, UNKNOWN = "attacker", "target", "source", "protester", "unknown"
ALLY = "ally"  # "X backed by Y": Y is on X's side
RECIPROCAL = "reciprocal"  # a party of an agreement (roles head R)
ACTOR_LABELS = {"Organisation", "Person", "Nationality"}
PROTEST_TYPES = {"Protests", "Riots"}

# word lists as regex alternatives; "\s+" inside a phrase
_ATTACK_VERBS = "|".join(
    r"""
    attacked attacks? attacking launched launch(?:es)? led leads clashed clash fought ambushed fired shelled
    stormed seized captured bombed struck targeted raided killed kills? abducted kidnapped opened\s+fire
    carried\s+out detonated took overran shot besieged executed beheaded burned burnt looted torched
    set\s+fire assaulted invaded advanced retook recaptured arrested detained pounded hit
    claimed\s+responsibility used dispersed fired\s+tear\s+gas overrun massacred""".split()
)
_PROTEST_VERBS = "|".join(
    r"""
    protested demonstrated marched rallied gathered rioted staged
    held\s+(?:a\s+)?(?:protest|rally|sit-in)""".split()
)
_ATTACK_NOUNS = "|".join(
    r"""
    air\s*strikes? strikes? shelling bombardment offensive attacks? assault raids? ambush warplanes jets
    drones? fire artillery forces troops fighters gunmen militants jihadists""".split()
)
# phrases, words joined by "_"
_TARGET_BEFORE = """
    against targeting targeted attacked attacking attack_on attacks_on assault_on assaults_on raid_on raids_on
    strike_on strikes_on offensive_on ambushed ambushing killed killing kidnapped kidnapping abducted abducting
    shelled shelling bombed bombing struck hit raided stormed besieged clashed_with clash_with clashes_with
    fighting_with fought fighting battled fired_on fired_at opened_fire_on positions_of arrested detained
    dispersed disperse executed beheaded under""".split()
_PASSIVE = "|".join(
    r"""
    killed attacked targeted ambushed wounded injured abducted kidnapped shot executed arrested detained
    besieged forced hit struck beheaded seized captured overrun displaced massacred dispersed repelled
    pushed\s+back driven\s+out routed""".split()
)
_SPEECH = "|".join(
    r"""
    said says say told tells reported reports announced stated added confirmed quoted explained noted
    warned""".split()
)
_AUXILIARY = r"were|was|had\s+been|have\s+been|has\s+been|are|is|being|got|get"
_NON_AGENT = {
    "backed",
    "brokered",
    "controlled",
    "dominated",
    "founded",
    "funded",
    "run",
    "owned",
    "mediated",
    "financed",
    "trained",
    "sponsored",
    "recognised",
    "recognized",
    "designated",
    "listed",
    "condemned",
    "reported",
    "confirmed",
    "said",
    "supported",
    "welcomed",
    "denied",
    "praised",
    "criticised",
    "criticized",
    "organised",
    "organized",
    "called",
    "joined",
    "followed",
}
_ALLY = {
    "backed",
    "supported",
    "aided",
    "assisted",
    "helped",
    "accompanied",
    "reinforced",
    "joined",
    "escorted",
}
_HELD = {"held", "controlled", "manned", "occupied", "guarded"}  # "positions held by X": X is what was hit
_I = re.IGNORECASE
_PROTESTER_WORDS = re.compile(
    r"\b(?:protesters?|protestors?|demonstrators?|rioters?|marchers|strikers|activists)\b", _I
)

# contexts: ``before`` ends right before the mention, ``after`` starts right after it
_SOURCE_BEFORE = re.compile(
    r"\b(?:according\s+to|citing|quoted\s+by|told)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:\S+\s+){0,2}$",
    _I,
)
_SOURCE_AFTER = re.compile(
    rf"^(?:['’]s)?(?:\s+[^\s,.;]+){{0,4}}?\s*,?\s+(?:also\s+)?(?:{_SPEECH})\b"
    r"(?P<rest>.*)$",
    _I | re.DOTALL,  # the rest of the sentence may hold line breaks
)
_CLAIM_REST = re.compile(
    rf"^\s*(?:that\s+)?(?:it|they|its\s+\w+|their\s+\w+)\s+(?:had\s+|have\s+|has\s+)?"
    rf"(?:{_ATTACK_VERBS})\b",
    _I,
)
_BY_BEFORE = re.compile(
    r"\b(?P<verb>[\w-]+)\s+by\s+"
    r"(?:(?:the|a|an|suspected|alleged|presumed|unidentified|unknown|armed)\s+)*"
    r"(?:\S+\s+){0,1}$",
    _I,
)
_BLAME_BEFORE = re.compile(
    r"\b(?:blamed|blaming|accused|accusing|suspected|claimed\s+by)\s+(?:the\s+)?"
    r"(?:\S+\s+){0,1}$",
    _I,
)
_BETWEEN_FIRST = re.compile(r"\bbetween\s+(?:the\s+)?(?:\S+\s+){0,1}$", _I)
_BETWEEN_SECOND = re.compile(r"\bbetween\s+[^,.;]{1,80}?\s+and\s+(?:the\s+)?(?:\S+\s+){0,1}$", _I)
_PASSIVE_AFTER = re.compile(
    rf"^(?:['’]s)?(?:\s+[^\s,.;]+){{0,3}}?(?:\s*,[^,.;]{{1,60}},)?"
    rf"\s+(?:{_AUXILIARY})\s+(?:\w+ly\s+)?(?:{_PASSIVE})\b",
    _I,
)
# "<target phrase> X": the phrase and at most two more words end ``before``, \b(?:phrase)\s+(?:\S+\s+){0,2}$.
# Fast path: that is matched on ``before`` reversed, word for word. A search for a pattern anchored at the end
# tries every start, a match of the reversed pattern only the first; what one finds in ``before``, the other finds
# in its reversal, in any letter case ("$" also matches before a final line break, which the last "\s+" takes).
_TARGET_BEFORE_REVERSED = re.compile(
    r"(?:\s+\S+){0,2}\s+(?:"
    + "|".join(r"\s+".join(w[::-1] for w in reversed(p.split("_"))) for p in _TARGET_BEFORE)
    + r")\b",
    _I,
)
_ATTACK_AFTER = re.compile(
    rf"^(?:['’]s)?(?P<gap>(?:\s+[^\s,.;]+){{0,3}}?)"
    r"\s+(?:has\s+|have\s+|had\s+|reportedly\s+|allegedly\s+|also\s+|then\s+"
    r"|later\s+)*"
    rf"(?:{_ATTACK_VERBS}|{_PROTEST_VERBS})\b",
    _I,
)
_ATTACK_NOUN_AFTER = re.compile(rf"^(?:['’]s)?\s+(?:[\w-]+\s+)?(?:{_ATTACK_NOUNS})\b", _I)
_PROTEST_AFTER = re.compile(rf"^(?:['’]s)?(?:\s+[^\s,.;]+){{0,3}}?\s+(?:{_PROTEST_VERBS})\b", _I)
# words that, between a name and an attack verb, show the name is not the verb's subject
_NOT_SUBJECT_GAP = {"were", "was", "is", "are", "been", "be", "being", "said", "told", "says"}
_CLAIMED_AFTER = re.compile(r"^(?:['’]s)?\s+claimed\s+responsibility", _I)


class _Cues(NamedTuple):
    """The context patterns of ``mention_side`` (``_TARGET_BEFORE_REVERSED`` and ``_PROTESTER_WORDS`` aside)."""

    source_after: re.Pattern[str]
    claimed_after: re.Pattern[str]
    claim_rest: re.Pattern[str]
    source_before: re.Pattern[str]
    by_before: re.Pattern[str]
    blame_before: re.Pattern[str]
    between_second: re.Pattern[str]
    between_first: re.Pattern[str]
    passive_after: re.Pattern[str]
    protest_after: re.Pattern[str]
    attack_after: re.Pattern[str]
    attack_noun_after: re.Pattern[str]


_ANY_CASE = _Cues(
    _SOURCE_AFTER,
    _CLAIMED_AFTER,
    _CLAIM_REST,
    _SOURCE_BEFORE,
    _BY_BEFORE,
    _BLAME_BEFORE,
    _BETWEEN_SECOND,
    _BETWEEN_FIRST,
    _PASSIVE_AFTER,
    _PROTEST_AFTER,
    _ATTACK_AFTER,
    _ATTACK_NOUN_AFTER,
)
# The same patterns without IGNORECASE, for lower-cased ASCII contexts, two to three times faster: their letters
# are all lower case, so on such text they match where the IGNORECASE ones match the text as written.
_LOWER_ASCII = _Cues(*(lower_twin(p.pattern, p.flags) for p in _ANY_CASE))
# words (lower case) that a match of a ``before`` pattern always holds: without one, no need to search
_SOURCE_BEFORE_WORDS = ("according", "citing", "quoted", "told")
_BLAME_BEFORE_WORDS = ("blam", "accus", "suspected", "claimed")


@dataclass(frozen=True)
class Actor:
    """One actor of an incident: its representative mention and every mention merged into it."""

    text: str
    start: int
    end: int
    side: str
    mentions: tuple[Mention, ...]

    def as_dict(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end}


def mention_side(text: str, mention: Mention, sentence_start: int, sentence_end: int) -> str:
    """Side of one entity mention from the words around it inside its sentence (see the module docstring)."""
    before = text[max(sentence_start, mention.start - 120) : mention.start]
    after = text[mention.end : min(sentence_end, mention.end + 120)]
    if before.isascii() and after.isascii():
        return _context_side(before.lower(), after.lower(), mention.text, _LOWER_ASCII)
    return _context_side(before, after, mention.text, _ANY_CASE)


def _may_hold(context: str, words: tuple[str, ...], cues: _Cues) -> bool:
    """Fast path: a lower-cased ASCII context without any of ``words`` cannot match a pattern that always holds
    one; any other context may."""
    return cues is not _LOWER_ASCII or has_any(context, words)


def _context_side(before: str, after: str, name: str, cues: _Cues) -> str:
    """``mention_side`` of the mention ``name`` between ``before`` and ``after``, both lower-cased ASCII for
    ``_LOWER_ASCII`` cues."""
    src = cues.source_after.match(after)
    if src and not cues.claim_rest.match(src["rest"]):
        return SOURCE
    if src or (_may_hold(after, ("claimed",), cues) and cues.claimed_after.match(after)):
        return ATTACKER
    if _may_hold(before, _SOURCE_BEFORE_WORDS, cues) and cues.source_before.search(before):
        return SOURCE
    by = cues.by_before.search(before) if _may_hold(before, ("by",), cues) else None
    if by and by["verb"].lower() in _ALLY:
        return ALLY
    if by and by["verb"].lower() in _HELD:
        return TARGET
    if by and by["verb"].lower() not in _NON_AGENT:
        return ATTACKER
    if _may_hold(before, _BLAME_BEFORE_WORDS, cues) and cues.blame_before.search(before):
        return ATTACKER
    if _may_hold(before, ("between",), cues):
        if cues.between_second.search(before):
            return TARGET
        if cues.between_first.search(before):
            return ATTACKER
    if cues.passive_after.match(after):
        return TARGET
    if _TARGET_BEFORE_REVERSED.match(before[::-1]):
        return TARGET
    if cues.protest_after.match(after) or _PROTESTER_WORDS.search(name):
        return PROTESTER
    attack = cues.attack_after.match(after)
    if attack and not set(attack["gap"].lower().split()) & _NOT_SUBJECT_GAP:
        return ATTACKER
    if cues.attack_noun_after.match(after):
        return ATTACKER
    return UNKNOWN


_LEADING_THE = re.compile(r"^the\s+")
_POSSESSIVE_END = re.compile(r"'s$")


@lru_cache(maxsize=4096)
def actor_key(text: str) -> str:
    """Case-folded text without a leading "the" or a trailing possessive: what makes two mentions one actor."""
    t = " ".join(text.casefold().replace("’", "'").split())
    t = _LEADING_THE.sub("", t)
    return _POSSESSIVE_END.sub("", t)


def _contains(longer: str, shorter: str) -> bool:
    """Is ``shorter`` a whole-word part of ``longer`` (both keys: single spaces, no edge spaces)?"""
    if shorter not in longer:  # the common case, without building a pattern
        return False
    return re.search(rf"(?:^|\s){re.escape(shorter)}(?:\s|$)", longer) is not None


@lru_cache(maxsize=4096)
def same_actor(a: str, b: str) -> bool:
    """Same actor by key: equal, or one is a whole-word part of the other ("Hurras al-Deen" in "Hurras al-Deen
    fighters")."""
    ka, kb = actor_key(a), actor_key(b)
    if not ka or not kb:
        return False
    return ka == kb or _contains(ka, kb) or _contains(kb, ka)


def merge_mentions(mentions: Sequence[Mention]) -> list[list[Mention]]:
    """Group mentions of one actor (same key, or a whole-word part of a longer mention with the same label;
    never a Nationality inside a name: "Syrian" is not "Syrian Observatory"); longest first in a group.
    """
    groups: list[list[Mention]] = []
    for m in sorted(mentions, key=lambda m: (-len(actor_key(m.text)), m.start)):
        k = actor_key(m.text)
        if not k:
            continue
        for g in groups:
            gk = actor_key(g[0].text)
            if k == gk or (_contains(gk, k) and m.label == g[0].label and m.label != "Nationality"):
                g.append(m)
                break
        else:
            groups.append([m])
    return groups


def _decide(sides: list[tuple[str, int]]) -> str:
    """Side of an actor from its mentions' ``(side, weight)`` in text order: the heaviest side (ties: the first
    sided mention's); a source when only sources and unknowns."""
    weights: dict[str, int] = {}
    for side, w in sides:
        if side not in (UNKNOWN, SOURCE):
            weights[side] = weights.get(side, 0) + w
    if not weights:
        return (
            SOURCE if any(s == SOURCE for s, _ in sides) else UNKNOWN
        )  # once a source, never an unknown actor
    top = max(weights.values())
    return next(s for s, _ in sides if weights.get(s) == top)


def _resolve_allies(sided: list[tuple[Mention, str]], bounds) -> list[tuple[Mention, str]]:
    """An ally ("backed by Y") takes the side of the nearest actor mention before it in its sentence."""
    out = []
    for m, side in sided:
        if side == ALLY:
            before = [(o, s) for o, s in out if bounds(o) == bounds(m) and o.end <= m.start]
            side = before[-1][1] if before else UNKNOWN
            side = side if side in (ATTACKER, TARGET, PROTESTER) else UNKNOWN
        out.append((m, side))
    return out


def _widen(role: Mention, entities: Sequence[Mention]) -> Mention:
    """A role span inside a short actor entity span takes the entity's extent ("-government" and "fighters" in
    "pro-government fighters")."""
    for e in entities:
        if e.start <= role.start and role.end <= e.end and (e.start, e.end) != (role.start, role.end):
            if len(e.text.split()) <= 6:
                return Mention(e.start, e.end, role.label, e.text, role.score, role.head)
    return role


_OF_PLACE = re.compile(r"^\s+of\s+(?:the\s+)?")


def _trimmed(text: str, m: Mention, places: Sequence[tuple[int, int]]) -> Mention | None:
    """An actor span without edge prepositions, and with the place after a state force's "of" ("military
    forces of" + "Artsakh")."""
    kept = trim_actor(text, m.start, m.end)
    if kept is None:
        return None
    start, end = kept
    of = _OF_PLACE.match(text, end)
    if of and state_nationality(text[start:end]) is not None:
        end = next((e for s, e in places if s == of.end()), end)
    if (start, end) == (m.start, m.end):
        return m
    return Mention(start, end, m.label, text[start:end], m.score, m.head)


_LED_BY = re.compile(r"\s+(?:led|headed|commanded)\s+by\s+")


def _split_leader(m: Mention) -> list[Mention]:
    """A span that names a coalition and its leader ("Jihadist factions led by Hurras al-Deen") as two actors, so
    the leader can be ranked as one ("factions" and "Hurras al-Deen")."""
    cut = _LED_BY.search(m.text)
    if cut is None or cut.start() == 0 or cut.end() == len(m.text):
        return [m]
    head = Mention(m.start, m.start + cut.start(), m.label, m.text[: cut.start()], m.score, m.head)
    leader = Mention(m.start + cut.end(), m.end, m.label, m.text[cut.end() :], m.score, m.head)
    return [head, leader]


def _sided_mentions(
    text: str, mentions: Sequence[Mention], bounds, event_type: str | None
) -> list[tuple[Mention, str, int]]:
    """Every actor mention with its side and vote weight: words-around cues weigh 2, a role label alone 1."""
    places = [(m.start, m.end) for m in mentions if m.head == "entities" and m.label == "Location"]
    entities = sorted(
        (m for m in mentions if m.head == "entities" and m.label in ACTOR_LABELS),
        key=lambda m: (m.start, m.end),
    )
    entities = [t for t in (_trimmed(text, m, places) for m in entities) if t is not None]
    roles = [
        _widen(t, entities)
        for t in (
            _trimmed(text, part, places)
            for m in mentions
            if m.head == "roles" and m.label in ("S", "T", "R")
            for part in _split_leader(m)
        )
        if t is not None and any(c.isalpha() for c in t.text) and not is_place_like(t, places)
    ]
    out: list[tuple[Mention, str, int]] = []
    if roles:
        side_of = {"S": ATTACKER, "T": TARGET, "R": RECIPROCAL}
        for m in roles:
            cue = mention_side(text, m, *bounds(m))
            if cue == SOURCE or (cue in (ATTACKER, TARGET, PROTESTER) and m.label != "R"):
                out.append((m, cue, 2))
            else:
                out.append((m, side_of[m.label], 1))
        covered = [(m.start, m.end) for m in roles]
        extra = [m for m in entities if not any(m.start < e and s < m.end for s, e in covered)]
    else:
        extra = entities
    cued = _resolve_allies([(m, mention_side(text, m, *bounds(m))) for m in extra], bounds)
    out += [(m, side, 2) for m, side in cued if side != UNKNOWN or not roles]
    protest = event_type in PROTEST_TYPES
    return [
        (m, SOURCE if is_source_name(m.text, protest or side in (TARGET, PROTESTER)) else side, w)
        for m, side, w in sorted(out, key=lambda x: (x[0].start, x[0].end))
    ]


def _state_parties(groups: list[list[Mention]]) -> list[list[Mention]]:
    """State-force groups of one nationality (or none named) merge into one party, earliest mention first."""
    by_nat: dict[str, list[Mention]] = {}
    out: list[list[Mention]] = []
    nats = {state_nationality(g[0].text) for g in groups} - {None, ""}
    for g in groups:
        nat = state_nationality(g[0].text)
        if nat is None or (nat == "" and len(nats) > 1):
            out.append(g)
            continue
        key = nat or next(iter(nats), "")
        if key in by_nat:
            by_nat[key].extend(g)
        else:
            by_nat[key] = list(g)
            out.append(by_nat[key])
    return [sorted(g, key=lambda m: m.start) if state_nationality(g[0].text) is not None else g for g in out]


def order_actors(
    text: str,
    mentions: Sequence[Mention],
    sentence_bounds: Sequence[tuple[int, int]],
    event_type: str | None = None,
) -> tuple[list[Actor], list[Actor]]:
    """(actor1, actor2) of an incident from the mentions inside its sentences (``sentence_bounds``), each side
    best first (``actor_rank.rank_key``); news sources are left out."""

    def bounds(m: Mention) -> tuple[int, int]:
        return next(((s, e) for s, e in sentence_bounds if s <= m.start < e), (m.start, m.end))

    sided = _sided_mentions(text, mentions, bounds, event_type)
    side_by_mention = {id(m): (s, w) for m, s, w in sided}
    actors = []
    for group in _state_parties(merge_mentions([m for m, _, _ in sided])):
        in_order = sorted(group, key=lambda m: m.start)
        rep = group[0]
        side = _decide([side_by_mention[id(m)] for m in in_order])
        if side == SOURCE:
            continue
        actors.append(Actor(rep.text, rep.start, rep.end, side, tuple(in_order)))
    actors.sort(key=lambda a: a.mentions[0].start)
    if event_type in PROTEST_TYPES:
        # demonstrators first; without a protest cue, whoever the police acted against are the demonstrators
        first = [a for a in actors if a.side == PROTESTER] or [a for a in actors if a.side == TARGET]
        actor1 = first
        actor2 = [a for a in actors if a.side in (ATTACKER, TARGET) and a not in first]
    else:
        actor1 = [a for a in actors if a.side in (ATTACKER, PROTESTER)]
        actor2 = [a for a in actors if a.side == TARGET]
    for a in actors:
        if a.side == RECIPROCAL:
            (actor2 if actor1 else actor1).append(a)
    for a in actors:
        if a.side != UNKNOWN:
            continue
        if not actor1:
            actor1.append(a)
        elif not actor2:
            actor2.append(a)

    def ranked(side: list[Actor]) -> list[Actor]:
        return sorted(side, key=lambda a: rank_key(text, a.text, a.mentions, event_type in PROTEST_TYPES))

    return ranked(actor1), ranked(actor2)
