"""A user's place list beside GeoNames (``inference.geo.place_table``): read from an ACLED-style CSV, looked up
before GeoNames, passed by ``conflict-tag --places`` and recorded in the run's identity."""

from __future__ import annotations

import json
import logging
import os

import pytest

from inference.batch.cli import main as tag_main
from inference.events.geocoding import geocode_places
from inference.geo import gazetteer as gazetteer_module
from inference.geo.gazetteer import PLACES_ENV, TABLE, Gazetteer, default_gazetteer, use_places
from inference.geo.place_table import PlaceTable, PlaceTableError
from training.data.canonical import Example
from training.data.place_list import COLUMNS, place_rows_csv
from training.evaluation.geo_scores import geo_scores

HEADER = "event_id_cnty,location,admin2,admin1,country,latitude,longitude,geo_precision\n"
# Villages GeoNames' package extracts lack (ACLED dev notes no GeoNames lookup found), and Silly, Burkina Faso,
# whose name GeoNames also gives a Belgian town.
ROWS = (
    "SOM1,Buur Dhuxunle,Qansax Dheere,Bay,Somalia,2.9100,43.0100,1\n"
    "SOM2,Buur Dhuxunle,Qansax Dheere,Bay,Somalia,2.9200,43.0200,2\n"
    "SOM3,Buur Dhuxunle,Qansax Dheere,Bay,Somalia,2.9100,43.0100,2\n"
    "BFO1,Silly,Sissili,Centre-Ouest,Burkina Faso,11.6333,-2.3833,1\n"
    "KEN1,Dadaab Refugee Camp,Lagdera,Garissa,Kenya,0.0574,40.3094,1\n"
    "CEN1,Bangassou,Bangassou,Mbomou,Central African Republic,4.7401,22.8222,1\n"
)


@pytest.fixture(scope="module")
def places_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("places") / "acled_places.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def gazetteer(places_csv) -> Gazetteer:
    return Gazetteer.open(places=places_csv)


@pytest.fixture
def no_default_places(monkeypatch):
    """Leave the process's default gazetteer and $CONFLICT_EVENTS_PLACES as they were."""
    monkeypatch.delenv(PLACES_ENV, raising=False)
    saved = list(gazetteer_module._default)
    gazetteer_module._default.clear()
    yield
    os.environ.pop(PLACES_ENV, None)
    gazetteer_module._default[:] = saved


def listed_gazetteer(tmp_path, rows: str, name: str = "p.csv") -> Gazetteer:
    """A gazetteer with a place list of ``rows`` (CSV lines under HEADER) written to ``tmp_path/name``."""
    (tmp_path / name).write_text(HEADER + rows, encoding="utf-8")
    return Gazetteer.open(places=tmp_path / name)


def record_geo(gazetteer: Gazetteer, places: list[tuple[str, str | None]]) -> dict:
    """Geo fields of a record whose places ``(text, level)`` are also the article's only place names."""
    return geocode_places(places, [p for p, _ in places], gazetteer)


def test_a_place_is_kept_once_at_its_rows_most_common_point_with_the_most_common_precision(gazetteer):
    [place] = gazetteer.places.lookup_key("buurdhuxunle")
    assert (place.country_code, place.admin1, place.admin2, place.rows, place.precision) == ("SO", "Bay",
            "Qansax Dheere", 3, 2)  # fmt: skip
    # two rows give (2.91, 43.01), one (2.92, 43.02): the point, not their mean (2.9133)
    assert place.latitude == pytest.approx(2.91) and place.longitude == pytest.approx(43.01)
    # 4 locations, then the provinces and districts of the rows (Bay, Qansax Dheere, Centre-Ouest, Sissili, ...)
    assert len(gazetteer.places) == 4 + 4 + 4 and gazetteer.places.countries == {"SO", "BF", "KE", "CF"}


def test_a_district_or_province_of_the_rows_is_a_place_at_the_rows_coded_at_its_level(gazetteer):
    [district] = gazetteer.places.lookup_key("qansaxdheere")
    assert (district.level, district.country_code, district.admin1, district.rows, district.precision) == (
        2, "SO", "Bay", 3, 2)  # fmt: skip
    # the two rows ACLED coded at district level or coarser (precision 2), not the village-level one
    assert district.latitude == pytest.approx(2.915) and district.longitude == pytest.approx(43.015)
    [province] = gazetteer.places.lookup_key("mbomou")
    assert (province.level, province.rows, province.latitude) == (
        3,
        1,
        pytest.approx(4.7401),
    )  # none at its level
    # a note that names only the district lands in it, in the right country
    geo = geocode_places([("Qansax Dheere district", "region")], [], gazetteer)
    assert (geo["geo_status"], geo["iso"], geo["geo_name"], geo["geo_precision"]) == (
        "found",
        "SO",
        "Qansax Dheere",
        2,
    )


def test_a_listed_province_does_not_vote_for_the_country_an_articles_places_point_to(tmp_path):
    # two Somali villages of the list against a Kenyan district and province of it: the villages say Somalia
    rows = "SOM9,Ceel Baraf,Balcad,Middle Shabelle,Somalia,3.2,45.8,1\nKEN9,Kenvillage,Zorbak,Quxland,Kenya,0.5,38.0,1\n"
    path = tmp_path / "p.csv"
    path.write_text(HEADER + ROWS + rows, encoding="utf-8")
    listed = Gazetteer.open(places=path)
    geo = geocode_places(
        [("Xyzzyville", "place")], ["Buur Dhuxunle", "Ceel Baraf", "Zorbak", "Quxland"], listed
    )
    assert (geo["geo_status"], geo["iso"]) == ("country_only", "SO")


def test_a_village_geonames_lacks_is_found_in_the_place_list(places_csv, gazetteer):
    plain = geocode_places([("Buur Dhuxunle", "place")], ["Bay"], Gazetteer.open())
    assert plain["geo_status"] != "found"  # GeoNames alone cannot place it: the list is what finds it
    geo = geocode_places([("Buur Dhuxunle", "place")], ["Bay"], gazetteer)
    assert (geo["geo_status"], geo["iso"], geo["admin1"], geo["geo_precision"], geo["geonameid"]) == (
        "found", "SO", "Bay", 2, None)  # fmt: skip
    assert geo["latitude"] == pytest.approx(2.91)


def test_the_lists_place_outranks_a_namesake_abroad_where_no_country_is_named(gazetteer):
    plain = geocode_places([("Silly", "place")], [], Gazetteer.open())
    assert plain["iso"] == "BE"  # GeoNames alone: the Belgian town
    assert geocode_places([("Silly", "place")], [], gazetteer)["iso"] == "BF"
    # A named country still decides: Silly in an article about Belgium is the Belgian town.
    assert geocode_places([("Silly", "place")], ["Belgium"], gazetteer)["iso"] == "BE"


def test_a_listed_place_near_a_border_is_taken_when_the_article_names_the_neighbour(gazetteer):
    geo = geocode_places([("Bangassou", "place")], ["DRC"], gazetteer)
    assert (geo["geo_status"], geo["iso"]) == ("found", "CF")


def test_a_listed_place_is_taken_before_a_geonames_town_the_record_also_names(tmp_path):
    path = tmp_path / "athens.csv"
    path.write_text(
        HEADER + "GRC1,Athens - Kypseli,Central Athens,Attica,Greece,38.0050,23.7380,1\n", "utf-8"
    )
    places = [("Athens", "place"), ("Athens - Kypseli", "place")]
    assert geocode_places(places, ["Greece"], Gazetteer.open())["geo_mention"] == "Athens"
    geo = geocode_places(places, ["Greece"], Gazetteer.open(places=path))
    assert (geo["geo_mention"], geo["iso"], geo["geonameid"]) == ("Athens - Kypseli", "GR", None)
    assert geo["latitude"] == pytest.approx(38.005)


def test_of_two_towns_the_one_in_a_province_the_record_names_is_taken(tmp_path):
    # ACLED lists Al Hudaydah (the city, also its governorate's name) and Hays, a town of Al Hudaydah: the
    # record "Al Hudaydah, Hays" is about Hays
    gazetteer = listed_gazetteer(
        tmp_path,
        "YEM1,Al Hudaydah,Al Hawak,Al Hudaydah,Yemen,14.7978,42.9545,1\n"
        "YEM2,Hays,Hays,Al Hudaydah,Yemen,13.9333,43.4833,1\n",
    )
    for order in (["Al Hudaydah", "Hays"], ["Hays", "Al Hudaydah"]):
        geo = record_geo(gazetteer, [(p, None) for p in order])
        assert (geo["geo_name"], geo["admin1"], geo["iso"]) == ("Hays", "Al Hudaydah", "YE"), (order, geo)


def test_a_town_named_like_the_area_another_of_the_records_places_lies_in_ranks_as_that_area(tmp_path):
    # ACLED's "Sorori (Ansongo, Gao)": Ansongo is a town and the cercle Sorori lies in; "Hayran district
    # (Hajjah)": Hajjah is a city and the governorate Hayran lies in. The note is about Sorori, Hayran.
    gazetteer = listed_gazetteer(
        tmp_path,
        "MLI1,Sorori,Ansongo,Gao,Mali,15.1,0.9,1\n"
        "MLI2,Ansongo,Ansongo,Gao,Mali,15.6597,0.5022,1\n"
        "MLI3,Tessit,Tessit,Gao,Mali,15.2,0.6,1\n"
        "YEM1,Hajjah,Hajjah City,Hajjah,Yemen,15.6943,43.6058,1\n"
        "YEM2,Hayran,Hayran,Hajjah,Yemen,16.13,42.90,2\n",
    )

    def geo(places):
        return record_geo(gazetteer, places)

    assert geo([("Ansongo", "place"), ("Gao", "place"), ("Sorori", "place")])["geo_name"] == "Sorori"
    found = geo([("Hajjah", "place"), ("Hayran district", "region")])
    assert (found["geo_name"], found["geo_precision"]) == ("Hayran", 2)
    # two towns, neither in the other's area: the earlier one
    assert geo([("Ansongo", "place"), ("Tessit", "place")])["geo_name"] == "Ansongo"


def test_a_neighbourhood_far_from_the_town_the_record_names_is_a_namesake_not_its_quarter(tmp_path):
    # the list's Berdaale is a village 150 km from Baidoa; Towfiiq a quarter 1.5 km from it
    gazetteer = listed_gazetteer(
        tmp_path,
        "SOM1,Berdaale,Burhakaba,Bay,Somalia,2.41,44.40,1\n"
        "SOM2,Baidoa,Baydhaba,Bay,Somalia,3.1138,43.6498,1\n"
        "SOM3,Towfiiq,Baydhaba,Bay,Somalia,3.1250,43.6600,1\n",
    )

    def geo(places):
        return record_geo(gazetteer, places)["geo_name"]

    assert geo([("Berdaale neighborhood", "site"), ("Baidoa town", "site")]) == "Baidoa"
    assert geo([("Berdaale neighborhood of Baidoa town", "site")]) == "Baidoa"
    assert geo([("Towfiiq neighborhood", "site"), ("Baidoa town", "site")]) == "Towfiiq"
    assert (
        geo([("Berdaale village", "site"), ("Baidoa town", "site")]) == "Berdaale"
    )  # a village is no quarter
    assert geo([("Berdaale neighborhood", "site")]) == "Berdaale"  # no town to be a quarter of


def test_a_name_no_place_has_takes_the_listed_place_one_letter_away_in_the_records_country(tmp_path):
    listed = listed_gazetteer(
        tmp_path,
        "MLI1,Deguembere,Bandiagara,Mopti,Mali,14.35,-3.61,1\n"
        "GHA1,Tamale,Tamale,Northern,Ghana,9.40,-0.84,1\n"
        "GHA2,Yamale,Yendi,Northern,Ghana,9.44,-0.01,1\n",
    )

    def geo(name, country):
        return geocode_places([(name, "place")], [name], listed, country)

    found = geo("Deguimbere", ("Mali", 0.9))  # one letter changed
    assert (found["geo_status"], found["geo_name"], found["geo_mention"], found["iso"]) == (
        "found", "Deguembere", "Deguimbere", "ML")  # fmt: skip
    assert geo("Deguemmbere", ("Mali", 0.9))["geo_name"] == "Deguembere"  # one letter added
    assert (
        geo("Deguimbere", ("Niger", 0.9))["geo_status"] == "inferred_country"
    )  # not in the record's country
    assert geo("Deguimbere", None)["geo_status"] == "not_found"  # no country known: not guessed
    assert geo("Degimbare", ("Mali", 0.9))["geo_status"] == "inferred_country"  # two letters away
    assert geo("Famale", ("Ghana", 0.9))["geo_status"] == "inferred_country"  # Tamale or Yamale: neither


def test_a_road_named_after_towns_ranks_after_the_records_towns_and_before_its_provinces(tmp_path):
    listed = listed_gazetteer(
        tmp_path,
        "KEN1,Mombasa,Mvita,Mombasa,Kenya,-4.0547,39.6636,1\n"
        "KEN2,Maralal,Samburu West,Samburu,Kenya,1.0968,36.6980,1\n"
        "KEN3,Dadaab,Dadaab,Garissa,Kenya,0.0531,40.3086,1\n"
        "KEN4,Garissa,Garissa,Garissa,Kenya,-0.4532,39.6461,3\n",
    )

    def geo(places):
        return record_geo(listed, places)

    # "Mombasa-Nairobi road ... Maralal": the event is in Maralal, not in Mombasa, 600 km away
    assert geo([("Mombasa-Nairobi road", "place"), ("Maralal", "place")])["geo_mention"] == "Maralal"
    # with only a province beside it, the road's town is the nearer guess than the province's middle
    found = geo([("Dadaab-Kulan road", "place"), ("Garissa County", "region")])
    assert (found["geo_mention"], found["geo_name"]) == ("Dadaab-Kulan road", "Dadaab")
    assert geo([("Mombasa-Nairobi road", "place")])["geo_name"] == "Mombasa"  # alone: taken


def test_the_list_is_also_searched_by_another_transliteration_of_a_name(tmp_path):
    gazetteer = listed_gazetteer(
        tmp_path,
        "SYR1,Ein Issa,Tell Abiad,Ar-Raqqa,Syria,36.3856,38.8614,1\n"
        "YEM1,Ash Shihr,Ash Shihr,Hadramawt,Yemen,14.7602,49.6052,1\n"
        "MLI1,Niafunke,Niafunke,Tombouctou,Mali,15.9322,-3.9906,1\n"
        "MLI2,Bara,Ansongo,Gao,Mali,15.8171,0.325,1\n"
        "YEM2,Ad Durayhimi,Ad Durayhimi,Al Hudaydah,Yemen,14.6,43.0,1\n",
    )
    for spelling, listed in (
        ("Ein Isa", "Ein Issa"),
        ("As Shihr", "Ash Shihr"),
        ("Niafounke", "Niafunke"),
        ("Durayhimi", "Ad Durayhimi"),  # the article before a sun letter
        ("ad-Durayhimi", "Ad Durayhimi"),
    ):
        assert {c.name for c in gazetteer.lookup(spelling) if c.source == TABLE} == {listed}, spelling
    # a loose key of under 5 letters is not searched ("Barra" is not "Bara")
    assert not [c for c in gazetteer.lookup("Barra") if c.source == TABLE]
    geo = record_geo(gazetteer, [("Ein Isa", "place"), ("Ar-Raqqa", "place")])
    assert (geo["geo_name"], geo["geo_mention"], geo["iso"]) == ("Ein Issa", "Ein Isa", "SY")


def test_a_name_with_a_site_word_is_also_looked_up_whole(gazetteer):
    geo = geocode_places([("Dadaab Refugee Camp", "place")], [], gazetteer)
    assert (geo["geo_status"], geo["iso"], geo["admin1"]) == ("found", "KE", "Garissa")
    assert gazetteer.lookup("Dadaab Refugee Camp")[0].source == TABLE


def test_a_listed_place_the_tagger_missed_is_found_in_the_records_sentences_in_its_country(gazetteer):
    from inference.events.geocoding import ArticlePlaces

    sentence = "Al Shabaab militants attacked a police post in Buur Dhuxunle in May, killing two."

    def geo(country, sentences=(sentence,)):
        return ArticlePlaces([], gazetteer, country).geocode([], sentences)

    found = geo(("Somalia", 0.95))
    assert (found["geo_status"], found["geo_mention"], found["iso"]) == ("found", "Buur Dhuxunle", "SO")
    assert geo(None)["geo_status"] == "not_found"  # no country known: no scan
    assert geo(("Kenya", 0.95))["geo_status"] == "inferred_country"  # listed, but in another country
    # a town before the district or province the sentence also names
    found = geo(("Somalia", 0.95), ["Fighting in Bay region near Buur Dhuxunle."])
    assert found["geo_mention"] == "Buur Dhuxunle" and found["geo_precision"] == 2
    assert geo(("Somalia", 0.95), [""])["geo_status"] == "inferred_country"


def test_the_sentence_scan_takes_a_listed_town_of_three_letters(tmp_path):
    from inference.events.geocoding import ArticlePlaces

    listed = listed_gazetteer(tmp_path, "MLI1,Gao,Gao,Gao,Mali,16.2717,-0.0447,1\n")
    sentence = "On July 13, unknown gunmen opened fire against the vehicle of the deputy prefect of Gao."
    geo = ArticlePlaces([], listed, ("Mali", 0.85)).geocode([], [sentence])
    assert (geo["geo_status"], geo["geo_mention"], geo["iso"]) == ("found", "Gao", "ML")
    # two letters are too few to read as a name ("On" is no place even where a list holds one)
    short = listed_gazetteer(tmp_path, "MLI1,On,Ansongo,Menaka,Mali,16.0,-0.1,1\n", "q.csv")
    geo = ArticlePlaces([], short, ("Mali", 0.85)).geocode([], [sentence])
    assert geo["geo_status"] == "inferred_country"


def test_without_a_list_an_unknown_village_takes_the_country_its_neighbours_lie_in():
    geo = geocode_places([("Xqzzyqx", "place")], ["Mogadishu", "Kismayo"], Gazetteer.open())
    assert (geo["geo_status"], geo["iso"], geo["latitude"], geo["geo_mention"]) == (
        "country_only", "SO", None, "Mogadishu")  # fmt: skip
    # Neighbours in two countries point nowhere: no guess.
    assert geocode_places([("Xqzzyqx", "place")], [], Gazetteer.open())["geo_status"] == "not_found"


def test_bad_rows_are_skipped_and_named_and_the_good_ones_kept(tmp_path, caplog):
    path = tmp_path / "p.csv"
    path.write_text(
        HEADER
        + "A,Buur Dhuxunle,,Bay,Somalia,2.9,43.0,1\n"
        + "B,,,Bay,Somalia,2.9,43.0,1\n"
        + "C,Nowhere,,X,Atlantis,2.9,43.0,1\n"
        + "D,Baidoa,,Bay,Somalia,north,43.0,1\n"
        + "E,Baidoa,,Bay,Somalia,95,43.0,1\n"
        + "F,Baidoa,,Bay,Somalia,3.1,43.6,1,extra\n"
        + "G,Kismayo,,Lower Juba,Somalia,-0.36,42.54,\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="inference.geo.place_table"):
        table = PlaceTable.from_csv(path, Gazetteer.open().country_codes())
    assert {p.name for k in ("buurdhuxunle", "kismayo") for p in table.lookup_key(k)} == {
        "Buur Dhuxunle",
        "Kismayo",
    }
    assert (
        len(table) == 2 + 2 and table.lookup_key("kismayo")[0].precision == 1
    )  # + provinces Bay, Lower Juba
    text = caplog.text
    for line, field in ((3, "'location'"), (4, "'country' 'Atlantis'"), (5, "'latitude' 'north'"),
                        (6, "'latitude' 95.0"), (7, "more cells")):  # fmt: skip
        assert f"{path}:{line}: " in text and field in text


@pytest.mark.parametrize(
    "content, message",
    [
        ("location,country,latitude\nHama,Syria,35.1\n", "no column longitude"),
        (b"location,country,latitude,longitude\nH\xe9ma,Syria,35.1,36.7\n", "not UTF-8"),
    ],
)
def test_an_unusable_file_is_one_error_naming_it(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(PlaceTableError, match=message) as e:
        PlaceTable.from_csv(path, {"syria": "SY"})
    assert str(path) in str(e.value)
    with pytest.raises(PlaceTableError, match="cannot read"):
        PlaceTable.from_csv(tmp_path / "missing.csv", {})


def test_use_places_reaches_the_default_gazetteer_and_worker_processes(places_csv, no_default_places):
    use_places(places_csv)
    assert os.environ[PLACES_ENV] == str(places_csv.resolve())  # what spawned workers read
    assert default_gazetteer().places.lookup_key("silly")
    gazetteer_module._default.clear()  # a new process: the list comes from the environment
    assert default_gazetteer().places.sha256 and default_gazetteer().places.lookup_key("silly")
    use_places(None)
    assert PLACES_ENV not in os.environ and default_gazetteer().places is None


def test_a_broken_list_in_the_environment_leaves_geonames_working(
    tmp_path, monkeypatch, no_default_places, caplog
):
    bad = tmp_path / "bad.csv"
    bad.write_text("name\nx\n")
    monkeypatch.setenv(PLACES_ENV, str(bad))
    with caplog.at_level(logging.WARNING, logger="inference.geo.gazetteer"):
        gz = default_gazetteer()
    assert gz is not None and gz.places is None and "GeoNames only" in caplog.text
    assert geocode_places([("Hama", "place")], ["Syria"], gz)["iso"] == "SY"
    with pytest.raises(PlaceTableError, match="no such file"):
        use_places(tmp_path / "missing.csv")


def test_conflict_tag_places_is_part_of_the_run_identity(tiny_model, places_csv, tmp_path, no_default_places,
                                                         capsys):  # fmt: skip
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Gunmen attacked Silly on Monday, killing two."}) + "\n")
    out = tmp_path / "out.jsonl"
    base = [str(src), "--model", str(tiny_model), "-q", "-o", str(out)]
    assert tag_main([*base, "--places", str(places_csv)]) == 0
    progress = json.loads((tmp_path / "out.jsonl.progress.json").read_text())
    assert json.dumps(progress).count(PlaceTable.from_csv(places_csv, {"burkinafaso": "BF", "somalia": "SO",
                                      "kenya": "KE", "centralafricanrepublic": "CF"}).sha256) == 1  # fmt: skip
    capsys.readouterr()
    assert tag_main([*base, "--resume"]) == 2  # without the list the records' places may differ
    assert "places_sha256" in capsys.readouterr().err
    assert tag_main([*base, "--places", str(tmp_path / "nope.csv"), "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "--places" in err and "nope.csv" in err and "Traceback" not in err
    assert tag_main([*base, "--places", str(places_csv), "--no-events", "--overwrite"]) == 2


def test_the_acled_place_list_writer_keeps_rows_with_a_place_and_coordinates():
    examples = [
        Example(
            id="a",
            text="x",
            meta={
                "event_id_cnty": "SOM1",
                "location": "Baidoa",
                "admin1": "Bay",
                "country": "Somalia",
                "latitude": "3.11",
                "longitude": "43.65",
                "geo_precision": "1",
            },
        ),  # fmt: skip
        Example(id="b", text="x", meta={"location": "Kano", "country": "Nigeria", "latitude": None}),
        Example(id="c", text="x", meta={}),
    ]
    text, n = place_rows_csv(examples)
    lines = text.splitlines()
    assert n == 1 and lines[0] == ",".join(COLUMNS) and lines[1] == "SOM1,Baidoa,,Bay,Somalia,3.11,43.65,1"


def test_country_scoring_compares_iso_codes_where_names_differ():
    geo = {"country": "Palestinian Territory", "iso": "PS", "latitude": None, "longitude": None}
    assert geo_scores(geo, {"country": "Palestine"})["country_match"] is True
    assert (
        geo_scores({**geo, "iso": "IL", "country": "Israel"}, {"country": "Palestine"})["country_match"]
        is False
    )


@pytest.mark.parametrize("place, context", [("Konduga", []), ("Babruysk", []), ("Saraqib", ["Idlib"])])
def test_a_list_of_other_countries_changes_nothing_for_places_outside_them(gazetteer, place, context):
    # A user with Sahel exports who tags an article about Nigeria, Belarus or Syria gets GeoNames' answer.
    plain = geocode_places([(place, "place")], context, Gazetteer.open())
    assert plain["geo_status"] == "found"
    assert geocode_places([(place, "place")], context, gazetteer) == plain


def test_conflict_serve_refuses_an_unusable_place_list_in_one_line(
    tiny_model, tmp_path, no_default_places, capsys
):
    from inference.serve.cli import main as serve_main

    bad = tmp_path / "places.csv"
    bad.write_text("name,lat\nHama,35\n")
    assert serve_main(["--model", str(tiny_model), "--port", "0", "--places", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "no column location" in err


def test_unseen_countries_scores_each_country_without_its_own_rows_of_the_list(tmp_path):
    """``conflict-eval geocoder --unseen-countries``: a village only its own country's rows list is not found, a
    place another country's rows list still is."""
    from training.evaluation.geocoder_command import evaluate_geocoder, evaluate_unseen_countries

    def note(id_, location, admin1, country, lat, lon):
        meta = {"location": location, "admin1": admin1, "country": country, "latitude": lat, "longitude": lon}
        return Example(id=id_, text=f"Clashes in {location}.", labels={}, meta=meta)

    listed = [
        note("t1", "Buur Dhuxunle", "Bay", "Somalia", "2.91", "43.01"),
        note("t2", "Dadaab Refugee Camp", "Garissa", "Kenya", "0.0574", "40.3094"),
    ]
    dev = [
        note("d1", "Buur Dhuxunle", "Bay", "Somalia", "2.91", "43.01"),
        note("d2", "Dadaab Refugee Camp", "Garissa", "Kenya", "0.0574", "40.3094"),
        note("d3", "Buur Dhuxunle", "Bay", "Somalia", "2.91", "43.01"),
    ]
    summary, details = evaluate_unseen_countries(dev, listed)
    assert [d["id"] for d in details] == ["d1", "d2", "d3"]
    assert [d["matches"]["has_coordinates"] for d in details] == [False, False, False]
    assert summary["metrics"]["no_coordinates_rate"] == 1.0

    # the Kenyan note is found once Kenya's rows are another country's: the list is used, less the note's country
    summary, details = evaluate_unseen_countries(dev, [*listed, note("t3", "Dadaab Refugee Camp", "Garissa",
                                                                   "Somalia", "0.0574", "40.3094")])  # fmt: skip
    assert [d["matches"]["has_coordinates"] for d in details] == [False, True, False]

    (tmp_path / "places.csv").write_text(place_rows_csv(listed)[0], encoding="utf-8")
    with_own = Gazetteer.open(places=tmp_path / "places.csv")
    assert evaluate_geocoder(dev, with_own)[0]["metrics"]["geo_within_10km"] == 1.0
