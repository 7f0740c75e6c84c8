"""Offline geocoding: GeoNames places from PyPI packages (``sources``), a SQLite name index built once
(``index_build``), and lookups by name (``gazetteer``). Nothing here is imported until event records are built."""
