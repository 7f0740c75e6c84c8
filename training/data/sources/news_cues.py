"""Cue families for mapping news snippets onto ACLED sub-event types (used by ``news_dev``).

Each family is a regular expression for one kind of evidence (a weapon, a protest, a police intervention, a
report that is about a trial rather than an incident...). :func:`classify_news` turns the families found in a
snippet into at most one ACLED sub-type, and refuses (None) whenever the evidence points two ways.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_I = re.IGNORECASE
# Armed state forces (and their posts/vehicles) named as the target of an attack -> ACLED Battles.
_SF_WORDS = (
    r"(police ?m[ae]n|police (personnel|officials?|officers?|constables?|mobile|van|vehicle|party"
    r"|patrol|post"
    r"|picket|camp)|soldiers?|troops|troopers?|jawans?|army (personnel|men|vehicle|camp|convoy"
    r"|patrol)"
    r"|security forces|SFs?|security personnel|paramilitar\w+|commandos?|constables?|CRPF|BSF|SSB"
    r"|ITBP"
    r"|Frontier Corps|FC (personnel|officials?|vehicle|camp|convoy|check ?post)|Rangers"
    r"|Levies (personnel"
    r"|officials?|force|check ?post)|Khassadar\w*|check ?posts?|checkpoints?|convoy"
    r"|patrol(ling)? party)\b"
)
CUES: dict[str, re.Pattern[str]] = {
    "chemical": re.compile(r"chemical (weapon|attack)s?|chlorine gas|\bsarin\b|nerve agent|mustard gas", _I),
    "suicide": re.compile(
        r"suicide[- ](bomb\w*|attack\w*|blast|car bomb|vest)|blew (himself|herself"
        r"|themselves) up",
        _I,
    ),
    "grenade": re.compile(r"(?<!stun )(?<!stun-)\bgrenades?\b", _I),
    "explosive": re.compile(
        r"\bIEDs?\b|improvised explosive|land ?mines?|roadside bomb|bomb (blast|explosion)|car bomb"
        r"|booby.trap\w*"
        r"|(bomb|explosive|IED|device)s? (had )?(exploded|went off|was planted|were planted|detonated)"
        r"|planted (a |an )?(bomb|explosive|IED)|explosive device|blew up|blown up|tiffin bomb|pressure bomb",
        _I,
    ),
    "shelling": re.compile(
        r"\bshell(s|ing|ed)\b|\bmortars?\b|artillery|\brockets?\b|\bmissiles?\b|\bRPGs?\b", _I
    ),
    "air": re.compile(
        r"air ?strikes?|air.raids?|drone (strike|attack)s?|aerial (bombardment|attack|strike)s?"
        r"|warplanes?|fighter jets?|helicopter gunships?",
        _I,
    ),
    "clash": re.compile(
        r"\bclash(es|ed)?\b|exchange of fire|exchanged fire|gun ?fights?|gun ?battles?"
        r"|fire ?fights?"
        r"|shoot-?outs?|(?<!fake )\bencounter\b|fighting between"
        r"|heavy fighting|fierce fighting",
        _I,
    ),
    "sexual": re.compile(
        r"\brap(e|ed|es|ing|ist|ists)\b|gang.?rap\w*|sexual(ly)? (violence|assault\w*"
        r"|abuse\w*"
        r"|abused|assaulted|exploitation)",
        _I,
    ),
    "abduct": re.compile(
        r"abduct\w*|kidnap\w*|\bhostages?\b|taken captive|held captive"
        r"|enforced disappearance"
        r"|forcibly disappeared",
        _I,
    ),
    "ns_overtake": re.compile(
        r"(militants|rebels|insurgents|Taliban|fighters|jihadists"
        r"|al.Shabaa?b)\s+(\w+\s+){0,2}"
        r"(took|seized|captured"
        r"|overran)\s+(full\s+)?(control\s+of\s+)?(the\s+)?(\w+\s+){0,3}"
        r"(villages?|towns?|district|city|territory|province)",
        _I,
    ),
    "gov_regain": re.compile(
        r"(troops|army|soldiers|forces)\s+(\w+\s+){0,2}(retook|recaptured|regained"
        r"|took back"
        r"|have retaken"
        r"|wrested back)\s+(control\s+of\s+)?(the\s+)?(\w+\s+){0,3}(villages?|towns?"
        r"|district|city|territory|province|region|areas?)\b",
        _I,
    ),
    "protest": re.compile(
        r"\bprotest(s|ed|ers?|ing)?\b|demonstrat(ion|ions|ors?|ed|ing)\b"
        r"|\bpicket\w*|\bsit-?ins?\b|went on strike|\bon strike\b|general strike"
        r"|\bstrikers\b|strike action|(workers'?|labou?r|wage|nationwide|national"
        r"|teachers'?|bus"
        r"|taxi) strike|\bstay-?away\b",
        _I,
    ),
    # A rally is a protest only when it is against or for a demand (not a campaign or support rally).
    "rally": re.compile(
        r"\brall(y|ies|ied)\b( \S+){0,6} (against|demand\w*|grievances?|anti-\w+)\b"
        r"|\b(against|demand\w*|grievances?|anti-\w+)( \S+){0,6} rall(y|ies|ied)\b",
        _I,
    ),
    # Case-sensitive, so "March 4" (the month) is not a march.
    "march": re.compile(r"\b(march|marched|marches|marching|Marchers|Marched)\b"),
    "intervention": re.compile(
        r"tear.?gas|rubber bullets?|water cannons?|stun grenades?|\bdispers(e|ed"
        r"|ing)\b"
        r"|baton.?charg\w*|lathi.?charg\w*|(police|security forces"
        r"|officers) (\w+ ){0,3}(arrested|detained)"
        r"|(police|security forces|officers) (fired|charged"
        r"|beat|intervened|broke up)|(protesters|demonstrators|marchers"
        r"|strikers) (were|had "
        r"been|was) (arrested|detained|dispersed)|arrested (\w+ ){0,3}(protesters"
        r"|demonstrators|marchers|strikers)",
        _I,
    ),
    "excessive": re.compile(
        r"(protesters?|demonstrators?|marchers?) (were |was )?(shot|killed|shot dead)"
        r"|(police|security forces|troops|soldiers) (\w+ ){0,3}(shot|killed"
        r"|opened fire on)"
        r" (\w+ ){0,3}(protesters|demonstrators|marchers|students|crowd)"
        r"|(shot|killed) by (the )?(police|security forces|soldiers|troops)"
        r"|live (ammunition|rounds)",
        _I,
    ),
    "riot": re.compile(
        r"\briot(s|ed|ing|ers)?\b|(threw|throw|throws|throwing) (\w+ )?(stones|rocks"
        r"|petrol bombs"
        r"|bricks|paint)|stone.?(pelting|throwing)|\bpelted\b|burn(ed|t|ing) (\w+ ){0,3}tyres"
        r"|barricad\w+"
        r"|petrol bombs?|violent (\w+ )?(protest|demonstration)s?|ransacked|smashed"
        r"|violence erupted"
        r"|(became|turned) violent",
        _I,
    ),
    # Not a demonstration: diplomatic protests, campaign rallies, history.
    "not_protest": re.compile(
        r"(official|formal|diplomatic|strong) protest|lodged a protest|protested (his"
        r"|her|their)"
        r" innocence|campaign|election|\bvote\b|candidate|\bsidebar\b",
        _I,
    ),
    "historical": re.compile(
        r"\b(in|of|since|during) (19|20)\d\d\b|\bon this day\b|\bin history\b"
        r"|anniversary"
        r"|\blast year\b|years? ago|during the war",
        _I,
    ),
    "accident": re.compile(r"accident\w*|\bcrash\w*|drown\w*|\bdisease\b|\boutbreak\b|\bflood\w*", _I),
    "communal": re.compile(
        r"\b(ethnic|communal|inter-communal|tribal|tribes|clans?|communities|community"
        r"|militias?"
        r"|armed|gunfire|guns?)\b",
        _I,
    ),
    "crime_context": re.compile(r"murder|robbery|theft|fraud|\bcharged\b|\bbail\b|\bsuspects?\b", _I),
    "crowd": re.compile(
        r"\b(residents|crowds?|youths?|angry|irate|community members|protesters|rioters)\b", _I
    ),
    "mob": re.compile(r"\bmobs?\b|lynch\w*|mob justice|vigilantes?|instant justice|necklac\w+", _I),
    "property": re.compile(
        r"torched|set (alight|ablaze|on fire)|burn(ed|t) down|\barson\b|\bloot(ed|ing)\b"
        r"|vandali[sz]\w+|destroyed (\w+ ){0,2}(houses|homes|vehicles|property|shops"
        r"|buildings|offices|equipment"
        r"|cars|trucks|buses)",
        _I,
    ),
    "kill": re.compile(
        r"\bkilled\b|\bkill(s|ing)? (\w+ ){0,3}(people|civilians|persons|one|two|three|four"
        r"|five"
        r"|six|seven|eight|nine|ten|\d+|a|an|his|her)\b|shot dead|gunned down|shot (to death"
        r"|and (injured"
        r"|wounded))|firing incident|bullet (injuries|wounds)"
        r"|\bmurdered\b|\bslain\b|hacked to death"
        r"|beheaded|massacre\w*|burn(ed|t) alive|stabbed|beaten to death|\bshot (and|at|him"
        r"|her)\b"
        r"|opened fire|\bfired (at|upon|on)\b|\bexecuted\b",
        _I,
    ),
    "torture": re.compile(
        r"tortur\w+|\bbeaten\b|\bbeat (him|her|them|up)\b|assaulted|whipped|flogged"
        r"|\bcaned\b",
        _I,
    ),
    "arrest": re.compile(
        r"\barrest(ed|s|ing)?\b|\bdetain(ed|s|ing)?\b|\bdetention\b|rounded up"
        r"|taken into custody"
        r"|apprehended|\bin custody\b",
        _I,
    ),
    "security_forces": re.compile(
        r"\bpolice ?m[ae]n\b|police (personnel|officers?|constables?|party|team|patrol|raid)|\bsoldiers?\b"
        r"|\btroops\b"
        r"|\btroopers\b|\bjawans?\b|\barmy\b|security forces|\bSFs?\b|security personnel|paramilitar\w+"
        r"|\bcommandos?\b"
        r"|\bconstables?\b|\bCRPF\b|\bBSF\b|Frontier Corps|\bFC\b|\bRangers\b|\bLevies\b|check ?posts?"
        r"|\bcheckpoints?\b"
        r"|\bconvoy\b|\bpatrol\b|\bcamp of (the )?(army|SFs?|police)"
    ),
    "civilian": re.compile(
        r"\b(civilians?|villagers?|shopkeepers?|traders?|teachers?|students?|labou?rers?|workers?|farmers?"
        r"|businessm[ae]n|residents?|passengers?|wom[ae]n|girls?|boys?|child(ren)?|persons?|people|leaders?"
        r"|activists?|journalists?|drivers?|family|relatives|worshippers|pilgrims|tribesm[ae]n|contractors?"
        r"|s[io]n|brother|wife|husband|(a|an|one|two|three|four|five|six) (\w+ )?m[ae]n)\b",
        _I,
    ),
    "bomb_generic": re.compile(
        r"\bblasts?\b|explosions?|\bexploded\b|went off|detonat\w+|bomb (attack"
        r"|ripped)"
        r"|bombs? (hit|ripped|struck)",
        _I,
    ),
    "defused": re.compile(r"\b(recovered|defused|diffused|defuse|retrieved|seized|found|unearthed)\b", _I),
    "casualty": re.compile(r"\b(killed|injured|wounded|died|dead|injuries)\b", _I),
    "petrol_bomb": re.compile(r"petrol bombs?|molotov|crude bombs?", _I),
    "not_an_event": re.compile(r"\bconfess\w*|\bcharge ?sheet\w*|\bconvicted\b|\bsentenced\b", _I),
    # Reports about proceedings or commentary rather than an incident.
    "proceedings": re.compile(
        r"fact.finding|\bcommittee\b|\bprobe\b|scandal|\btrial\b|\bcourt\b|convicted"
        r"|sentenced|\binquiry\b|\bhearing\b|call(s|ed)? (on|for)|\burge[sd]?\b"
        r"|in an interview|investigat\w+|charged (with|in|over)",
        _I,
    ),
    "armed_group": re.compile(
        r"\b(fighters|militants?|rebels?|insurgents?|terrorists?|jihadists?|militia\w*"
        r"|guerrill\w+)\b",
        _I,
    ),
    "sf_target": re.compile(
        r"(attack\w*|ambush\w*|fired (at|on|upon)|opened (indiscriminate )?fir(e|ing) (at|on)|targeted"
        r"|hurled \w+ (at|on)"
        r"|shot (at|dead)|killed|injured|wounded) (\w+ ){0,5}"
        + _SF_WORDS
        + r"|"
        + _SF_WORDS
        + r",? (\w+,? ){0,6}(were|was|have been|had been) (killed|injured|wounded|shot"
        r"|gunned down"
        r"|martyred)",
        _I,
    ),
}

# A time or a count that anchors a sentence to one incident (GLOCON sentences are often background).
EVENT_ANCHOR = re.compile(
    r"\b(on|last|this|early|late|since|until|by) (mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\b(mon|tues|wednes|thurs|fri|satur|sun)day\b|\byesterday\b|\btoday\b|\blast (week|night|month)\b"
    r"|\bthis (week|morning)\b|\bearlier\b|\b\d[\d,.]*\b"
    r"|\b(two|three|four|five|six|seven|eight|nine|ten|dozens|hundreds|thousands|several)\b",
    _I,
)

# A snippet matching any of these is not a safe negative.
NEGATIVE_BLOCKERS = tuple(n for n in CUES if n not in ("civilian", "security_forces"))
EXTRA_NEGATIVE_BLOCKERS = re.compile(
    r"\b(attack\w*|bomb\w*|war|wars|militar\w+|militant\w*|rebels?|insurgen\w+|terror\w*|police|violen\w+"
    r"|dead"
    r"|died|deaths?|injur\w+|wounded|gun\w*|shoot\w*|weapons?|army|troops|fighting|unrest|conflict|crisis"
    r"|strike"
    r"|strikes|march|protest\w*|security forces|guerrill\w+|coup|hijack\w*)\b",
    _I,
)

# Specific violent families -> the sub-type they signal on their own.
SPECIFIC: dict[str, str] = {
    "chemical": "Chemical weapon",
    "suicide": "Suicide bomb",
    "grenade": "Grenade",
    "explosive": "Remote explosive/landmine/IED",
    "shelling": "Shelling/artillery/missile attack",
    "air": "Air/drone strike",
    "sexual": "Sexual violence",
    "abduct": "Abduction/forced disappearance",
    "ns_overtake": "Non-state actor overtakes territory",
    "gov_regain": "Government regains territory",
    "clash": "Armed clash",
}


def cues(text: str) -> set[str]:
    """Names of the cue families that match ``text``."""
    return {name for name, rx in CUES.items() if rx.search(text)}


@dataclass(frozen=True)
class Mapping:
    sub_event_type: str | None  # None: a negative (no ACLED event)
    rule: str


def _protest_type(found: set[str]) -> Mapping | None:
    if found & {"suicide", "explosive", "air", "shelling", "chemical", "abduct", "sexual", "ns_overtake"}:
        return None
    if found & {"riot", "property"}:
        return Mapping("Violent demonstration", "protest+riot_or_damage_cue")
    if "excessive" in found:
        return Mapping("Excessive force against protesters", "protest+protesters_shot_or_killed")
    if "intervention" in found:
        return Mapping("Protest with intervention", "protest+police_intervention_cue")
    if found & {"kill", "clash", "mob"}:
        return None
    return Mapping("Peaceful protest", "protest_cue_only")


def classify_news(text: str) -> Mapping | None:
    """General cue resolution for a news snippet; None when the cues do not settle one sub-type."""
    found = cues(text)
    if "proceedings" in found:
        return None
    if found & {"historical", "not_protest"}:
        return None
    if found & {"protest", "march", "rally"}:
        return _protest_type(found)
    specific = {name for name in SPECIFIC if name in found}
    if "suicide" in specific:
        specific.discard("explosive")
    if "mob" in found:
        return Mapping("Mob violence", "mob_cue") if not specific else None
    if "riot" in found and re.search(r"\briot", text, _I):
        return None  # a riot without protest cues: Violent demonstration or Mob violence, cannot tell
    if "clash" in specific and not found & {"armed_group", "security_forces", "communal"}:
        return None  # unarmed groups clashing (supporters, students): a riot, not ACLED's Armed clash
    if len(specific) == 1:
        name = specific.pop()
        if name == "abduct" and "kill" in found:
            return None  # kidnapped and killed: Abduction or Attack
        return Mapping(SPECIFIC[name], f"{name}_cue")
    if specific:
        return None
    if "kill" in found or "torture" in found:
        if "accident" in found:
            return None
        if "security_forces" in found and ("civilian" not in found or "armed_group" in found):
            return None  # victims may be armed forces, or a battle (ACLED: Armed clash)
        return Mapping("Attack", "killing_or_assault_cue")
    if "property" in found:
        if found & {"casualty", "crowd", "arrest"}:
            return None  # with casualties or by a crowd: riot, mob or attack; or an arrest story
        return Mapping("Looting/property destruction", "property_destruction_cue")
    if "arrest" in found and "crime_context" not in found:
        return Mapping("Arrests", "arrest_cue")
    return None


def is_safe_negative(text: str) -> bool:
    """No cue of any event family and none of the broader conflict words."""
    found = cues(text)
    return not any(n in found for n in NEGATIVE_BLOCKERS) and not EXTRA_NEGATIVE_BLOCKERS.search(text)


_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "sgt",
    "st",
    "no",
    "vs",
    "rev",
    "gov",
    "sen",
    "rep",
    "prof",
    "jr",
    "sr",
    "inc",
    "co",
    "corp",
    "ltd",
    "u.s",
    "u.n",
    "u.k",
    "e.g",
    "i.e",
    "jan",
    "feb",
    "aug",
    "sept",
    "oct",
    "nov",
    "dec",
    "brig",
    "cpl",
    "pte",
    "hon",
    "adv",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """A small rule-based splitter: ends at . ! ? before a capital, not after abbreviations or initials."""
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        before = text[start : m.start()].rstrip(".!?\"”’')]")
        last = before.rsplit(" ", 1)[-1].lower()
        if last in _ABBREV or (len(last) == 1 and last.isalpha()):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    if start < len(text):
        out.append(text[start:].strip())
    return [s for s in out if s]


def lead(text: str, n: int = 3) -> str:
    """The first ``n`` sentences of ``text``, whitespace-normalised."""
    return " ".join(split_sentences(text)[:n])
