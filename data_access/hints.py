"""Planner hints a statement carries for the databases that need them, and that read as nothing elsewhere.

SQLite plans from a count of rows per index and nothing else (no histogram
is built into Python's SQLite), so it cannot tell a grid from a city in a
range of area codes, nor an open ticket from a closed one. `likely(condition,
p)` tells it how often the condition holds (SQLite's own `likelihood()`,
which the statement's run never evaluates); PostgreSQL and MySQL/MariaDB keep
statistics of their own and are sent the bare condition.
"""
from __future__ import annotations

from sqlalchemy import Boolean, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class _Likely(FunctionElement):
    type = Boolean()
    inherit_cache = True
    name = "likelihood"
    # A condition itself, not a value to compare with 1 (which would hide the column from its index).
    _is_implicitly_boolean = True


def likely(condition, probability: float):
    """`condition`, with SQLite told it holds for about `probability` of the rows (0 < p <= 1)."""
    return _Likely(condition, literal_column(repr(min(1.0, max(probability, 1e-9)))))


@compiles(_Likely)
def _bare(element, compiler, **kw):
    return compiler.process(element.clauses.clauses[0], **kw)


@compiles(_Likely, "sqlite")
def _sqlite(element, compiler, **kw):
    return f"likelihood({compiler.process(element.clauses, **kw)})"
