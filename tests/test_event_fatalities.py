"""Fatalities: counts attached to death words, summed per sentence, the largest per incident."""

from __future__ import annotations

import pytest

from inference.events.fatalities import Fatalities, incident_fatalities, sentence_fatalities


def count(sentence: str) -> int | None:
    f = sentence_fatalities(sentence)
    return None if f is None else f.value


@pytest.mark.parametrize(
    "sentence, total",
    [
        (
            "Rebels overran an army outpost on Sunday, in fighting that left 14 soldiers and 9 rebels dead, a "
            "monitor said.",
            23,
        ),
        ("The gunmen opened fire on the bus, killing four passengers and two police escorts.", 6),
        ("Seven pro-government militiamen and 11 jihadists dead after the assault, the monitor added.", 18),
        ("The raid killed three soldiers, two police officers and a civilian.", 6),
        ("Two soldiers and a civilian were killed when the convoy hit a mine.", 3),
        ("The army said 14 militants were killed and that three soldiers died in the operation.", 17),
    ],
)
def test_coordinated_counts_with_one_death_word_are_summed(sentence, total):
    assert count(sentence) == total


@pytest.mark.parametrize(
    "sentence, total",
    [
        ("Militants killed 3 and wounded 12 in the attack on the base.", 3),
        ("Five villagers were killed and eight wounded in the shelling.", 5),
        ("Nine were injured and two killed when the roof collapsed.", 2),
        ("The blast killed 6 soldiers and 20 civilians were wounded.", 6),
        ("A car bomb killed at least nine people and wounded 23 others outside the market.", 9),
    ],
)
def test_wounded_numbers_are_not_counted(sentence, total):
    assert count(sentence) == total


@pytest.mark.parametrize(
    "sentence",
    [
        "Police arrested 12 suspects after the protest.",
        "Gunmen abducted 30 students from the school.",
        "Fourteen people were wounded in the clashes.",
        "Two men were shot in the legs.",
        "Hundreds of protesters marched, and dozens were arrested.",
        "Three soldiers said the attackers had fled.",
        "Dozens of fighters arrived in pickup trucks.",
    ],
)
def test_sentences_without_deaths_report_none(sentence):
    assert sentence_fatalities(sentence) is None


def test_vague_death_counts_are_ranges_without_a_value():
    f = sentence_fatalities("Dozens of people were killed in the fighting, residents said.")
    assert (f.value, f.range) == (None, (24, 99))
    f = sentence_fatalities("The floods and landslides killed hundreds.")
    assert (f.value, f.range) == (None, (200, 999))


def test_a_vague_count_added_to_an_exact_one_stays_a_range():
    f = sentence_fatalities("The strike killed 12 fighters and dozens of civilians.")
    assert (f.value, f.range) == (None, (36, 111))


@pytest.mark.parametrize(
    "sentence, total",
    [
        ("The death toll from Tuesday's bombing rose to 14, health officials said.", 14),
        ("Two more bodies were recovered, bringing the death toll to 31.", 31),
        ("The toll has climbed to at least 20.", 20),
    ],
)
def test_a_death_toll_is_the_total(sentence, total):
    assert count(sentence) == total


@pytest.mark.parametrize(
    "sentence, total",
    [
        ("A soldier was killed when his patrol was ambushed.", 1),
        ("An explosion killed two people near the bus station.", 2),
        ("Two gunmen killed three villagers on Monday.", 3),
        ("Three civilians were killed by two gunmen.", 3),
        ("Gunmen shot dead four farmers on Sunday.", 4),
        ("Four farmers were shot dead in their fields.", 4),
        ("A man was beaten to death by a mob.", 1),
        ("At least 40 people lost their lives in the attack.", 40),
        ("Nineteen soldiers killed in ambush near the border.", 19),
        ("The bodies of five men were found near the river.", 5),
        ("Police found 12 bodies in a shallow grave.", 12),
        ("Three members of the security forces were killed in the ambush.", 3),
        ("Two soldiers were injured and one was killed.", 1),
    ],
)
def test_death_predicates_and_their_subjects_or_objects(sentence, total):
    assert count(sentence) == total


@pytest.mark.parametrize(
    "sentence, total",
    [
        ("The attack killed 12 people, including three children.", 12),
        ("Militants killed 10 people, six of them soldiers.", 10),
        ("Two soldiers, including an officer, were killed on Monday.", 2),
    ],
)
def test_subsets_are_not_added(sentence, total):
    assert count(sentence) == total


def test_explicit_no_deaths_is_zero():
    assert count("No one was killed in the blast, police said.") == 0
    assert count("The rocket hit an empty field and there were no casualties.") == 0


def test_incident_takes_the_largest_sentence_count_not_the_sum():
    lead = sentence_fatalities("The clashes left 19 soldiers and 22 jihadists dead, the monitor said.")
    repeat = sentence_fatalities("Its head said the fighting left 19 army troops and 22 jihadists dead.")
    partial = sentence_fatalities("Among them, 22 jihadists were killed.")
    assert incident_fatalities([lead, None, repeat, partial]).value == 41


def test_incident_prefers_a_stated_number_over_a_range():
    vague = sentence_fatalities("Dozens were killed.")
    toll = sentence_fatalities("The death toll rose to 41.")
    assert incident_fatalities([vague, toll]).value == 41
    assert incident_fatalities([vague, None]).range == (24, 99)
    assert incident_fatalities([None, None]) is None
    assert incident_fatalities([Fatalities(None, 3, 9), Fatalities(None, 24, 99)]).range == (24, 99)


def test_agreement_with_acled_coded_fatalities(shared_data):
    """The rules read ACLED's own notes: their count should match the coded fatalities on most events
    (measured: 0.94 of all rows, 0.77 of rows with deaths; misses are mostly ACLED's own conventions, e.g.
    deaths split across events or "dozens" coded as 12)."""
    import csv
    import re

    path = shared_data / "acled_global_2020_RPanlilio" / "acled.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    rows = agree = with_deaths = agree_with_deaths = 0
    with path.open(encoding="utf-8", errors="replace", newline="") as f:
        for row in csv.DictReader(f):
            if not row.get("fatalities", "").strip().isdigit():
                continue
            gold = int(row["fatalities"])
            sentences = re.split(r"(?<=[.!?])\s+", row["notes"])
            found = incident_fatalities(sentence_fatalities(s) for s in sentences)
            predicted = 0 if found is None else found.value
            rows += 1
            agree += predicted == gold
            with_deaths += gold > 0
            agree_with_deaths += gold > 0 and predicted == gold
    assert rows > 5000
    assert agree / rows >= 0.92
    assert agree_with_deaths / with_deaths >= 0.74


def test_deaths_said_to_be_further_ones_are_added_to_the_incident():
    lead = sentence_fatalities("Three policemen were killed when militants attacked the checkpoint.")
    more = sentence_fatalities("Officials said four militants were also killed in the exchange of fire.")
    assert more.additional and not lead.additional
    assert incident_fatalities([lead, more]).value == 7
    assert incident_fatalities([lead, sentence_fatalities("The monitor also said 3 were killed.")]).value == 3


def test_killed_or_wounded_is_a_range_and_animals_do_not_count():
    f = sentence_fatalities("Seven fighters were killed or wounded in the raid.")
    assert (f.value, f.range) == (None, (0, 7))
    assert sentence_fatalities("The raiders killed 15 livestock and burned 20 huts.") is None


def test_one_person_from_a_determiner_or_pronoun():
    assert count("Gunmen opened fire on the car, killing the driver.") == 1
    assert count("Police said his brother was shot and killed near the market.") == 1
    assert count("Snipers fired on a farmer, killing him.") == 1
    assert count("A woman was killed and her body dumped in a field.") == 1


@pytest.mark.parametrize(
    "sentence, total",
    [
        ("Soldiers attacked the village and two rebels were killed.", 2),
        ("On 12 March 2021, militants attacked a military checkpoint and two soldiers were killed.", 2),
        ("Gunmen raided the market and four civilians died.", 4),
        ("The mob torched the police station and 1 prisoner was killed by the flames.", 1),
        ("Rebels ambushed the convoy and the driver was killed.", 1),
        ("Militants burned 20 houses and 3 people were reportedly killed.", 3),
        ("Gunmen wounded three people and two soldiers were killed.", 2),
        ("In another incident, 4 children were killed when a mortar round exploded.", 4),
        ("During the clash, at least 10 were killed and two wounded.", 10),
        ("Police clashed with the protesters and a teenager was shot dead.", 1),
    ],
)
def test_an_object_of_a_verb_or_preposition_is_not_the_subject_of_the_next_clause(sentence, total):
    """A noun phrase after "attacked" / "in" is an object: the count after it is read alone."""
    assert sentence_fatalities(sentence).value == total


@pytest.mark.parametrize(
    "sentence, total",
    [
        ("The clashes left 19 soldiers and 22 jihadists dead.", 41),  # "left": a small clause
        ("Clashes resulted in 23 rebels dead and 12 captured.", 23),
        ("The fighting resulted in more than 20 militants killed.", 20),
        ("Police beat a young man to death in the market.", 1),
        ("The army reported 3 soldiers were killed.", 3),
        ("After two soldiers were killed, the army withdrew.", 2),
        ("A supporter of a local councillor was killed by gunmen.", 1),  # "of": part of the subject
        ("A man in the village died of his wounds.", 1),
        ("At least 36 soldiers from the Marsa Brigade operations room were killed near Sirte.", 36),
        ("Soldiers recovered 12 bodies near the village.", 12),
        ("Rebels killing the driver and two passengers.", 3),
    ],
)
def test_objects_still_counted_where_they_are_the_victims(sentence, total):
    assert sentence_fatalities(sentence).value == total
