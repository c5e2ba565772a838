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

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql import ColumnElement, FromClause

from data_access.database import Database
from data_access.scope import Scope

REFERENCE_TABLES = frozenset({"area", "department", "category"})


def in_area(column: ColumnElement, scope: Scope) -> ColumnElement:
    """`column` (an area code) lies in the scope's area or below it, and in an area the principal may see."""
    conditions = []
    if scope.area_code:
        conditions.append(column.startswith(scope.area_code, autoescape=True))
    if not scope.unrestricted_below:
        permitted = [column.startswith(code, autoescape=True) for code in scope.permitted_areas]
        conditions.append(or_(*permitted) if permitted else false())
    return and_(*conditions) if conditions else true()


def tickets(db: Database, scope: Scope, *, in_period: bool) -> FromClause:
    """Tickets in the scope's area and filters; with `in_period`, only those reported in its period."""
    t = db.contract_table("ticket")
    conditions = [in_area(t.c.area_code, scope)]
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
    return select(w).where(in_area(w.c.area_code, scope)).subquery("scoped_worker")


def worker_positions(db: Database, scope: Scope) -> FromClause:
    """Pings of the workers assigned inside the scope."""
    p = db.contract_table("worker_position")
    w = db.contract_table("grid_worker")
    return (
        select(p)
        .join(w, w.c.worker_id == p.c.worker_id)
        .where(in_area(w.c.area_code, scope))
        .subquery("scoped_position")
    )


def crowd_zones(db: Database, scope: Scope) -> FromClause:
    z = db.contract_table("crowd_zone")
    return select(z).where(in_area(z.c.area_code, scope)).subquery("scoped_zone")


def crowd_readings(db: Database, scope: Scope) -> FromClause:
    """Headcount samples of the crowd zones inside the scope.

    Samples with no zone cannot be placed in an area without spatial SQL,
    which the three dialects do not share, so they are not scoped data.
    """
    r = db.contract_table("crowd_reading")
    z = db.contract_table("crowd_zone")
    zones_in_scope = select(z.c.zone_id).where(in_area(z.c.area_code, scope))
    return select(r).where(r.c.zone_id.in_(zones_in_scope)).subquery("scoped_reading")


def fund_accounts(db: Database, scope: Scope) -> FromClause:
    a = db.contract_table("fund_account")
    return select(a).where(in_area(a.c.area_code, scope)).subquery("scoped_account")


def fund_expenses(db: Database, scope: Scope) -> FromClause:
    """Expenses charged to the fund accounts inside the scope."""
    e = db.contract_table("fund_expense")
    a = db.contract_table("fund_account")
    accounts_in_scope = select(a.c.account_id).where(in_area(a.c.area_code, scope))
    return select(e).where(e.c.account_id.in_(accounts_in_scope)).subquery("scoped_expense")


def areas(db: Database, scope: Scope) -> FromClause:
    """The scope's area and every area below it."""
    a = db.contract_table("area")
    return select(a).where(in_area(a.c.area_code, scope)).subquery("scoped_area")


def reference(db: Database, name: str) -> FromClause:
    """An unscoped reference table: area, department or category."""
    if name not in REFERENCE_TABLES:
        raise ValueError(f"{name} holds scoped data: read it through its gate function")
    return db.contract_table(name)
