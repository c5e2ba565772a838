"""The one kind of error the importer stops with: the CLI prints its message, never a traceback.

Each message says what was expected, what was found (with the line and the
value where there is one) and how to fix it (the mapping key to set), so an
integrator can act on it without reading the importer's code.
"""
from __future__ import annotations


class ImporterError(Exception):
    """The import cannot go on; nothing was written. The message is for the integrator."""
