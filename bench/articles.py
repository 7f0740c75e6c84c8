"""Synthetic, news-like conflict articles for benchmarks: fictional, seeded, about ``target_tokens`` tokens each.

Each article is a wire-style dump record: a ``date YYYY-MM-DD`` line, a dateline, paragraphs of two to four
sentences drawn from templates and word lists, hard-wrapped at ~70 characters, so the tagger's normalisation,
sentence splitting and offset mapping are exercised as on real dumps. Same seed -> same articles.
"""

from __future__ import annotations

import random
import textwrap

PLACES = [
    "Konduga",
    "Maiduguri",
    "Tillaberi",
    "Kismayo",
    "Dakar",
    "Gao",
    "Mopti",
    "Beni",
    "Bunia",
    "Goma",
    "Kidal",
    "Mogadishu",
    "Baidoa",
    "Ouagadougou",
    "Djibo",
    "Diffa",
    "Agadez",
    "Timbuktu",
    "Jowhar",
    "Marka",
]
REGIONS = [
    "Borno State",
    "North Kivu",
    "Ituri province",
    "the Sahel",
    "Lower Shabelle",
    "the Liptako region",
    "Jubaland",
    "the Centre-Nord region",
    "Adamawa State",
    "the Lake Chad basin",
]
ARMED = [
    "gunmen",
    "suspected jihadists",
    "militants",
    "rebels",
    "bandits",
    "fighters of an armed group",
    "members of a local militia",
    "insurgents",
]
FORCES = [
    "soldiers",
    "police officers",
    "troops",
    "members of the national guard",
    "gendarmes",
    "security forces",
    "army units",
]
CIVILIANS = [
    "villagers",
    "traders",
    "farmers",
    "students",
    "worshippers",
    "displaced people",
    "aid workers",
    "herders",
    "fishermen",
    "passengers",
]
CROWDS = [
    "opposition supporters",
    "students",
    "teachers",
    "market traders",
    "taxi drivers",
    "nurses",
    "residents",
    "young men",
]
WEAPONS = [
    "machine guns",
    "rifles",
    "rocket-propelled grenades",
    "a roadside bomb",
    "mortars",
    "a car bomb",
    "a drone",
    "knives and machetes",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
OFFICIALS = [
    "a police spokesman",
    "the regional governor",
    "a local official",
    "the army",
    "witnesses",
    "a hospital source",
    "a human rights group",
    "residents",
    "a security source",
    "the interior ministry",
]
PEOPLE = [
    "Mamadou Ndiaye",
    "Abdullahi Yusuf",
    "Fatima Bello",
    "Hassan Sheikh",
    "Aminata Traore",
    "Joseph Kabila Mwamba",
    "Ibrahim Maiga",
    "Grace Achieng",
    "Omar Farah",
    "Salif Keita Diallo",
]

EVENT_SENTENCES = [
    "{Armed} attacked {place} in {region} on {day}, killing {n} {civilians} and wounding {m} others, {official} said.",
    "{Forces} clashed with {armed} near {place} on {day}; {n} {armed} and {m} {forces} were killed in the fighting.",
    "Police fired tear gas to disperse hundreds of {crowds} who tried to march on the governor's office in {place}.",
    "{Armed} armed with {weapons} stormed a checkpoint outside {place} shortly after dusk on {day}.",
    "At least {n} people were detained after the protest, according to {official}.",
    "{Armed} abducted {n} {civilians} travelling on the road between {place} and {place2} on {day}.",
    "An air strike hit a compound in {place} on {day}, killing {n} suspected militants, the army said.",
    "A roadside bomb exploded as a military convoy passed near {place}, killing {n} {forces}.",
    "Protesters burned tyres and threw stones at police in {place} on {day}; {n} people were injured.",
    "The army said it had retaken control of {place} after {n} days of fighting with {armed}.",
    "{Forces} arrested {person}, a local commander of the group, in a raid on a house in {place} on {day}.",
    "Security forces seized {n} rifles and a quantity of ammunition during a search of {place} market.",
    "{Armed} set fire to {n} houses and looted shops in {place} before fleeing towards {place2}.",
    "{Crowds} gathered peacefully outside parliament in {place} on {day} to demand the release of {person}.",
]
CONTEXT_SENTENCES = [
    "The insurgency in {region} began more than a decade ago and has killed tens of thousands of people.",
    "Attacks on security posts along the {place}-{place2} road have become less frequent in recent months.",
    "{Person}, who leads the opposition, said the charges against him were politically motivated.",
    "Health officials in {region} reported a rise in cholera cases after heavy rains flooded several camps.",
    "The finance ministry forecast on {day} that the economy would grow by more than {n} percent next year.",
    "Shops in the centre of {place} reopened by evening and traffic returned to normal, residents said.",
    "Aid agencies say more than {n} thousand people have fled their homes in {region} since January.",
    '"We lost {n} of our men, but the attackers paid a heavy price," a commander in {place} said.',
    "The government has promised to send more troops to {region} and to open new bases along the border.",
    "Gen. {person} told reporters in {place} that the U.N. mission would stay until the end of the year.",
    "No group has claimed responsibility for the attack, which came a week after talks broke down.",
    "Local leaders called for calm and urged residents not to take the law into their own hands.",
]


def _fill(template: str, rng: random.Random) -> str:
    place, place2 = rng.sample(PLACES, 2)
    values = {
        "armed": rng.choice(ARMED),
        "forces": rng.choice(FORCES),
        "civilians": rng.choice(CIVILIANS),
        "crowds": rng.choice(CROWDS),
        "weapons": rng.choice(WEAPONS),
        "place": place,
        "place2": place2,
        "region": rng.choice(REGIONS),
        "day": rng.choice(DAYS),
        "official": rng.choice(OFFICIALS),
        "person": rng.choice(PEOPLE),
        "n": rng.randint(2, 60),
        "m": rng.randint(1, 30),
    }
    values.update({k.capitalize(): str(v)[:1].upper() + str(v)[1:] for k, v in values.items()})
    return template.format(**values)


def make_article(rng: random.Random, count_tokens, target_tokens: int = 300) -> str:
    """One dump-style article of about ``target_tokens`` tokens (``count_tokens(text) -> int``)."""
    date = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    lead = f"{rng.choice(PLACES).upper()} (Wire) - " + _fill(rng.choice(EVENT_SENTENCES), rng)
    paragraphs = [[lead]]
    used = count_tokens(lead)
    while used < target_tokens:
        pool = EVENT_SENTENCES if rng.random() < 0.55 else CONTEXT_SENTENCES
        sentence = _fill(rng.choice(pool), rng)
        if len(paragraphs[-1]) >= rng.randint(2, 4):
            paragraphs.append([])
        paragraphs[-1].append(sentence)
        used += count_tokens(sentence)
    wrapped = ["\n".join(textwrap.wrap(" ".join(p), width=70)) for p in paragraphs]
    return f"date {date}\n" + "\n\n".join(wrapped) + "\n"


def make_articles(n: int, count_tokens, *, target_tokens: int = 300, seed: int = 0) -> list[str]:
    """``n`` articles of about ``target_tokens`` tokens each, the same for the same ``seed``."""
    rng = random.Random(seed)
    return [make_article(rng, count_tokens, target_tokens) for _ in range(n)]
