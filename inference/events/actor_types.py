"""ACLED actor categories: their inter codes, a record's interaction code, and ACLED-style names of state forces.

The category names are ACLED's, as the ``inter1`` / ``inter2`` heads predict them; ``inter2`` also has
:data:`NO_ACTOR2` (ACLED's inter2 code 0). Standard library only.
"""

from __future__ import annotations

import re

INTER_CODES: dict[str, int] = {
    "State forces": 1,
    "Rebel group": 2,
    "Political militia": 3,
    "Identity militia": 4,
    "Rioters": 5,
    "Protesters": 6,
    "Civilians": 7,
    "External/Other forces": 8,
}
NO_ACTOR2 = "No actor2"
STATE_FORCES = "State forces"

# Words that, alone, name a state's forces without naming the state: "the army", "regime forces", "soldiers".
_GENERIC_FORCE_WORDS = frozenset(
    """
the government regime state security armed military national pro-government forces force troops army soldiers
soldier police policemen policeman officers gendarmes gendarmerie servicemen personnel
""".split()
)
_POLICE_WORDS = frozenset("police policemen policeman gendarmes gendarmerie".split())
_WORD = re.compile(r"[\w-]+")


def interaction_code(inter1: str | None, inter2: str | None) -> int | None:
    """ACLED's interaction: the two inter codes, the lower first (17: state forces and civilians, whichever is
    actor1), or actor1's code times ten with no actor2 (60: protesters alone); None when either is unknown."""
    first = INTER_CODES.get(inter1 or "")
    if first is None or inter2 is None:
        return None
    if inter2 == NO_ACTOR2:
        return first * 10
    second = INTER_CODES.get(inter2)
    if second is None:
        return None
    low, high = sorted((first, second))
    return low * 10 + high


def is_generic_state_force(text: str) -> bool:
    """Does the text name state forces without naming the state ("the army", "regime forces", "police")?"""
    words = _WORD.findall(text.casefold())
    return bool(set(words) - {"the"}) and all(w in _GENERIC_FORCE_WORDS for w in words)


def state_force_name(text: str | None, inter: str | None, country: str | None) -> str | None:
    """ACLED's name for a generic state-forces actor of a known country ("Military Forces of Syria", "Police
    Forces of Kenya"); None when the actor is not typed State forces, names itself, or the country is unknown."""
    if not text or inter != STATE_FORCES or not country or not is_generic_state_force(text):
        return None
    words = set(_WORD.findall(text.casefold()))
    kind = "Police" if words & _POLICE_WORDS else "Military"
    return f"{kind} Forces of {country}"
