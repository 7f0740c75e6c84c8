"""The record's place on the map: its place names resolved to one GeoNames place, read in the article's context.

``geocode_places(places, context, gazetteer)`` takes the record's place names (most specific first, as
``locations.rank_places`` orders them, with their level there) and every place name of the article, and returns
the geo fields of the record (``geo_fields.GEO_FIELDS``):

- A name that names a country is that country, never a town or building of that name ("Syria", "Niger"), unless
  a region word says otherwise ("Niger State").
- A name of generic nouns only ("the capital", "countryside") is never looked up, nor, in an article that
  capitalises its names, one in lower case ("gas station", "mine"); a short name in capitals ("MOC", "CDP") is a
  country's acronym or a town's own name, never a town's alternate name. A name not found that the
  tagger ran together ("Babruysk of the Mogilev region", "Fransabank building in Beirut", "Burco hospital") is
  looked up by the names in it (``names.place_parts``, generic ones skipped), first found wins; then one that joins
  parts with a hyphen ("Beirut-Ras Beirut") by its parts of 4 or more letters, first found wins; then one of the
  record's names by its runs of capitalised words (``names.name_runs``, "Gaziemir Izmir"), taking only a listed
  place or a province / district: a town named like one word of a one-name place ("Issa" of "Ein Issa") is far
  more often wrong than right (ACLED dev notes).
- Candidates are scored by population, by how much of the article points to their country (countries it names,
  the countries of its other places that lie in one country only), by the article naming their province, by lying within 75 km of another
  named place's candidate, and by the region/site words around the name ("province of Hama" -> the province).
  Where the article names countries, a small place outside them is not taken (a place of the place list is:
  border areas). A place of the user's place list
  (``inference.geo.place_table``: their ACLED exports' locations) outranks a GeoNames place of the same name in
  the same country, and is the only candidate for the villages GeoNames' extracts lack. The list's provinces and
  districts are candidates without that bonus, and never vote for the article's country: their names recur
  abroad.
- The record's place is the most specific resolved name (town < district < province), a place-list place before
  a GeoNames one of the same level, a town in a province the record names before that province's namesake
  city ("Hays, Al Hudaydah"), then earlier names first, among the names in the country most of the
  record's names lie in ("Guama neighborhood, Belem, Para": Belem, Brazil, not Guama, Venezuela); a name that
  resolves to nothing is skipped and never costs the others. A town named like the district or province another
  of the record's places lies in ranks as that area ("Sorori, Ansongo": Sorori). A neighbourhood more than
  QUARTER_KM from every town the record names is a namesake elsewhere and is dropped ("Berdaale neighborhood of
  Baidoa town": Baidoa). A road named after towns ranks after the record's towns and districts and before its
  provinces ("Dhaka - Barisal highway, Barisal": Barisal).
- The model's country (a ``country`` head, learnt from ACLED notes, which rarely name their country but whose
  actors and places point to one) counts only where the article names no country: a vote like a named country's
  (from score 0.5), the one country a small place must lie in (from 0.95), and the record's country when
  nothing else gives one (from 0.5; ``geo_status`` says so).
- ``geo_status``: ``found`` (coordinates of a town, district or province), ``country_only`` (only a country is
  known: country fields, no coordinates; never a country's centroid), ``inferred_country`` (no place or country
  in the text: the model's country, no coordinates, no ``geo_mention``), ``not_found``, or ``unavailable`` (no
  index). The country of an unresolved place is the one the record's place names, else the one the article names
  most, else the one the article's other places all lie in (``_home_country``: a village near Mogadishu and
  Kismayo), else the model's.
- Where no name gives a point but the record's country is known, in this order: a name no place has but one
  place of the user's list in that country has one letter away ("Deguimbere": Deguembere; ``_near_spelling``), a
  listed place of that country in the record's sentences that the tagger missed (``_scan``), and the country's
  capital where the sentences say "in the capital" (``_capital``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from inference.events.geo_fields import GEO_UNAVAILABLE, empty_geo
from inference.events.month_names import MONTH_NAMES
from inference.events.place_spans import is_generic_place
from inference.geo.distance import EARTH_RADIUS_KM, haversine_km
from inference.geo.gazetteer import TABLE, Candidate, Gazetteer
from inference.geo.names import REGION, SITE, capitalised_runs, name_key, name_runs, place_parts, split_place
from inference.geo.sources import ADMIN1, ADMIN2, CITY, COUNTRY

FOUND, COUNTRY_ONLY, NOT_FOUND = "found", "country_only", "not_found"
INFERRED_COUNTRY = "inferred_country"  # no place and no country in the text: the model's country head's
NEAR_KM = 75.0
SMALL_ABROAD = 100_000  # a place outside every country the article names must be at least this populous
LISTED = (
    2.5  # a place-list place: about what a 1M city's population is worth, so it wins where its country does
)
# The model's country (its ``country`` head) is read only where the article names no country: as a country vote
# worth a named country's (PRIOR_WEIGHT x its score) and the record's country (no coordinates) when no place
# resolves, from PRIOR_MIN; as the one country small places must lie in, from PRIOR_NAMED. On the ACLED dev notes
# (README "Places on the map"), the record's country taken from 0.95: country accuracy 0.915; from 0.8: 0.934;
# from 0.5: 0.957.
PRIOR_MIN, PRIOR_NAMED, PRIOR_WEIGHT = 0.5, 0.95, 2.0
_ROUTE = re.compile(r"\b(?:roads?|highways?|streets?|axis|route|motorway|expressway)\b", re.I)
# "the capital", not "the capital of Bamako" (a name the geocoder reads itself); case matters for the name
_THE_CAPITAL = re.compile(
    r"\b(?:[Tt]he|[Ii]ts|(?:[Cc]ountry|[Nn]ation)['\u2019]?s)\s+capital\b(?!\s+(?:city\s+)?of\s+[A-Z])"
)
_FROM_THE_CAPITAL = re.compile(
    r"\b(?:km|kms|kilomet(?:er|re)s?|miles?)\s+(?:\w+\s+){0,2}(?:from|of|outside)\s+\S+\s+capital$", re.I
)
QUARTER_KM = 25.0  # a neighbourhood lies this close to the town the record names it in
_QUARTER = re.compile(r"\b(?:neighbou?rhoods?|quarters?|suburbs?|arrondissement|district of)\b", re.I)
_REGION_LEVELS = {"region"}  # locations.LEVEL_NAMES of a region word around the mention
_SITE_LEVELS = {"site"}


@dataclass
class _Name:
    text: str
    bare: str
    hint: str | None
    country: Candidate | None
    candidates: tuple[Candidate, ...]  # towns, districts, provinces


def _read(
    text: str, level: str | None, gazetteer: Gazetteer, own: bool = False, cased: bool = False
) -> _Name:
    bare, hint = split_place(text)
    # "the capital", "countryside", and in an article that capitalises its names any name in lower case ("gas
    # station", "mine", "tires"): GeoNames has towns of those names abroad
    if is_generic_place(text) or (cased and text.islower()):
        return _Name(text, bare, hint, None, ())
    if hint is None and level in _REGION_LEVELS:
        hint = REGION
    elif hint is None and level in _SITE_LEVELS:
        hint = SITE
    found = gazetteer.lookup(bare)
    if not found and bare != text:  # "Dadaab Refugee Camp", "Kakuma Camp": a place list may name the whole
        found = gazetteer.lookup(text)
    if not found:
        parts = place_parts(text)
        if any(not _QUARTER.search(p) for p in parts):  # "Berdaale neighborhood of Baidoa town": the town
            parts = [p for p in parts if not _QUARTER.search(p)]
        for part in parts:
            if is_generic_place(part):  # "University" of "University of Bangui"
                continue
            part_bare, part_hint = split_place(part)
            found = gazetteer.lookup(part_bare)
            if found:
                bare, hint = part_bare, part_hint or hint
                break
    # ACLED's "Beirut-Ras Beirut", "Athens-Central Athens": the city; after the parts, so that "Markada in
    # al-Hasakeh" is Markada, not the "Hasakeh" of its last hyphen
    if not found and "-" in bare.strip("-"):
        parts = [p for p in bare.split("-") if len(p.strip()) >= 4]
        found = next((f for f in map(gazetteer.lookup, parts) if f), ())
    if not found and own:  # the record's names run together: "Durayhimi Hodeidah", "Bakirkoy town Istanbul"
        for run in (r for piece in [text, *place_parts(text)] for r in name_runs(piece)):
            # only a listed place or a province / district: a town named like a word of a one-name place
            # ("Issa" of "Ein Issa", "Arab" of "Ain al Arab") is the wrong place far more often than not
            found = (
                ()
                if is_generic_place(run)
                else tuple(
                    c for c in gazetteer.lookup(run) if c.source == TABLE or c.level in (ADMIN1, ADMIN2)
                )
            )
            if found:
                bare = run
                break
    country = next((c for c in found if c.level == COUNTRY), None)
    # a name in capitals of up to 5 letters is a town's own name ("GAZA" of a dateline) or an acronym: of a
    # country ("DRC") or a group ("MOC", "CDP"), not of the town that has it as an alternate name (Montes Claros)
    acronym = bare.isupper() and len(bare) <= 5
    places = tuple(c for c in found if c.level != COUNTRY and not (acronym and not c.is_main_name))
    if country is not None:
        regions = tuple(c for c in places if c.level in (ADMIN1, ADMIN2))
        if hint == REGION and regions:
            country = None
            places = regions
        else:
            places = ()  # a country's name never means a town
    return _Name(text, bare, hint, country, places)


def _country_weights(names: Sequence[_Name]) -> tuple[dict[str, float], set[str]]:
    weights: dict[str, float] = {}
    named = set()
    for n in names:
        if n.country is not None:
            named.add(n.country.country_code)
            weights[n.country.country_code] = weights.get(n.country.country_code, 0.0) + 2.0
        elif n.candidates:
            codes = {c.country_code for c in n.candidates}
            if len(codes) == 1:  # an ambiguous name says little: common words are villages in many countries
                weights[codes.pop()] = weights.get(n.candidates[0].country_code, 0.0) + 1.0
    return weights, named


def _home_country(article: Sequence[_Name]) -> tuple[str, str] | None:
    """``(ISO code, mention)`` of the one country the article's places point to, or None: each place of 4+
    letters whose own names (not alternate ones) lie in one country votes for it; the top must have twice the
    next one's votes."""
    votes: dict[str, list[str]] = {}
    for n in article:
        if n.country is not None or len(name_key(n.bare)) < 4:
            continue
        # a listed province or district does not vote: "Central", "Western" name provinces of many countries
        codes = {
            c.country_code for c in n.candidates if (c.level == CITY if c.source == TABLE else c.is_main_name)
        }
        if len(codes) == 1:
            votes.setdefault(codes.pop(), []).append(n.text)
    ranked = sorted(votes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    if ranked and (len(ranked) == 1 or len(ranked[0][1]) >= 2 * len(ranked[1][1])):
        return ranked[0][0], ranked[0][1][0]
    return None


def _score(
    c: Candidate,
    name: _Name,
    near: Callable[[Candidate], bool],
    share: dict[str, float],
    provinces: set[tuple[str, str]],
) -> float:
    s = (
        0.4 * math.log10(c.population + 1)
        + 4.0 * share.get(c.country_code, 0.0)
        + (1.0 if c.is_main_name else 0)
    )
    if c.source == TABLE:
        # a listed province or district gets no listed bonus: names like "Central" recur abroad
        s += (LISTED if c.level == CITY else 0.0) + 0.2 * math.log10(c.rows + 1)
    if c.level == CITY and (c.country_code, c.admin1) in provinces:
        s += 2.0
    if name.hint == REGION:
        s += 3.0 if c.level in (ADMIN1, ADMIN2) else -2.0
    elif c.level == CITY:
        s += 1.5  # no region word: the town before the province of the same name ("Hama")
    if near(c):
        s += 1.5
    return s


# Two points further apart in latitude than this are further apart than NEAR_KM (the distance is at least the
# meridian arc), so the haversine is skipped for them; the margin keeps float rounding on the safe side.
_NEAR_LATITUDE = 1.001 * math.degrees(NEAR_KM / EARTH_RADIUS_KM)


def _near(c: Candidate, other: _Name) -> bool:
    """Whether ``c`` lies within NEAR_KM of one of ``other``'s first 20 candidates."""
    return c.latitude is not None and any(
        o.latitude is not None
        and abs(o.latitude - c.latitude) <= _NEAR_LATITUDE
        and haversine_km(c.latitude, c.longitude, o.latitude, o.longitude) <= NEAR_KM
        for o in other.candidates[:20]
    )


def _best(name: _Name, near, share, provinces, named: set[str] | frozenset[str]) -> Candidate | None:
    pool = [
        c
        for c in name.candidates
        if not named or c.country_code in named or c.population >= SMALL_ABROAD or c.source == TABLE
    ]
    if not pool:
        return None
    return max(pool, key=lambda c: (_score(c, name, near, share, provinces), c.population))


def _area_level(c: Candidate, bests: Sequence[Candidate]) -> int:
    """The level ``c`` ranks at among the record's places ``bests``: a town named like the district or province
    another of them lies in ranks as that area ("Sorori, Ansongo": Sorori, a village of Ansongo cercle, not the
    town of Ansongo; "Hayran district (Hajjah)": the district, not the city of Hajjah): notes name the area
    around the place, rarely a second town."""
    if c.level != CITY:
        return c.level
    key = name_key(c.name)
    for o in bests:
        if o.country_code != c.country_code or name_key(o.name) == key:
            continue
        if o.level < ADMIN2 and name_key(o.admin2 or "") == key:
            return ADMIN2
        if o.level < ADMIN1 and name_key(o.admin1 or "") == key:
            return ADMIN1
    return c.level


def _quarters_in_their_towns(ranked: list[tuple]) -> list[tuple]:
    """``ranked`` without the neighbourhoods ("Berdaale neighborhood of Baidoa town") whose place lies more than
    QUARTER_KM from every town the record also names: a namesake village elsewhere, not a quarter of that town.
    Entries are ``_geocode``'s (..., candidate, mention)."""
    towns = [r[-2] for r in ranked if r[-2].level == CITY and not _QUARTER.search(r[-1])]
    if not towns:
        return ranked
    return [
        r
        for r in ranked
        if not _QUARTER.search(r[-1])
        or any(
            r[-2].latitude is not None
            and haversine_km(r[-2].latitude, r[-2].longitude, t.latitude, t.longitude) <= QUARTER_KM
            for t in towns
        )
    ]


def _record_country(bests: Sequence[Candidate], own: Sequence[_Name], prior: str | None = None) -> str | None:
    """The country most of the record's resolved names (and the countries it names, and the model's country
    ``prior`` when the text names none) lie in, when one has more than any other: "Guama neighborhood, Belem,
    Para" is in Brazil, so no Venezuelan Guama; "Nawa-e Barakzayi district, Helmand" with the model's
    Afghanistan is no Syrian Nawa; None on a tie."""
    votes: dict[str, int] = {}
    named = [n.country.country_code for n in own if n.country is not None]
    for code in [c.country_code for c in bests] + named + ([prior] if prior and not named else []):
        votes[code] = votes.get(code, 0) + 1
    ranked = sorted(votes.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] > ranked[1]:
        return max(votes, key=votes.__getitem__)
    return None


def _town_first(listed: Sequence[Candidate]) -> Candidate:
    """Of the place list's places of one name, the town before its district or province, then the most coded."""
    return max(listed, key=lambda c: (c.level == CITY, c.rows))


def _fields(c: Candidate, mention: str | None) -> dict:
    point = c.level != COUNTRY
    return {
        "geo_status": FOUND if point else COUNTRY_ONLY,
        "geo_mention": mention,
        "geo_name": c.name,
        "country": c.country,
        "iso": c.country_code,
        "admin1": c.admin1,
        "admin2": c.admin2,
        "latitude": c.latitude if point else None,
        "longitude": c.longitude if point else None,
        "geonameid": c.geonameid,
        "geo_precision": (c.precision or c.level) if point else None,
    }


def geocode_places(
    places: Sequence[tuple[str, str | None]],
    context: Sequence[str],
    gazetteer: Gazetteer | None,
    country: tuple[str, float] | None = None,
) -> dict:
    """Geo fields (``geo_fields.GEO_FIELDS``) of a record from its place names ``(text, level)`` (most specific first),
    the article's place names ``context`` and the model's country ``(name, score)`` if it has a country head."""
    if gazetteer is None:
        return empty_geo(GEO_UNAVAILABLE)
    return ArticlePlaces(context, gazetteer, country).geocode(places)


class ArticlePlaces:
    """One article's place names, each looked up once: the records of an article share its names, so
    ``geocode`` of each record reads only what the article's earlier records have not (and the same distances)."""

    def __init__(
        self, context: Sequence[str], gazetteer: Gazetteer, country: tuple[str, float] | None = None
    ):
        self.context = list(dict.fromkeys(context))
        self.cased = any(not t.islower() for t in self.context)  # a lower-cased dump has no capitals to read
        self.gazetteer = gazetteer
        # the model's country (``country`` head: ACLED's name, score) as a gazetteer country, if it names one
        found = gazetteer.country(country[0]) if country is not None and country[1] >= PRIOR_MIN else None
        self.prior: tuple[Candidate, float] | None = (found, country[1]) if found is not None else None
        self._names: dict[tuple[str, str | None, bool], _Name] = {}
        self._near: dict[tuple[int, int], bool] = {}

    def read(self, text: str, level: str | None, own: bool = False) -> _Name:
        key = (text, level, own)
        name = self._names.get(key)
        if name is None:
            name = self._names[key] = _read(text, level, self.gazetteer, own=own, cased=self.cased)
        return name

    def geocode(self, places: Sequence[tuple[str, str | None]], sentences: Sequence[str] = ()) -> dict:
        """Geo fields of a record whose place names are ``places`` ``(text, level)``, most specific first; where
        none resolves to a point, a listed place named in the record's ``sentences`` (``_scan``)."""
        own = [self.read(text, level, own=True) for text, level in places]
        seen = {n.text for n in own}
        article = own + [self.read(t, None) for t in self.context if t not in seen]
        geo = self._geocode(own, article)
        if geo["geo_status"] == FOUND:
            return geo
        if self.gazetteer.places is not None:
            geo = self._near_spelling(own, geo.get("iso")) or self._scan(sentences, geo.get("iso")) or geo
        if geo["geo_status"] != FOUND and geo.get("iso"):
            geo = self._capital(sentences, geo["iso"]) or geo
        return geo

    def _capital(self, sentences: Sequence[str], country: str) -> dict | None:
        """Geo fields of ``country``'s capital where the record's sentences put it "in the capital" and name no
        place the geocoder found ("demonstrations in the capital", "the capital of the Central African
        Republic"); not "60 km from the capital", nor "the provincial capital"."""
        for text in sentences:
            m = _THE_CAPITAL.search(text)
            if m is not None and not _FROM_THE_CAPITAL.search(text[: m.end()]):
                town = self.gazetteer.capital(country)
                return _fields(town, m.group()) if town is not None else None
        return None

    def _near_spelling(self, own: Sequence[_Name], country: str | None) -> dict | None:
        """Geo fields of the first of the record's names (most specific first) that no place has but one place of
        the user's list in ``country`` (the record's country so far) has one letter away ("Deguimbere" for
        Deguembere, "Timbutku"); None without a country or such a name."""
        if country is None:
            return None
        for n in own:
            if n.candidates or n.country is not None or is_generic_place(n.text):
                continue
            listed = [c for c in self.gazetteer.near_spelling(n.bare) if c.country_code == country]
            if listed:
                return _fields(_town_first(listed), n.text)
        return None

    def _scan(self, sentences: Sequence[str], country: str | None) -> dict | None:
        """Geo fields of the first place of the user's place list named in ``sentences`` (runs of capitalised
        words, longest first) and lying in ``country``, the record's country so far; None without a country or
        such a place. The tagger misses some places ("clashes in Yumbis"); the list holds the places ACLED coded,
        so a name on it in the record's country is taken, a town before a district or province."""
        if country is None:
            return None
        hits = []
        for k, run in enumerate(r for text in sentences for r in capitalised_runs(text)):
            if run.casefold() in MONTH_NAMES or len(name_key(run)) < 3 or is_generic_place(run):
                continue
            listed = [
                c for c in self.gazetteer.lookup(run) if c.source == TABLE and c.country_code == country
            ]
            if listed:
                best = _town_first(listed)
                hits.append((best.level != CITY, k, best, run))
        if not hits:
            return None
        *_, best, run = min(hits, key=lambda h: h[:2])
        return _fields(best, run)

    def _near_fn(self, others: Sequence[_Name]) -> Callable[[Candidate], bool]:
        """Whether a candidate lies within NEAR_KM of another name's candidate; each (candidate, name) pair is
        measured once per article (the names are held by self._names, so their ids stay theirs)."""

        def near(c: Candidate) -> bool:
            for other in others:
                key = (id(c), id(other))
                hit = self._near.get(key)
                if hit is None:
                    hit = self._near[key] = _near(c, other)
                if hit:
                    return True
            return False

        return near

    def _geocode(self, own: list[_Name], article: list[_Name]) -> dict:
        weights, named = _country_weights(article)
        prior = self.prior if not named else None  # a country the text names beats the model's
        allowed = named  # the countries a small place must lie in (none: any)
        if prior is not None:
            code = prior[0].country_code
            weights[code] = weights.get(code, 0.0) + PRIOR_WEIGHT * prior[1]
            if prior[1] >= PRIOR_NAMED:
                allowed = {code}
        top = max(weights.values(), default=0.0)
        share = {cc: w / top for cc, w in weights.items()} if top else {}
        provinces = {
            (c.country_code, c.admin1) for n in article for c in n.candidates[:5] if c.level == ADMIN1
        }
        named_keys = {name_key(n.bare) for n in own}
        ranked = []  # (level, not in a named province, not listed, name order, candidate, mention): least first
        for k, name in enumerate(own):
            near = self._near_fn([o for o in article if o is not name])
            best = _best(
                name, near, share, provinces - {(c.country_code, c.admin1) for c in name.candidates}, allowed
            )
            if best is not None:
                # of two towns, the one in a province the record also names is the more specific ("Hays", "Al
                # Hudaydah": Hays, a town of Al Hudaydah governorate, whose capital is the city of that name)
                outside = name_key(best.admin1 or "") not in named_keys - {name_key(best.name)}
                # a road named after towns ("Dhaka - Barisal highway") runs between them: after the record's
                # towns and districts, before its provinces ("Dadaab-Kulan road, Garissa County")
                level = ADMIN1 - 0.5 if _ROUTE.search(name.text) else best.level
                ranked.append((level, outside, best.source != TABLE, k, best, name.text))
        ranked = _quarters_in_their_towns(ranked)
        if ranked:
            bests = [r[4] for r in ranked]
            ranked = [(max(r[0], _area_level(r[4], bests)), *r[1:]) for r in ranked]
            country = _record_country(bests, own, prior[0].country_code if prior else None)
            *_, best, mention = min(r for r in ranked if country is None or r[4].country_code == country)
            return _fields(best, mention)
        country = next((n for n in own if n.country is not None), None)
        if country is not None:
            return _fields(country.country, country.text)
        if named:  # the record's places are unknown: the country the article is about, if it names one most
            cc = max(named, key=lambda x: (weights[x], x))
            mention = next(n for n in article if n.country is not None and n.country.country_code == cc)
            return _fields(mention.country, mention.text)
        home = _home_country(article)
        if home is not None:  # no country named, but the article's other places lie in one country
            country = self.gazetteer.country(self.gazetteer.countries.get(home[0], home[0]))
            if country is not None:
                return _fields(country, home[1])
        if prior is not None:  # nothing in the text gives a country: the model's, said so
            return {**_fields(prior[0], None), "geo_status": INFERRED_COUNTRY}
        return empty_geo(NOT_FOUND)
