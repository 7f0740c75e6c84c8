"""Rules that turn a labelled article (sentence labels + entity / role spans) into ACLED-style event records.

Standard library only; independent of the tagger's classes: callers adapt their results to ``SentenceView``
and ``Mention`` and call ``build_events``.
"""

from inference.events.dates import ResolvedDate, find_date_mentions, resolve_date
from inference.events.fatalities import Fatalities, incident_fatalities, sentence_fatalities
from inference.events.inputs import Mention, SentenceView
from inference.events.numbers import Quantity, find_quantities, parse_quantity
from inference.events.records import EventRecord, build_events

__all__ = [
    "EventRecord",
    "Fatalities",
    "Mention",
    "Quantity",
    "ResolvedDate",
    "SentenceView",
    "build_events",
    "find_date_mentions",
    "find_quantities",
    "incident_fatalities",
    "parse_quantity",
    "resolve_date",
    "sentence_fatalities",
]
