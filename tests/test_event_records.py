"""Event records end to end on a wire-style article, and the actor, location and label-vote rules they use."""

from __future__ import annotations

import json

import pytest
from event_text import at

from inference.events import EventRecord, Mention, SentenceView, build_events
from inference.events.actors import mention_side, order_actors
from inference.events.locations import COUNTRY, PLACE, REGION, SITE, place_level, rank_places
from inference.events.records import vote

# A fictional incident in the style of a wire report (invented names and figures). 12 March 2021 is a Friday.
SENTENCES = [
    (
        "date 2021-03-12 BEIRUT, March 12, 2021 (AFP) - Islamic State group fighters attacked army positions in "
        "the Syrian desert late on Wednesday, triggering clashes that left 11 soldiers and 16 jihadists dead, a "
        "war monitor said.",
        ("Battles", 0.93),
        ("Armed clash", 0.88),
    ),
    (
        "The jihadists overran two checkpoints near the town of Al-Kawm in Homs province before dawn, the "
        "Syrian Observatory for Human Rights said.",
        ("Battles", 0.81),
        ("Non-state actor overtakes territory", 0.6),
    ),
    (
        "Government troops backed by Russian warplanes pushed them back hours later, the monitor said.",
        ("Battles", 0.7),
        ("Government regains territory", 0.66),
    ),
    (
        "Observatory head Samir Haddad said the fighting killed 11 soldiers and 16 IS members.",
        ("none", 0.55),
        ("none", 0.55),
    ),
    (
        "The Islamic State group lost the last of its territory in Syria in 2019, but its fighters still hide "
        "in the vast desert.",
        ("Strategic developments", 0.52),
        ("Non-violent transfer of territory", 0.4),
    ),
    (
        "Doctors in the region warned that a new wave of coronavirus infections could overwhelm field "
        "hospitals.",
        ("Strategic developments", 0.41),
        ("Other", 0.3),
    ),
]
TEXT = " ".join(s for s, _, _ in SENTENCES)


def sentence_views(text: str, parts) -> list[SentenceView]:
    views = []
    for sentence, event, sub in parts:
        start = text.index(sentence)
        views.append(SentenceView(start, start + len(sentence), sentence, [event], [sub]))
    return views


MENTIONS = [
    at(TEXT, "BEIRUT", "Location"),
    at(TEXT, "March 12, 2021", "Temporal"),
    at(TEXT, "Islamic State group", "Organisation"),
    at(TEXT, "army", "Organisation"),
    at(TEXT, "Syrian", "Nationality"),
    at(TEXT, "late on Wednesday", "Temporal"),
    at(TEXT, "11", "Quantity"),
    at(TEXT, "16", "Quantity"),
    at(TEXT, "Al-Kawm", "Location"),
    at(TEXT, "Homs", "Location"),
    at(TEXT, "Syrian Observatory for Human Rights", "Organisation"),
    at(TEXT, "Government troops", "Organisation"),
    at(TEXT, "Russian", "Nationality"),
    at(TEXT, "Samir Haddad", "Person"),
    at(TEXT, "IS", "Organisation"),
    at(TEXT, "Islamic State group", "Organisation", 1),
    at(TEXT, "Syria", "Location"),
    at(TEXT, "2019", "Temporal"),
]


def build(**kw) -> list[EventRecord]:
    return build_events(TEXT, sentence_views(TEXT, SENTENCES), MENTIONS, "2021-03-12", **kw)


def test_the_article_gives_one_armed_clash_with_date_fatalities_actors_and_place():
    [record] = build()
    assert (record.event_type, record.sub_event_type) == ("Battles", "Armed clash")
    assert record.event_type_score == 0.93 and record.sub_event_type_score == 0.88
    assert (record.date, record.date_mention) == ("2021-03-10", "late on Wednesday")
    assert record.fatalities == 27  # 11 + 16: reported in two sentences, counted once
    assert record.fatalities_range is None
    assert [a["text"] for a in record.actor1] == ["Islamic State group"]
    assert [a["text"] for a in record.actor2] == ["army"]
    assert [p["text"] for p in record.location] == ["Al-Kawm", "Homs"]
    assert [e["text"] for e in record.evidence] == [s for s, _, _ in SENTENCES[:4]]


def test_records_point_into_the_article_and_serialise_to_json():
    [record] = build()
    d = record.to_dict()
    assert list(d) == [
        "event_type",
        "event_type_score",
        "sub_event_type",
        "sub_event_type_score",
        "date",
        "date_mention",
        "actor1",
        "actor2",
        "actors",
        "inter1",
        "inter2",
        "interaction",
        "location",
        "geo_status",
        "geo_mention",
        "geo_name",
        "country",
        "iso",
        "admin1",
        "admin2",
        "latitude",
        "longitude",
        "geonameid",
        "geo_precision",
        "fatalities",
        "fatalities_range",
        "evidence",
    ]
    assert d["geo_status"] == "unavailable" and d["latitude"] is None  # built without a gazetteer
    for item in d["actor1"] + d["actor2"] + d["actors"] + d["location"] + d["evidence"]:
        assert TEXT[item["start"] : item["end"]] == item["text"]
    assert json.loads(json.dumps(d)) == d


def test_background_and_covid_sentences_give_no_record_and_no_evidence():
    [record] = build()
    evidence = " ".join(e["text"] for e in record.evidence)
    assert "coronavirus" not in evidence and "2019" not in evidence


def test_the_same_input_gives_the_same_records():
    assert [r.to_dict() for r in build()] == [r.to_dict() for r in build()]


def test_dozens_killed_gives_a_range_and_no_number():
    text = "Dozens of villagers were killed when gunmen raided Tamo on Sunday, residents said."
    views = [SentenceView(0, len(text), text, [("Violence against civilians", 0.9)], [("Attack", 0.8)])]
    [record] = build_events(text, views, [at(text, "Tamo", "Location")], "2021-06-10")
    assert record.fatalities is None and record.fatalities_range == [24, 99]
    assert record.date == "2021-06-06"


def test_an_undated_incident_keeps_its_vague_mention_and_may_fall_back_to_the_article_date():
    text = "Gunmen killed two herders near Tamo last week, residents said."
    views = [SentenceView(0, len(text), text, [("Violence against civilians", 0.9)], [("Attack", 0.8)])]
    [record] = build_events(text, views, [], "2021-06-10")
    assert (record.date, record.date_mention, record.fatalities) == (None, "last week", 2)
    [fallback] = build_events(text, views, [], "2021-06-10", date_fallback_to_article=True)
    assert fallback.date == "2021-06-10"


def test_two_incidents_in_one_article_give_two_records_in_text_order():
    parts = [
        (
            "A car bomb exploded at a cattle market in Baidoa on Thursday, killing seven people.",
            ("Explosions/Remote violence", 0.9),
            ("Remote explosive/landmine/IED", 0.8),
        ),
        (
            "In a separate incident in Kismayo on Friday, gunmen abducted two aid workers.",
            ("Violence against civilians", 0.85),
            ("Abduction/forced disappearance", 0.8),
        ),
    ]
    text = " ".join(p for p, _, _ in parts)
    mentions = [at(text, "Baidoa", "Location"), at(text, "Kismayo", "Location")]
    records = build_events(text, sentence_views(text, parts), mentions, "2021-06-12")
    assert [(r.event_type, r.date, r.fatalities, r.location[0]["text"]) for r in records] == [
        ("Explosions/Remote violence", "2021-06-10", 7, "Baidoa"),
        ("Violence against civilians", "2021-06-11", None, "Kismayo"),
    ]


# two sentences typed none between two incidents keep them apart (max_gap=0 below): separate records
NO_EVENT = [
    ("The man was not seen again.", ("none", 0.9), ("none", 0.9)),
    ("The man was not seen again either.", ("none", 0.9), ("none", 0.9)),
]


def records_naming(parts, places: list[str]) -> tuple[str, list[EventRecord]]:
    """The text of ``parts`` and its records, each incident apart, with ``places`` tagged as Location."""
    text = " ".join(p for p, _, _ in parts)
    mentions = [at(text, place, "Location") for place in places]
    return text, build_events(text, sentence_views(text, parts), mentions, "2021-06-12", max_gap=0)


def test_a_record_whose_sentences_name_no_place_takes_the_places_of_the_record_before_it():
    parts = [
        (
            "On Friday, motorcycle taxi drivers clashed with matatu operators in Kondele.",
            ("Riots", 0.9),
            ("Mob violence", 0.8),
        ),
        *NO_EVENT,
        (
            "Police later fired tear gas at the crowd, killing a woman.",
            ("Violence against civilians", 0.85),
            ("Attack", 0.8),
        ),
        (
            "On Sunday, gunmen abducted two aid workers in Kismayo.",
            ("Violence against civilians", 0.85),
            ("Abduction/forced disappearance", 0.8),
        ),
    ]
    text, records = records_naming(parts, ["Kondele", "Kismayo"])
    assert [(r.sub_event_type, [p["text"] for p in r.location]) for r in records] == [
        ("Mob violence", ["Kondele"]),
        ("Attack", ["Kondele"]),  # no place in its sentence: the earlier record's, at its offsets
        ("Abduction/forced disappearance", ["Kismayo"]),
    ]
    assert records[1].location[0]["start"] == text.index("Kondele")
    # the first record without a place takes the nearest later one's; an article without places gives none
    _, records = records_naming(parts, ["Kismayo"])
    assert [[p["text"] for p in r.location] for r in records] == [["Kismayo"]] * 3
    _, records = records_naming(parts, [])
    assert [r.location for r in records] == [[], [], []]


def test_a_record_with_only_nouns_for_places_takes_the_named_places_before_its_own():
    parts = [
        ("Students clashed with police in Koudougou on Friday.", ("Riots", 0.9), ("Mob violence", 0.8)),
        *NO_EVENT,
        (
            "Demonstrating students also torched government buildings.",
            ("Riots", 0.85),
            ("Violent demonstration", 0.8),
        ),
    ]
    _, records = records_naming(parts, ["Koudougou", "government buildings"])
    assert [[p["text"] for p in r.location] for r in records] == [
        ["Koudougou"],
        ["Koudougou", "government buildings"],
    ]


ARTICLE = {
    "event_type": ("Battles", 0.97),
    "sub_event_type": ("Government regains territory", 0.71),
    "inter1": ("State forces", 0.8),
    "inter2": ("Rebel group", 0.6),
}


def test_an_article_with_one_incident_takes_the_articles_own_labels():
    # the pooled reading of the whole report, as training reads a note, outranks the sentences' vote
    [record] = build(article_labels=ARTICLE)
    assert (record.event_type, record.event_type_score) == ("Battles", 0.97)
    assert (record.sub_event_type, record.sub_event_type_score) == ("Government regains territory", 0.71)
    assert (record.inter1, record.inter2, record.interaction) == ("State forces", "Rebel group", 12)
    assert [e["text"] for e in record.evidence] == [s for s, _, _ in SENTENCES[:4]]  # the rules are unchanged


def test_an_article_typed_none_or_with_two_incidents_keeps_the_sentence_vote():
    [record] = build(article_labels={**ARTICLE, "event_type": ("none", 0.6), "sub_event_type": ("none", 0.6)})
    assert (record.event_type, record.sub_event_type, record.inter1) == ("Battles", "Armed clash", None)
    [partial] = build(article_labels={**ARTICLE, "sub_event_type": ("none", 0.5)})
    assert (partial.sub_event_type, partial.inter1) == (
        "Armed clash",
        "State forces",
    )  # none: left to the vote
    parts = [
        (
            "A car bomb exploded at a cattle market in Baidoa on Thursday, killing seven people.",
            ("Explosions/Remote violence", 0.9),
            ("Remote explosive/landmine/IED", 0.8),
        ),
        (
            "In a separate incident in Kismayo on Friday, gunmen abducted two aid workers.",
            ("Violence against civilians", 0.85),
            ("Abduction/forced disappearance", 0.8),
        ),
    ]
    text = " ".join(p for p, _, _ in parts)
    records = build_events(text, sentence_views(text, parts), [], "2021-06-12", article_labels=ARTICLE)
    assert [r.sub_event_type for r in records] == [
        "Remote explosive/landmine/IED",
        "Abduction/forced disappearance",
    ]


def test_mismatched_offsets_are_rejected_naming_the_mention():
    views = sentence_views(TEXT, SENTENCES)
    bad = Mention(0, 6, "Location", "BAGHDAD")
    with pytest.raises(ValueError, match=r"mention 0 \(entities/Location\)"):
        build_events(TEXT, views, [bad], "2021-03-12")
    with pytest.raises(ValueError, match="sentence 0"):
        build_events(TEXT, [SentenceView(1, 10, "nope", [], [])], [], "2021-03-12")


def test_vote_weights_labels_by_score():
    assert vote([("Battles", 0.6, 0), ("Riots", 0.9, 1), ("Battles", 0.5, 2)]) == ("Battles", 0.6)
    assert vote([("Riots", 0.7, 3), ("Battles", 0.7, 1)]) == ("Battles", 0.7)  # tie: earlier sentence
    assert vote([("none", 0.9, 0)]) is None


# actors


def sides(text: str, *mentions: Mention) -> list[str]:
    return [mention_side(text, m, 0, len(text)) for m in mentions]


def test_the_agent_of_a_passive_killing_is_actor1():
    text = "Three soldiers were killed by Ansar Dine fighters near the border."
    soldiers, ansar = at(text, "soldiers", "Organisation"), at(text, "Ansar Dine", "Organisation")
    assert sides(text, soldiers, ansar) == ["target", "attacker"]
    actor1, actor2 = order_actors(text, [soldiers, ansar], [(0, len(text))], "Battles")
    assert [a.text for a in actor1] == ["Ansar Dine"] and [a.text for a in actor2] == ["soldiers"]


@pytest.mark.parametrize(
    "text, attacker, target",
    [
        ("An Ansar Dine unit launched an offensive against army positions on Monday.", "Ansar Dine", "army"),
        ("Clashes between the army and Fulani militiamen left five dead.", "army", "Fulani militiamen"),
        ("Jihadist factions led by Katiba Macina attacked the Mali army base.", "Katiba Macina", "Mali army"),
        ("Officials blamed al-Shabaab for the attack on the AMISOM convoy.", "al-Shabaab", "AMISOM"),
    ],
)
def test_attacker_before_target(text, attacker, target):
    a, t = at(text, attacker, "Organisation"), at(text, target, "Organisation")
    actor1, actor2 = order_actors(text, [t, a], [(0, len(text))], "Battles")
    assert [x.text for x in actor1] == [attacker] and [x.text for x in actor2] == [target]


def test_sources_are_not_actors():
    text = "Ansar fighters attacked the town, the Observatory for Human Rights said, according to Reuters."
    ansar = at(text, "Ansar", "Organisation")
    obs = at(text, "Observatory for Human Rights", "Organisation")
    reuters = at(text, "Reuters", "Organisation")
    assert sides(text, ansar, obs, reuters) == ["attacker", "source", "source"]
    actor1, actor2 = order_actors(text, [ansar, obs, reuters], [(0, len(text))], "Battles")
    assert [a.text for a in actor1] == ["Ansar"] and actor2 == []


def test_duplicate_mentions_merge_into_the_longest():
    text = (
        "Hurras al-Deen attacked a post. Hurras al-Deen fighters later withdrew, and the hurras al-deen "
        "commander fled."
    )
    ms = [
        at(text, "Hurras al-Deen", "Organisation"),
        at(text, "Hurras al-Deen fighters", "Organisation"),
        at(text, "hurras al-deen", "Organisation"),
    ]
    actor1, _ = order_actors(text, ms, [(0, 31), (32, len(text))], "Battles")
    assert len(actor1) == 1 and actor1[0].text == "Hurras al-Deen fighters" and len(actor1[0].mentions) == 3
    assert text[actor1[0].start : actor1[0].end] == "Hurras al-Deen fighters"


def test_role_spans_decide_when_present():
    text = "Police arrested two men after the raid in Kano."
    police, men = at(text, "Police", "S", head="roles"), at(text, "two men", "T", head="roles")
    entity = at(text, "Kano", "Location")
    actor1, actor2 = order_actors(text, [men, police, entity], [(0, len(text))], "Strategic developments")
    assert [a.text for a in actor1] == ["Police"] and [a.text for a in actor2] == ["two men"]
    text = "The government and the rebels signed a ceasefire in Juba."
    gov, rebels = at(text, "government", "R", head="roles"), at(text, "rebels", "R", head="roles")
    actor1, actor2 = order_actors(text, [rebels, gov], [(0, len(text))], "Strategic developments")
    assert [a.text for a in actor1] == ["government"] and [a.text for a in actor2] == ["rebels"]


def test_protesters_come_first_in_a_protest_with_intervention():
    text = "Police fired tear gas to disperse opposition supporters who marched in Dakar."
    police, supporters = at(text, "Police", "Organisation"), at(text, "opposition supporters", "Organisation")
    actor1, actor2 = order_actors(text, [police, supporters], [(0, len(text))], "Protests")
    assert [a.text for a in actor1] == ["opposition supporters"] and [a.text for a in actor2] == ["Police"]


# locations


@pytest.mark.parametrize(
    "text, place, level",
    [
        ("Fighters seized the villages of Tall Nasr and Jubb Ramla.", "Jubb Ramla", SITE),
        ("Gunmen attacked the town of Konduga at dawn.", "Konduga", SITE),
        ("Fighting spread to Sahl al-Ghab, a region of the central province.", "Sahl al-Ghab", REGION),
        ("Shelling hit the countryside of the province of Hama.", "Hama", REGION),
        ("Troops were deployed in Borno State.", "Borno State", REGION),
        ("Clashes continued in northwest Syria.", "northwest Syria", COUNTRY),
        ("Clashes continued near Kafr Zita.", "Kafr Zita", PLACE),
    ],
)
def test_place_levels_from_cue_words(text, place, level):
    assert place_level(text, at(text, place, "Location")) == level


def test_villages_rank_before_provinces_and_countries():
    text = (
        "Jihadists attacked the villages of Tall Nasr and Jubb Ramla in the province of Hama in "
        "northwest Syria, and shelled Tall Nasr again at night."
    )
    ms = [at(text, w, "Location") for w in ("Tall Nasr", "Jubb Ramla", "Hama", "northwest Syria")]
    ms.append(at(text, "Tall Nasr", "Location", 1))
    assert [p.text for p in rank_places(text, ms)] == ["Tall Nasr", "Jubb Ramla", "Hama", "northwest Syria"]


def test_role_spans_on_places_or_numbers_are_not_actors():
    text = "Hundreds of teachers protested in Haifa city, 250 marched to the ministry."
    teachers = at(text, "teachers", "S", head="roles")
    city_role, city = at(text, "Haifa city", "S", head="roles"), at(text, "Haifa city", "Location")
    number = at(text, "250", "S", head="roles")
    actor1, actor2 = order_actors(text, [teachers, city_role, city, number], [(0, len(text))], "Protests")
    assert [a.text for a in actor1 + actor2] == ["teachers"]


# --- actor categories (inter1 / inter2 heads) ---------------------------------------------------------------


def _with_inter(views: list[SentenceView], inter: list[tuple[tuple, tuple]]) -> list[SentenceView]:
    return [
        SentenceView(v.start, v.end, v.text, v.event_type, v.sub_event_type, [i1], [i2])
        for v, (i1, i2) in zip(views, inter, strict=True)
    ]


def test_actor_categories_are_voted_like_the_sub_event_type():
    views = _with_inter(
        sentence_views(TEXT, SENTENCES),
        [
            (("Rebel group", 0.6), ("State forces", 0.7)),
            (("Rebel group", 0.5), ("State forces", 0.5)),
            (("State forces", 0.9), ("Rebel group", 0.9)),  # one sentence, higher score: outvoted 1.1 to 0.9
            (("Civilians", 0.99), ("No actor2", 0.99)),  # "none" sentence: evidence only, no vote
            (("Civilians", 0.9), ("No actor2", 0.9)),
            (("Civilians", 0.9), ("No actor2", 0.9)),
        ],
    )
    [record] = build_events(TEXT, views, MENTIONS, "2021-03-12")
    assert (record.inter1, record.inter2, record.interaction) == ("Rebel group", "State forces", 12)
    d = record.to_dict()
    assert (d["inter1"], d["inter2"], d["interaction"]) == ("Rebel group", "State forces", 12)


def test_no_actor2_gives_a_single_actor_interaction_and_no_heads_give_none():
    views = _with_inter(sentence_views(TEXT, SENTENCES), [(("Protesters", 0.8), ("No actor2", 0.8))] * 6)
    [record] = build_events(TEXT, views, MENTIONS, "2021-03-12")
    assert (record.inter1, record.inter2, record.interaction) == ("Protesters", "No actor2", 60)
    [plain] = build()  # sentences without inter labels: a model without the heads
    assert (plain.inter1, plain.inter2, plain.interaction) == (None, None, None)
