"""The one gate where a scope meets the SQL.

Every query module reads scoped data only through these functions: each
returns a contract table already narrowed to the scope's area (and, for
tickets, its filters and optionally its period). `in_area` is the single
expression that decides what "inside the scope" means: the scope's area and,
when a principal narrowed it (access.area_scope), the areas that principal
may see, denying everything when there are none. A query that skips the scope
cannot be written without calling `Database.contract_table` directly, which
a test forbids outside this module.

Reference tables (area names, departments, categories) are not scoped data:
a street leader still needs the name of the city above them.
"""
from __future__ import annotations

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.sql import ColumnElement, FromClause, Select

from data_access.database import Database
from data_access.hints import likely
from data_access.scope import Scope

REFERENCE_TABLES = frozenset({"area", "department", "category"})


def in_area(db: Database, column: ColumnElement, scope: Scope) -> ColumnElement:
    """`column` (an area code) lies in the scope's area or below it, and in an area the principal may see."""
    conditions = []
    if scope.area_code:
        conditions.append(at_or_under(db, column, scope.area_code))
    if not scope.unrestricted_below:
        permitted = [at_or_under(db, column, code) for code in scope.permitted_areas]
        conditions.append(or_(*permitted) if permitted else false())
    return and_(*conditions) if conditions else true()


def at_or_under(db: Database, column: ColumnElement, code: str) -> ColumnElement:
    """`column` starts with `code`: the area `code` or one below it, as an index on `column` can serve it.

    PostgreSQL and MySQL/MariaDB answer LIKE 'code%' from an index (PostgreSQL
    under any collation with varchar_pattern_ops, docs/integration.md), and
    there a range would not be the same set: a linguistic collation does not
    keep the codes that start with `code` together. SQLite never serves a LIKE
    from an index (its LIKE ignores case, its indexes do not), so a grid read
    the whole month; there the same set is the range from `code` to `code`
    with its last character one higher, in SQLite's binary text order, which
    the area indexes serve. The range is case-sensitive, as PostgreSQL's LIKE
    and Scope.permits are.

    SQLite's planner knows no more of a range than that it has two bounds, so
    it would start from the area index for the whole city too (a backlog half
    then read 2 M tickets: 22 s). It is told how much of the table the range
    holds (data_access.hints): the area's share of the area table, a proxy
    for its share of any table.
    """
    if db.dialect == "sqlite" and code and code.isascii():
        # The whole share on one bound; the other, left bare, would count as a quarter once more.
        return and_(likely(column >= code, _share_of_areas(db, code)), likely(column < _past(code), 1.0))
    return column.startswith(code, autoescape=True)


def _past(code: str) -> str:
    """The first text after every text that starts with `code` (ASCII, not empty): its last character one higher."""
    return code[:-1] + chr(ord(code[-1]) + 1)


def _share_of_areas(db: Database, code: str) -> float:
    """The fraction (two significant digits, above 0) of the area table at or under `code`, on SQLite.

    Each count is asked once per history window, as the area lookups are: the tree changes rarely.
    """
    a = db.contract_table("area")

    def count(*conditions) -> int:
        with db.connect() as conn:
            return conn.execute(select(func.count()).select_from(a).where(*conditions)).scalar() or 0

    total = db.cache.get_or_compute(f"gate.areas:{db.cache_namespace}", False, count)
    under = db.cache.get_or_compute(f"gate.areas:{db.cache_namespace}:{code}", False,
                                    lambda: count(a.c.area_code >= code, a.c.area_code < _past(code)))
    return float(f"{max(under, 1) / total:.2g}") if total else 1.0


def tickets(db: Database, scope: Scope, *, in_period: bool) -> FromClause:
    """Tickets in the scope's area and filters; with `in_period`, only those reported in its period."""
    t = db.contract_table("ticket")
    conditions = [in_area(db, t.c.area_code, scope)]
    if scope.sources:
        conditions.append(t.c.source.in_(scope.sources))
    if scope.category_code:
        conditions.append(t.c.category_code.startswith(scope.category_code, autoescape=True))
    if scope.dept_code:
        conditions.append(t.c.dept_code == scope.dept_code)
    if in_period:
        # The period ends at as_of too: a replay counts only the tickets that existed then.
        conditions += [
            t.c.reported_at >= scope.period_start,
            t.c.reported_at < scope.period_end,
            t.c.reported_at <= scope.as_of,
        ]
    return select(t).where(and_(*conditions)).subquery("scoped_ticket")


def workers(db: Database, scope: Scope) -> FromClause:
    w = db.contract_table("grid_worker")
    return select(w).where(in_area(db, w.c.area_code, scope)).subquery("scoped_worker")


def worker_positions(db: Database, scope: Scope) -> FromClause:
    """Pings of the workers assigned inside the scope."""
    p = db.contract_table("worker_position")
    w = db.contract_table("grid_worker")
    return (
        select(p)
        .join(w, w.c.worker_id == p.c.worker_id)
        .where(in_area(db, w.c.area_code, scope))
        .subquery("scoped_position")
    )


def pings_of(db: Database, workers_in_scope: FromClause) -> Select:
    """The pings of the current row of `workers_in_scope` (a `workers` table), for a lookup correlated on worker_id.

    The worker is in scope already, so the per-worker lookup need not join
    grid_worker again for the scope, as `worker_positions` does: at city
    scale that join doubled the work of 160,000 lookups.
    """
    p = db.contract_table("worker_position")
    return select(p.c.recorded_at, p.c.lat, p.c.lon).where(p.c.worker_id == workers_in_scope.c.worker_id)


def crowd_zones(db: Database, scope: Scope) -> FromClause:
    z = db.contract_table("crowd_zone")
    return select(z).where(in_area(db, z.c.area_code, scope)).subquery("scoped_zone")


def crowd_readings(db: Database, scope: Scope) -> FromClause:
    """Headcount samples of the crowd zones inside the scope.

    Samples with no zone cannot be placed in an area without spatial SQL,
    which the three dialects do not share, so they are not scoped data.
    """
    r = db.contract_table("crowd_reading")
    z = db.contract_table("crowd_zone")
    zones_in_scope = select(z.c.zone_id).where(in_area(db, z.c.area_code, scope))
    return select(r).where(r.c.zone_id.in_(zones_in_scope)).subquery("scoped_reading")


def fund_accounts(db: Database, scope: Scope) -> FromClause:
    a = db.contract_table("fund_account")
    return select(a).where(in_area(db, a.c.area_code, scope)).subquery("scoped_account")


def fund_expenses(db: Database, scope: Scope) -> FromClause:
    """Expenses charged to the fund accounts inside the scope."""
    e = db.contract_table("fund_expense")
    a = db.contract_table("fund_account")
    accounts_in_scope = select(a.c.account_id).where(in_area(db, a.c.area_code, scope))
    return select(e).where(e.c.account_id.in_(accounts_in_scope)).subquery("scoped_expense")


def areas(db: Database, scope: Scope) -> FromClause:
    """The scope's area and every area below it."""
    a = db.contract_table("area")
    return select(a).where(in_area(db, a.c.area_code, scope)).subquery("scoped_area")


def reference(db: Database, name: str) -> FromClause:
    """An unscoped reference table: area, department or category."""
    if name not in REFERENCE_TABLES:
        raise ValueError(f"{name} holds scoped data: read it through its gate function")
    return db.contract_table(name)
