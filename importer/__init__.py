"""Importing real exports into a contract database, so OneScreen can show data nobody made for it.

Two formats: CSV with a mapping file (importer/mappings/*.toml), and Open311
GeoReport v2 request JSON (the same mapping file names its fields). Areas
come from the export's code columns or from GeoJSON boundary files. Rows
that cannot be read are reported with their line and reason; none stops
the import, none disappears unreported. Run it as `python -m importer`
(see __main__.py); the importer writes with its own engine, the dashboard
still only reads.
"""
