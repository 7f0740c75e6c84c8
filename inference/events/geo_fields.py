"""The geo fields of an event record (filled by ``inference.events.geocoding``), apart so that the records and
the geocoder share them without importing each other."""

from __future__ import annotations

# In output order, after ``location``.
GEO_FIELDS = (
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
)
GEO_UNAVAILABLE = "unavailable"


def empty_geo(status: str = GEO_UNAVAILABLE) -> dict:
    """Geo fields with no place: every field None but ``geo_status``."""
    return {**dict.fromkeys(GEO_FIELDS), "geo_status": status}
