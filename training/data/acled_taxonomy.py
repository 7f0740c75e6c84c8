"""The current (post-2019) ACLED event taxonomy as data: 6 event types, 25 sub-event types.

Spellings are ACLED's exactly as they appear in the exports under the shared data (checked by a test);
``CASE2021_CODES`` maps the CASE 2021 task 2 codes (``case2021_task2_taxonomy/event_types.txt``) onto them.
Importable without torch.
"""

from __future__ import annotations

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": (
        "Violent demonstration",
        "Mob violence",
    ),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

SUB_EVENT_TYPES: tuple[str, ...] = tuple(s for subs in EVENT_TYPES.values() for s in subs)

_PARENT: dict[str, str] = {sub: ev for ev, subs in EVENT_TYPES.items() for sub in subs}

# CASE 2021 task 2 ("seen" ACLED types) code -> ACLED sub-event type.
CASE2021_CODES: dict[str, str] = {
    "ABDUCT_DISSAP": "Abduction/forced disappearance",
    "AGREEMENT": "Agreement",
    "AIR_STRIKE": "Air/drone strike",
    "ARMED_CLASH": "Armed clash",
    "ARREST": "Arrests",
    "ART_MISS_ATTACK": "Shelling/artillery/missile attack",
    "ATTACK": "Attack",
    "CHANGE_TO_GROUP_ACT": "Change to group/activity",
    "CHEM_WEAP": "Chemical weapon",
    "DISR_WEAP": "Disrupted weapons use",
    "FORCE_AGAINST_PROTEST": "Excessive force against protesters",
    "GOV_REGAINS_TERIT": "Government regains territory",
    "GRENADE": "Grenade",
    "HQ_ESTABLISHED": "Headquarters or base established",
    "MOB_VIOL": "Mob violence",
    "NON_STATE_ACTOR_OVERTAKES_TER": "Non-state actor overtakes territory",
    "NON_VIOL_TERRIT_TRANSFER": "Non-violent transfer of territory",
    "OTHER": "Other",
    "PEACE_PROTEST": "Peaceful protest",
    "PROPERTY_DISTRUCT": "Looting/property destruction",
    "PROTEST_WITH_INTER": "Protest with intervention",
    "REM_EXPLOS": "Remote explosive/landmine/IED",
    "SEX_VIOL": "Sexual violence",
    "SUIC_BOMB": "Suicide bomb",
    "VIOL_DEMONSTR": "Violent demonstration",
}

# ACLED's numeric actor-type ("inter") codes, used by older exports; newer ones write the names directly.
INTER_CODES: dict[str, str] = {
    "1": "State forces",
    "2": "Rebel group",
    "3": "Political militia",
    "4": "Identity militia",
    "5": "Rioters",
    "6": "Protesters",
    "7": "Civilians",
    "8": "External/Other forces",
}
# The inter2 label of an event with no second actor (ACLED's inter2 code 0; "... only" interactions).
NO_ACTOR2 = "No actor2"


def parent_of(sub_event_type: str) -> str:
    """The event type a sub-event type belongs to; KeyError (listing the known ones) if it is not ACLED's."""
    try:
        return _PARENT[sub_event_type]
    except KeyError:
        known = ", ".join(SUB_EVENT_TYPES)
        raise KeyError(f"unknown ACLED sub_event_type {sub_event_type!r}; known: {known}") from None


def is_valid_pair(event_type: str, sub_event_type: str) -> bool:
    """True when both names are ACLED's and the sub-type belongs to the event type."""
    return _PARENT.get(sub_event_type) == event_type
