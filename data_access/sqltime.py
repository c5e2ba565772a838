"""Time arithmetic that each dialect spells its own way, as SQLAlchemy expressions.

Queries stay one SQLAlchemy statement for all three databases; the dialect
differences live here and nowhere else.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class seconds_between(FunctionElement):
    """Whole seconds from `earlier` to `later` (later - earlier).

    Integer seconds make sums exact on every dialect, so SQLite, PostgreSQL
    and MySQL report identical averages.
    """

    type = BigInteger()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS BIGINT)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    # unixepoch() (SQLite 3.38+) is four times faster than strftime('%s'),
    # which matters over a month of tickets; older SQLite rounds julian days.
    if compiler.dialect.dbapi.sqlite_version_info >= (3, 38):
        return f"(unixepoch({later}) - unixepoch({earlier}))"
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


@compiles(seconds_between, "mysql")
@compiles(seconds_between, "mariadb")
def _seconds_mysql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"TIMESTAMPDIFF(SECOND, {earlier}, {later})"


class day_of(FunctionElement):
    """The calendar day of a timestamp (SQLite returns it as 'YYYY-MM-DD' text)."""

    type = Date()
    inherit_cache = True
    name = "day_of"


@compiles(day_of)
def _day(element, compiler, **kw):
    (moment,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"DATE({moment})"
