"""Place names as the index keys them, and a mention's name cut free of the words around it.

``name_key`` folds the spellings one place goes by in news and in GeoNames to one key: accents dropped, case
folded, apostrophes and backticks removed ("Ma`arrat" = "Maarrat"), hyphens and other punctuation as spaces, the
Arabic article "al"/"el" dropped as a word ("Sahl al-Ghab" = "Sahl Ghab"), then spaces removed ("Beled Weyne" =
"Beledweyne"). ``split_place`` strips "the", compass words and type words ("the central province of Hama" ->
"Hama", a region) so that the bare name can be looked up. ``place_parts`` cuts a mention a tagger ran together
("Babruysk of the Mogilev region", "Fransabank building in Beirut", "Burco hospital") into the names in it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_NAME_CHARS = 200  # longer "names" are sentences a tagger ran together: never a place
_APOSTROPHES = str.maketrans("", "", "'`\u2018\u2019\u02bb\u02bc\u02be\u02bf\u00b4")
_NON_WORD = re.compile(r"[\W_]+")
_ARTICLES = frozenset({"al", "el"})
# the article before a "sun letter" ("ad-Durayhimi", "ash-Shihr", "at-Tuhayta"), dropped by loose_key only: as a
# word of its own "as", "an", "at" are English
_SUN_ARTICLES = frozenset("ad adh an ar as ash at ath az ed en er es esh et ez".split())

# Type words: a region ("Borno State", "the province of Hama") or a site ("the town of Konduga").
REGION_WORDS = (
    "province|provinces|governorate|governorates|state|region|district|county|department|prefecture|"
    "oblast|territory|municipality|division|countryside|area|zone|muhafazat"
)
SITE_WORDS = "city|town|village|villages|neighbourhood|neighborhood|suburb|camp|market|port city|port"
COMPASS = (
    r"north|south|east|west|central|northern|southern|eastern|western|north-?west|north-?east|"
    r"south-?west|south-?east|northwestern|northeastern|southwestern|southeastern|upper|lower"
)
_LEAD = re.compile(
    rf"^(?:the\s+)?(?:(?:{COMPASS})\s+)?(?:(?:{REGION_WORDS}|{SITE_WORDS})\s+of\s+(?:the\s+)?)?", re.I
)
_TRAIL = re.compile(rf"\s+(?:{REGION_WORDS}|{SITE_WORDS})$", re.I)
_REGION_TAIL = re.compile(rf"\s(?:{REGION_WORDS})$", re.I)
_REGION_HEAD = re.compile(rf"^(?:the\s+)?(?:(?:{COMPASS})\s+)?(?:{REGION_WORDS})\s+of\b", re.I)
_SITE_HINT = re.compile(rf"(?:^(?:the\s+)?(?:{SITE_WORDS})\s+of\b)|(?:\s(?:{SITE_WORDS})$)", re.I)

REGION, SITE = "region", "site"

# A mention that joins places or a site and its place: "X in Y", "X of the Y region", "8 km west of X", "X's Y".
_JOINERS = re.compile(r"\s*(?:,|;|\(|\)|['\u2019]s\b|\b(?:in|of|near|outside|at|and|between)\b)\s*", re.I)
# Sites named after their place: "Burco hospital", "Diyarbakir city center", "Rafi LGA", "Khutsong Extension 3".
_FACILITY_TAIL = re.compile(
    r"(?:\s+(?:hospital|building|buildings|headquarters|office|offices|school|university|mosque|church|prison|"
    r"checkpoint|base|airport|airbase|farm|settlement|compound|station|bridge|road|highway|junction|stadium|"
    r"square|center|centre|hotel|city|town|village|outskirts|countryside|area|lga|boma|payam|ward|sub-?county|commune|"
    r"locality|extension|\d+))+$",
    re.I,
)


def fold(text: str) -> str:
    """Accents dropped, case folded, apostrophes removed, other punctuation as single spaces."""
    text = unicodedata.normalize("NFKD", text[:MAX_NAME_CHARS])
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_APOSTROPHES)
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


@functools.lru_cache(maxsize=8192)
def name_key(text: str) -> str:
    """The index key of a place name ("" when nothing of it is left)."""
    words = fold(text).split()
    kept = [w for w in words if w not in _ARTICLES] or words
    return "".join(kept)


_REPEATS = re.compile(r"(..?)\1+")


def loose_key(name: str) -> str:
    """A coarser ``name_key`` that one place's transliterations share ("Ein Isa" = "Ein Issa", "As Shihr" =
    "Ash Shihr", "Niafounke" = "Niafunke", "Durayhimi" = "Ad Durayhimi"): the Arabic article in any of its forms
    dropped as a word, "ou" as "u", a doubled letter or letter pair as one."""
    words = fold(name).split()
    key = "".join([w for w in words if w not in _ARTICLES and w not in _SUN_ARTICLES] or words)
    return _REPEATS.sub(r"\1", key.replace("ou", "u"))


def is_latin(text: str) -> bool:
    """Is the folded name written in ASCII letters (the names English news uses)?"""
    return text.isascii()


def split_place(text: str) -> tuple[str, str | None]:
    """``(bare name, hint)``: the name without "the", compass and type words; hint ``"region"`` when a region word
    was around it ("Borno State", "province of Hama"), ``"site"`` for a town word, else None."""
    name = " ".join(text[:MAX_NAME_CHARS].split()).strip(" ,.;:\"'")
    hint = None
    if _REGION_HEAD.match(name) or _REGION_TAIL.search(name):
        hint = REGION
    elif _SITE_HINT.search(name):
        hint = SITE
    bare = _TRAIL.sub("", _LEAD.sub("", name)).strip(" ,.;:\"'")
    return (bare or name), hint


def name_runs(text: str, max_words: int = 6) -> list[str]:
    """Runs of capitalised words inside a mention of 2 to ``max_words`` words, longest first, then left first: the
    names a tagger ran together without a joining word ("Durayhimi Hodeidah", "Bakirkoy town Istanbul").
    Runs of fewer than 4 letters are left out."""
    words = text[:MAX_NAME_CHARS].split()
    if not 2 <= len(words) <= max_words:
        return []
    out: list[str] = []
    for size in range(len(words) - 1, 0, -1):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            if all(w[:1].isupper() for w in run) and sum(ch.isalpha() for w in run for ch in w) >= 4:
                out.append(" ".join(w.strip(" ,.;:\"'") for w in run))
    return out


def place_parts(text: str) -> list[str]:
    """The names inside a mention that is more than one name, most specific first: its pieces between joining
    words ("in", "of", "near", commas), each also without a trailing site word ("Burco hospital" -> "Burco").
    Empty for a mention that is one piece and no site word."""
    pieces = [p.strip(" ,.;:\"'") for p in _JOINERS.split(text[:MAX_NAME_CHARS])]
    out: list[str] = []
    for piece in pieces:
        for cand in (piece, _FACILITY_TAIL.sub("", piece).strip()):
            if cand and cand not in out and cand != text.strip() and any(ch.isalpha() for ch in cand):
                out.append(cand)
    return out


# A capitalised word: "Qa'lah", "Nawa-e", "al-Ghab" (a lowercase article joined by a hyphen), "Bin".
_CAPITALISED = re.compile(r"(?:(?:al|el)-)?[A-Z][\w'\u2019-]*")


def capitalised_runs(text: str, max_words: int = 4) -> list[str]:
    """Every run of 1 to ``max_words`` capitalised words joined by single spaces, longest
    first, then left first: the names a sentence may hold where the tagger marked none."""
    words = [m for m in _CAPITALISED.finditer(text[: 20 * MAX_NAME_CHARS]) if m.group().strip("-'")]
    chains: list[list[re.Match]] = []
    for m in words:
        if chains and text[chains[-1][-1].end() : m.start()] == " ":
            chains[-1].append(m)
        else:
            chains.append([m])
    out = []
    for size in range(max_words, 0, -1):
        for chain in chains:
            for i in range(len(chain) - size + 1):
                start, end = chain[i].start(), chain[i + size - 1].end()
                out.append(text[start:end].rstrip("-'\u2019"))
    return out
