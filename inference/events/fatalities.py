"""Fatality counts: the quantities a sentence attaches to death words, summed; an incident takes the largest.

A count is a fatality count when it is
- the object of an active killing verb: "killing three civilians and two police officers" (5), "shot dead 4";
- the subject of a passive or intransitive death predicate: "a soldier was killed" (1), "19 soldiers and 22
  jihadists dead" (41), "three people died", "were shot dead", "lost their lives", "beaten to death";
- a death noun's count: "14 deaths", "12 bodies", "the bodies of five men";
- a death toll: "the death toll rose to 14" (a toll is a total: the sentence's count is the larger of the toll
  and the other counts' sum, never their sum).
Coordinated counts ("19 soldiers and 22 jihadists", "three soldiers, two police officers and a civilian")
share one predicate and are summed. Never counted: wounded / injured / arrested / abducted / missing numbers
("killed 3 and wounded 12" is 3), subsets ("12 people, including three children", "five of them"), the
attackers of an active verb ("two gunmen killed three villagers" is 3), "casualties" (it includes the
wounded), the object of an action verb or a preposition before a finite death clause ("attacked the village
and two rebels were killed" is 2: "the village" is not a person who died; but "a man in the village died" is
the man). "no one was killed", "no casualties", "no deaths" give 0.

Per incident (:func:`incident_fatalities`): wire reports repeat the same toll ("the clashes left 19 soldiers
and 22 jihadists dead" in the lead and again later), so the incident's count is the MAXIMUM over its sentences
of each sentence's sum, not the sum over sentences; only a sentence that says its deaths are further ones
("four militants were also killed", "another soldier died") is added on top. This undercounts an incident
whose sentences report disjoint deaths without saying so ("3 soldiers were killed. ... 5 civilians died in the
crossfire.").

Also read: "a" / "an" / "the driver" / "his brother" / "killing him" as one person when the noun is singular;
"were killed or wounded" as a range from none to all of them; animals ("15 livestock") never count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from inference.events.numbers import Quantity, Token, find_quantities, tokenize, word_alternatives
from inference.events.quick_patterns import QuickPattern, lower_ascii

DEATH_PASSIVE = {
    "killed",
    "slain",
    "murdered",
    "massacred",
    "executed",
    "beheaded",
    "assassinated",
    "lynched",
    "slaughtered",
    "martyred",
    "dead",
    "died",
    "perished",
}
INTRANSITIVE = {"dead", "died", "perished", "slain", "martyred", "kia"}
ACTIVE_KILL = {
    "killed",
    "killing",
    "kills",
    "kill",
    "murdered",
    "murdering",
    "massacred",
    "massacring",
    "executed",
    "executing",
    "beheaded",
    "beheading",
    "assassinated",
    "assassinating",
    "slaughtered",
    "slaughtering",
    "lynched",
}
DEATH_NOUNS = {"deaths", "death", "fatalities", "fatality", "bodies", "body", "corpses", "corpse", "dead"}
DETERMINERS = {"the", "his", "her", "their", "its", "this", "that"}
PLURAL_NOUNS = {
    "people",
    "men",
    "women",
    "children",
    "police",
    "personnel",
    "staff",
    "youth",
    "folk",
    "dead",
    "military",
    "army",
    "security",
    "public",
    "media",
    "clergy",
    "livestock",
    "cattle",
}
QUOTES = {'"', "“", "”", "'", "‘", "’"}
OTHER_CASUALTY = {
    "wounded",
    "injured",
    "hurt",
    "arrested",
    "detained",
    "abducted",
    "kidnapped",
    "missing",
    "displaced",
    "captured",
    "rescued",
    "released",
    "evacuated",
    "taken",
    "held",
    "freed",
    "hospitalised",
    "hospitalized",
    "treated",
    "surrendered",
    "fled",
    "survived",
    "wounding",
    "injuring",
    "arresting",
    "abducting",
    "kidnapping",
    "casualties",
    "injuries",
    "hostage",
    "hostages",
    "jailed",
    "sentenced",
    "charged",
    "questioned",
    "beaten",
    "tortured",
    "raped",
    "assaulted",
    "shot",
}
AUXILIARIES = {"were", "was", "have", "has", "had", "been", "are", "is", "being", "be", "got", "get"}
# skipped between a subject and its predicate: "were reportedly killed", "were believed to have been killed"
AUX_AND_ADVERBS = AUXILIARIES | {
    "reported",
    "reportedly",
    "allegedly",
    "also",
    "all",
    "both",
    "later",
    "subsequently",
    "since",
    "confirmed",
    "believed",
    "thought",
    "feared",
    "presumed",
    "to",
    "then",
    "each",
    "either",
    "instantly",
    "immediately",
    "found",
    "left",
    "now",
    "already",
}
# after a reduced passive "19 soldiers killed ...": what may follow "killed" when nothing is its object
AFTER_REDUCED_PASSIVE = {
    "were",
    "was",
    "are",
    "is",
    "had",
    "have",
    "has",
    "in",
    "on",
    "at",
    "by",
    "during",
    "when",
    "as",
    "after",
    "while",
    "and",
    "near",
    "overnight",
    "yesterday",
    "today",
    "last",
    "early",
    "late",
    "since",
    "following",
    "amid",
    "outside",
    "inside",
    "across",
    "along",
    "around",
    "within",
    "this",
    "earlier",
    "so",
    "or",
    "but",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
}
# words that end the noun phrase after a count
NP_BREAK = (AUX_AND_ADVERBS | DEATH_PASSIVE | ACTIVE_KILL | OTHER_CASUALTY) - {"all", "both", "each"} | {
    "in",
    "on",
    "at",
    "by",
    "during",
    "after",
    "before",
    "near",
    "with",
    "as",
    "when",
    "while",
    "including",
    "among",
    "for",
    "since",
    "amid",
    "following",
    "into",
    "across",
    "outside",
    "inside",
    "against",
    "and",
    "or",
    "but",
    "who",
    "which",
    "that",
    "whom",
    "whose",
    "said",
    "says",
    "say",
    "told",
    "reported",
    "added",
    "claimed",
    "according",
    "stated",
    "announced",
    "lost",
    "succumbed",
    "if",
    "than",
    # verbs that follow a subject ("An intense shoot-out broke out and ...")
    "attacked",
    "ambushed",
    "stormed",
    "raided",
    "opened",
    "fired",
    "exploded",
    "erupted",
    "broke",
    "went",
    "hit",
    "struck",
    "launched",
    "carried",
    "targeted",
    "arrived",
    "clashed",
    "detonated",
    "set",
    "burned",
    "torched",
    "looted",
    "shelled",
    "bombed",
    "seized",
    "took",
    "came",
    "occurred",
    "happened",
    "began",
    "started",
    "continued",
    "ended",
    "returned",
    "fatally",
}
# words after which a noun phrase is an object (of an action verb or a preposition), never the subject of a
# death predicate later in the sentence: "attacked the village and two rebels were killed" is 2, not 3.
# Only before a finite clause ("were killed", "died"), not a small clause ("resulted in 20 fighters killed", "beat
# a man to death"). Not here: killing verbs (their objects are counted), "left" / "found" ("left 19 soldiers
# dead"), verbs of saying ("reported 3 soldiers were killed"), "of" ("a supporter of a UP member was killed")
# and words that also start a clause ("after", "as").
PREPOSITIONS = {
    "in",
    "on",
    "at",
    "near",
    "into",
    "onto",
    "from",
    "towards",
    "toward",
    "against",
    "with",
    "by",
    "through",
    "across",
    "around",
    "outside",
    "inside",
    "along",
    "between",
    "under",
    "behind",
    "upon",
    "via",
    "to",
    "for",
    "during",
}
OBJECT_AFTER = PREPOSITIONS | {
    "attacked",
    "attacking",
    "attack",
    "attacks",
    "raided",
    "raiding",
    "stormed",
    "storming",
    "ambushed",
    "ambushing",
    "targeted",
    "targeting",
    "hit",
    "hitting",
    "struck",
    "striking",
    "shelled",
    "shelling",
    "bombed",
    "bombing",
    "burned",
    "burnt",
    "burning",
    "torched",
    "torching",
    "looted",
    "looting",
    "destroyed",
    "destroying",
    "damaged",
    "damaging",
    "razed",
    "seized",
    "seizing",
    "captured",
    "capturing",
    "occupied",
    "besieged",
    "surrounded",
    "overran",
    "invaded",
    "entered",
    "blocked",
    "robbed",
    "searched",
    "dispersed",
    "assaulted",
    "beat",
    "wounded",
    "wounding",
    "injured",
    "injuring",
    "arrested",
    "arresting",
    "detained",
    "abducted",
    "abducting",
    "kidnapped",
    "kidnapping",
}
SEPARATORS = {",", "and", "plus"}
FINITE_AUXILIARIES = {"were", "was", "are", "is", "have", "has", "had"}
FINITE_DEATH_VERBS = {"died", "perished", "succumbed", "lost"}
PRONOUNS_OF_ONE = {"him", "her"}  # "killing him"
PARENTS = {"father", "mother", "parent"}
SUBSET_BEFORE = {"including", "among", "whom", "them"}
ANIMALS = {
    "livestock",
    "cattle",
    "cows",
    "goats",
    "camels",
    "sheep",
    "animals",
    "chickens",
    "donkeys",
    "head",
    "horses",
    "pigs",
    "dogs",
    "birds",
}
MAX_NP_TOKENS = 5
# every word one of the death rules below starts from (predicates, killing verbs, death nouns, tolls)
DEATH_CUES = (
    DEATH_PASSIVE
    | INTRANSITIVE
    | ACTIVE_KILL
    | DEATH_NOUNS
    | {"toll", "fatally", "gunned", "lives", "life", "succumbed"}
)
# a cue as a whole word of lower-cased text (also inside a hyphenated word: a superset of the token test)
_DEATH_CUE = re.compile(r"(?<![^\W\d_])(?:" + word_alternatives(DEATH_CUES) + r")(?![^\W\d_])")

# "also" before a death word, not before a verb of saying: "4 militants were also killed", "also 13 died"
ADDITIONAL = re.compile(
    r"\balso\s+(?!said|reported|told|confirmed|stated|announced|added)[^.;]{0,60}?"
    r"\b(?:killed|died|dead|perished|lost\s+their\s+lives)\b",
    re.IGNORECASE,
)
ZERO = re.compile(
    r"\b(?:no\s+one|no-one|nobody|none)\s+(?:was|were|had\s+been|has\s+been)\s+"
    r"(?:killed|hurt|injured|harmed)\b"
    r"|\bno\s+(?:one|body)\s+died\b"
    r"|\bno\s+(?:deaths|fatalities|casualties|injuries)\b"
    r"|\bwithout\s+(?:causing\s+)?(?:any\s+)?casualties\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Fatalities:
    """A fatality count: ``value`` when every counted quantity states a number, else None with the range."""

    value: int | None
    low: int
    high: int | None
    quantities: tuple[Quantity, ...] = ()
    additional: bool = False  # "were also killed", "another soldier died": on top of deaths reported before

    @property
    def range(self) -> tuple[int, int | None] | None:
        return None if self.value is not None else (self.low, self.high)


def _sum(quantities: list[Quantity], additional: bool = False) -> Fatalities:
    """Sum of counts; a stated number counts as itself ("at least 12" is 12), a vague one by its range."""
    value = sum(q.value for q in quantities) if all(q.value is not None for q in quantities) else None
    low = sum(q.low if q.value is None else q.value for q in quantities)
    high = (
        None
        if any(q.high is None and q.value is None for q in quantities)
        else sum(q.high if q.value is None else q.value for q in quantities)
    )
    return Fatalities(value, low, high, tuple(quantities), additional)


def _one(t: Token) -> Quantity:
    """One person named by a determiner or pronoun ("the driver", "him"); built only for such tokens."""
    return Quantity(1, 1, 1, "exact", t.text, t.start, t.end, article=True)


class _Sentence:
    """Tokens of one sentence with the quantities indexed by their first and last token."""

    def __init__(self, text: str):
        self.text = text
        self.tokens: list[Token] = tokenize(text)
        self.lower = [t.lower for t in self.tokens]
        by_start = {t.start: i for i, t in enumerate(self.tokens)}
        by_end = {t.end: i for i, t in enumerate(self.tokens)}
        self.quantities: dict[int, tuple[Quantity, int]] = {}  # first token -> (quantity, token after it)
        for q in find_quantities(text, articles=True):
            if q.start in by_start and q.end in by_end:
                self.quantities[by_start[q.start]] = (q, by_end[q.end] + 1)
        # "the driver", "his brother": one person when the noun after the determiner is singular
        for i, w in enumerate(self.lower):
            if w in DETERMINERS and i not in self.quantities and i + 1 not in self.quantities:
                end = self.np_end(i + 1)
                if (
                    end > i + 1
                    and self._singular(i + 1, end)
                    and not (self.word(end - 1) == "of" and end in self.quantities)
                ):
                    self.quantities[i] = (_one(self.tokens[i]), i + 1)
            elif w in PRONOUNS_OF_ONE and i not in self.quantities:
                self.quantities[i] = (_one(self.tokens[i]), i + 1)

    def word(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""

    def _next(self, word: str, i: int, within: int) -> int | None:
        """Index of the first ``word`` in tokens[i:i + within], or None."""
        return next((k for k in range(i, min(i + within, len(self.lower))) if self.lower[k] == word), None)

    def np_end(self, i: int) -> int:
        """End of the noun phrase that starts at token i ("pro-government fighters", "members of the security
        forces", "civilians from Sino (Oshnavieh) town", "BH/IS fighters").
        """
        j, words = i, 0
        while j < len(self.tokens) and words < MAX_NP_TOKENS:
            w = self.lower[j]
            if w == "(":
                close = self._next(")", j + 1, 15)
                if close is None:
                    break
                j = close + 1
                continue
            if w == "/" and j > i:
                j += 1
                continue
            name = self.tokens[j].text.isupper() and len(w) > 1  # "IS fighters": a name, not the verb
            if (w in NP_BREAK and not name) or j in self.quantities or not w[0].isalpha():
                break
            j += 1
            words += 1
        return j

    def _singular(self, i: int, end: int) -> bool:
        """Is the head of the noun phrase tokens[i:end] (the word before any "of") singular?"""
        words = self.lower[i:end]
        head = words[: words.index("of")] if "of" in words else words
        if not head:
            return False
        w = head[-1]
        return w not in PLURAL_NOUNS and not (w.endswith("s") and not w.endswith(("ss", "us", "is")))

    def is_subset(self, q_start: int, after: int) -> bool:
        """ "including three children", "among them two officers", "five of them" """
        before = {self.word(q_start - 1), self.word(q_start - 2)}
        if before & SUBSET_BEFORE or "among" in {self.word(q_start - k) for k in (3, 4)}:
            return True
        return (
            self.word(q_start - 1) == ","
            and self.word(after) == "of"
            and self.word(after + 1) in ("them", "whom", "those")
        )

    def predicate(self, j: int) -> str | None:
        """What the words from token j say about the subject before them: "death", "other" or None.

        A parenthetical subset is skipped: "Two soldiers, including an officer, were killed".
        """
        if self.word(j) == "," and self.word(j + 1) in ("including", "among", "one", "most", "many", "all"):
            close = self._next(",", j + 1, 11)
            if close is not None:
                j = close + 1
        elif self.word(j) == "including":  # "2 militants including a commander were killed"
            j = self.np_end(j + 2 if j + 1 in self.quantities else j + 1)
        while self.word(j) in QUOTES:
            j += 1
        if self.word(j) == "to" and self.word(j + 1) == "death":  # "stabbed a journalist to death"
            return "death"
        aux = False
        k = j
        while self.word(k) in AUX_AND_ADVERBS:
            aux = aux or self.word(k) in AUXILIARIES
            k += 1
        w = self.word(k)
        nxt = self.word(k + 1)
        if nxt in ("and", "or", ",") and w in DEATH_PASSIVE and self.word(k + 2) in OTHER_CASUALTY:
            return "mixed"  # "were killed or injured": how many died is not said
        if nxt == "and" and w not in DEATH_PASSIVE and self.predicate_word(k + 2, aux) == "death":
            return "death"  # "was shot and killed", "was attacked and beaten to death"
        return self.predicate_word(k, aux)

    def predicate_word(self, k: int, aux: bool) -> str | None:
        """The predicate starting at token k (after any auxiliaries; ``aux`` says whether there were some)."""
        w = self.word(k)
        nxt = self.word(k + 1)
        if w == "fatally":
            return "death" if aux or not self._has_object(k + 2) else None
        if nxt == "to" and self.word(k + 2) == "death":
            return "death" if aux or not self._has_object(k + 3) else None
        if w == "shot" and nxt == "dead" or w == "gunned" and nxt == "down":
            return "death" if aux or not self._has_object(k + 2) else None
        if w in OTHER_CASUALTY:
            return "other"
        if w == "lost" and nxt in ("their", "his", "her") and self.word(k + 2) in ("lives", "life"):
            return "death"
        if w == "succumbed":
            return "death"
        if w in INTRANSITIVE:
            return "death"
        if w in DEATH_PASSIVE:
            return "death" if aux or not self._has_object(k + 1) else None
        return None

    def finite_clause(self, j: int) -> bool:
        """Do the words from token j start a finite predicate ("were reportedly killed", "died", "have lost
        their lives") rather than a small clause ("killed", "dead", "being killed", "to death")?
        """
        k = j
        while self.word(k) in AUX_AND_ADVERBS:
            if self.word(k) in FINITE_AUXILIARIES:
                return True
            k += 1
        return self.word(k) in FINITE_DEATH_VERBS

    def _has_object(self, k: int) -> bool:
        """After "killed" with no auxiliary: does an object follow (active verb) or not (reduced passive)?"""
        if k in self.quantities:  # "killed at least nine": the count is the object
            return True
        w = self.word(k)
        return not (w == "" or w in AFTER_REDUCED_PASSIVE or not w[0].isalnum())

    def kill_verb_before(self, i: int) -> bool:
        """Is the quantity at token i the object of a killing verb or a death noun ("killing", "shot dead",
        "the bodies of", "claimed the lives of")?
        """
        w1, w2, w3 = self.word(i - 1), self.word(i - 2), self.word(i - 3)
        if w1 in ACTIVE_KILL or (w2, w1) in {("shot", "dead"), ("gunned", "down")} or w2 == "fatally":
            return True
        if w1 == "of" and w2 in ("bodies", "body", "corpses", "lives"):
            return True
        return (w3, w2, w1) == ("the", "lives", "of")

    def toll_before(self, i: int) -> bool:
        """ "the death toll rose to 14", "bringing the toll to 14", "a death toll of 14" """
        for k in range(i - 1, max(i - 9, -1), -1):
            w = self.lower[k]
            if w == "toll":
                return self.word(k - 1) != "casualty"
            if not w[0].isalnum() or w in ("wounded", "injured"):
                return False
        return False


def _skip_separators(s: _Sentence, k: int) -> int:
    while True:
        if s.word(k) in SEPARATORS:
            k += 1
        elif (s.word(k), s.word(k + 1), s.word(k + 2)) == ("as", "well", "as"):
            k += 3
        else:
            return k


def _coordinated(s: _Sentence, i: int) -> tuple[list[Quantity], list[int], int]:
    """The counts coordinated with the one at token i ("19 soldiers and 22 jihadists", "three soldiers, two
    police officers and a civilian"): their quantities, first tokens, and the token after the last noun
    phrase.
    """
    q, after = s.quantities[i]
    members, firsts, end = [q], [i], s.np_end(after)
    while True:
        k = _skip_separators(s, end)
        if k == end or k not in s.quantities:
            return members, firsts, end
        q2, after2 = s.quantities[k]
        nxt_end = s.np_end(after2)
        if s.is_subset(k, after2) or s.predicate(nxt_end) == "other":
            return members, firsts, end
        if q2.article and s.word(k - 1) != "and":
            return members, firsts, end  # "killing a man, the director of ...": apposition, not a 2nd victim
        members.append(q2)
        firsts.append(k)
        end = nxt_end


def mentions_death(text: str) -> bool:
    """Does the sentence hold a word that every death rule needs (a killing verb, a death noun, "toll",
    "fatally", "gunned down", "lost their lives", "succumbed")? Without one it reports no deaths, only maybe
    "no casualties"; checking this first spares most sentences the full reading.
    """
    return _DEATH_CUE.search(text.lower()) is not None


# Every ZERO phrase holds "no" or "without": ASCII text without either skips the search (most sentences).
_QUICK_ZERO = QuickPattern(ZERO, ("no", "without"))


def _says_zero(text: str) -> bool:
    """ "no one was killed", "no casualties" (ZERO)."""
    return _QUICK_ZERO.found(text, lower_ascii(text))


def sentence_fatalities(text: str) -> Fatalities | None:
    """The deaths one sentence reports (summed over its coordinated counts), or None when it reports none."""
    if not mentions_death(text):
        return Fatalities(0, 0, 0) if _says_zero(text) else None
    s = _Sentence(text)
    counted: list[Quantity] = []
    tolls: list[Quantity] = []
    used: set[int] = set()
    unread: dict[int, list[Quantity]] = {}  # groups with no predicate, by the token their noun phrase ends at
    for i in sorted(s.quantities):
        if i in used:
            continue
        q, after = s.quantities[i]
        if s.word(i - 1) == "no" or (s.word(i - 1) == "of" and s.word(i - 2) in PARENTS):
            continue  # "no one was killed"; "a father of four was killed" is one death
        if not q.article and s.toll_before(i):
            tolls.append(q)
            used.add(i)
            continue
        members, firsts, end = _coordinated(s, i)
        used.update(firsts)
        if s.is_subset(i, after):  # a breakdown: "including 4 rebels, 4 soldiers and 2 civilians"
            continue
        if any(w in ANIMALS for w in s.lower[after:end]):
            continue
        predicate = s.predicate(end)
        if s.kill_verb_before(i):  # object of "killing": counted unless it has a predicate ("3 injured")
            if predicate not in ("other", "mixed"):
                counted.extend(members)
            continue
        if q.article and q.text.lower() in PRONOUNS_OF_ONE:
            continue
        if s.word(i - 1) in OBJECT_AFTER and s.finite_clause(end):
            # an object ("raided the market and two rebels were killed") is not the subject of the clause
            # after it: the counts coordinated with it are read on their own. After a preposition that ends
            # a count's noun phrase, that count is the subject ("a man in the village died", "36 soldiers
            # from the X operations room were killed").
            used.difference_update(firsts[1:])
            subject = unread.get(i) or unread.get(i - 1)
            if subject and len(members) == 1 and s.word(i - 1) in PREPOSITIONS and predicate == "death":
                counted.extend(subject)
            continue
        if (
            predicate is None
            and s.word(end) in ("and", "or")
            and s.word(end + 1) not in ("were", "was")
            and end + 1 not in s.quantities
        ):
            # a conjunct with no count shares the predicate: "11 soldiers and militiamen were killed"
            predicate = s.predicate(s.np_end(end + 1))
        determiner = q.article and q.text.lower() in DETERMINERS
        if predicate == "mixed":  # "7 militants were killed and wounded": between none and all of them died
            counted.extend(
                Quantity(None, 0, m.value if m.value is not None else m.high, "vague", m.text, m.start, m.end)
                for m in members
            )
        elif predicate == "death" or (s.word(after) in DEATH_NOUNS and not determiner):  # not "her body"
            counted.extend(members)
        elif predicate is None:
            unread[end] = members
    if not counted and not tolls:
        return Fatalities(0, 0, 0) if _says_zero(text) else None
    additional = bool(ADDITIONAL.search(text)) or any(
        q.article and q.text.lower() == "another" for q in counted
    )
    summed = _sum(counted, additional) if counted else None
    if not tolls:
        return summed
    toll = _sum([max(tolls, key=lambda q: q.value if q.value is not None else q.low)])
    if summed is None:
        return toll
    return toll if (toll.value or toll.low) >= (summed.value or summed.low) else summed


def incident_fatalities(per_sentence: Iterable[Fatalities | None]) -> Fatalities | None:
    """The incident's count: the largest sentence count (repeated reports of the same deaths are not added),
    plus the counts of sentences that report further deaths ("four militants were also killed", "another
    soldier died").

    Sentences with a stated number win over vague ones ("dozens" then "the toll rose to 41" gives 41); with
    only vague counts the highest-floored range is kept.
    """
    found = [f for f in per_sentence if f is not None]
    if not found:
        return None
    plain = [f for f in found if not f.additional]
    extra = [f for f in found if f.additional]
    if not plain:
        plain, extra = extra[:1], extra[1:]
    exact = [f for f in plain if f.value is not None]
    if exact:
        base = max(exact, key=lambda f: f.value)
    else:
        base = max(plain, key=lambda f: (f.low, f.high if f.high is not None else float("inf")))
    if not extra:
        return base
    parts = [base, *extra]
    return Fatalities(
        value=sum(f.value for f in parts) if all(f.value is not None for f in parts) else None,
        low=sum(f.low for f in parts),
        high=None if any(f.high is None for f in parts) else sum(f.high for f in parts),
        quantities=tuple(q for f in parts for q in f.quantities),
    )
