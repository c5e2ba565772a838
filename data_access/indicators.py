"""The ticket indicators of SCHEMA.md, for a scope and broken down by a dimension.

Counting happens in the database (one aggregate statement per question);
Python only divides the counts into rates, so the rule "a zero denominator
is n/a, never 0" lives in one function, `_with_rates`. The API, the views and
the exports all call these functions: the same number on two screens is the
same query.

Indicator names are exactly SCHEMA.md's:
reported, cancelled, accepted, closed, due, closure_rate, on_time_closed,
on_time_closure_rate, rework_rate, avg_handle_hours, satisfaction_rate,
backlog, overdue. Rates are fractions (0.93) or None when n/a.
"""
from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql import ColumnElement, FromClause

from data_access import gate
from data_access.areas import child_areas_in_scope
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.grouping import child_key
from data_access.hints import likely
from data_access.scope import Scope
from data_access.sqltime import day_of, seconds_between

INDICATORS = (
    "reported",
    "cancelled",
    "accepted",
    "closed",
    "due",
    "closure_rate",
    "on_time_closed",
    "on_time_closure_rate",
    "rework_rate",
    "avg_handle_hours",
    "satisfaction_rate",
    "backlog",
    "overdue",
)
PERIOD_DIMENSIONS = ("area", "source", "category", "dept", "status", "day")
BACKLOG_DIMENSIONS = ("area", "source", "category", "dept", "status", "age")
# Backlog age buckets (by time since reported), youngest first: (key, lower bound in hours).
AGE_BUCKETS = (("lt_1d", 0), ("1_3d", 24), ("3_7d", 72), ("7_30d", 168), ("ge_30d", 720))
# About how many of all the tickets ever reported are never closed, or closed after a live as_of (0.27 % in the
# chengdu demo, a few days' tickets): a planner hint (data_access.hints), never a number shown.
OPEN_SHARE = 0.002


class UnknownDimension(ValueError):
    pass


def _count_if(condition: ColumnElement) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def _period_counts(t: FromClause, as_of) -> list[ColumnElement]:
    """The raw counts every period indicator is made of, as labelled SQL aggregates."""
    accepted = t.c.status != "cancelled"
    closed = and_(accepted, t.c.closed_at <= as_of)
    still_open = and_(accepted, or_(t.c.closed_at.is_(None), t.c.closed_at > as_of))
    return [
        func.count().label("reported"),
        _count_if(t.c.status == "cancelled").label("cancelled"),
        _count_if(closed).label("closed"),
        _count_if(and_(still_open, t.c.due_at > as_of)).label("pending_in_time"),
        _count_if(and_(accepted, t.c.due_at.is_not(None))).label("accepted_with_deadline"),
        _count_if(and_(closed, t.c.closed_at <= t.c.due_at)).label("on_time_closed"),
        _count_if(and_(accepted, t.c.rework_count > 0)).label("reworked"),
        _count_if(and_(accepted, t.c.rework_count.is_not(None))).label("rework_recorded"),
        func.sum(case((closed, seconds_between(t.c.closed_at, t.c.reported_at)))).label("handle_seconds"),
        func.count(t.c.satisfaction).label("rated"),
        _count_if(t.c.satisfaction >= 2).label("satisfied"),
    ]


def in_backlog(t: FromClause, as_of) -> ColumnElement:
    """SCHEMA.md's backlog: reported by as_of, not cancelled, not closed by as_of (whenever reported).

    Public so that lists of backlog tickets (data_access.ticket_lists) select
    exactly the tickets these counts count.
    """
    return and_(
        t.c.reported_at <= as_of,
        t.c.status != "cancelled",
        or_(t.c.closed_at.is_(None), t.c.closed_at > as_of),
    )


def backlog_tickets(t: FromClause, as_of) -> FromClause:
    """The tickets of `t` in the backlog at as_of, as a table to count or list from.

    Written as two halves, never closed and closed after as_of, each led by a
    condition on closed_at, so the database starts from the closed_at index
    and reads only open tickets, not every ticket ever reported (at chengdu
    scale on SQLite: 80 ms instead of 1.1 s). SQLite is told that each half
    holds few of the tickets (OPEN_SHARE), so a city or a district starts
    there, and a street or a grid from its area, whichever reads fewer.
    """
    never_closed = select(t).where(likely(t.c.closed_at.is_(None), OPEN_SHARE), in_backlog(t, as_of))
    closed_later = select(t).where(likely(t.c.closed_at > as_of, OPEN_SHARE), in_backlog(t, as_of))
    return union_all(never_closed, closed_later).subquery("backlog")


def _backlog_counts(b: FromClause, as_of) -> list[ColumnElement]:
    """Backlog and overdue over `b`, a `backlog_tickets` table."""
    return [func.count().label("backlog"), _count_if(b.c.due_at < as_of).label("overdue")]


def _ratio(numerator, denominator):
    return numerator / denominator if denominator else None


def _with_rates(counts: dict) -> dict:
    """SCHEMA.md's indicators from raw counts: the one place a rate is divided."""
    c = {k: int(v or 0) for k, v in counts.items() if k != "handle_seconds"}
    accepted = c["reported"] - c["cancelled"]
    due = accepted - c["pending_in_time"]
    # On-time closure counts only tickets that have a deadline; pending ones all do.
    due_with_deadline = c["accepted_with_deadline"] - c["pending_in_time"]
    handle_seconds = counts.get("handle_seconds")
    return {
        "reported": c["reported"],
        "cancelled": c["cancelled"],
        "accepted": accepted,
        "closed": c["closed"],
        "due": due,
        "closure_rate": _ratio(c["closed"], due),
        "on_time_closed": c["on_time_closed"],
        "on_time_closure_rate": _ratio(c["on_time_closed"], due_with_deadline),
        # A database that records no rework at all (an optional column) has no rate, not 0 %.
        "rework_rate": _ratio(c["reworked"], accepted) if c["rework_recorded"] else None,
        "avg_handle_hours": _ratio(float(handle_seconds or 0) / 3600, c["closed"]),
        "satisfaction_rate": _ratio(c["satisfied"], c["rated"]),
    }


@cached_by_scope
def kpis(db: Database, scope: Scope) -> dict:
    """All SCHEMA.md indicators for the scope, as {name: value}."""
    period = gate.tickets(db, scope, in_period=True)
    backlog_table = backlog_tickets(gate.tickets(db, scope, in_period=False), scope.as_of)
    with db.connect() as conn:
        counts = conn.execute(select(*_period_counts(period, scope.as_of))).mappings().one()
        backlog = conn.execute(select(*_backlog_counts(backlog_table, scope.as_of))).mappings().one()
    result = _with_rates(dict(counts))
    result["backlog"] = int(backlog["backlog"] or 0)
    result["overdue"] = int(backlog["overdue"] or 0)
    return result


@cached_by_scope
def kpis_by(db: Database, scope: Scope, dimension: str) -> pd.DataFrame:
    """Period indicators per group of `dimension`, plus backlog and overdue where both apply.

    Columns: key, name, then INDICATORS (backlog/overdue absent for `day`).
    `area` groups by the scope area's children, `category` by the children
    of the scope's category (the major classes when none is chosen). Rows
    are ordered by key; a group with no tickets does not appear.
    """
    if dimension not in PERIOD_DIMENSIONS:
        raise UnknownDimension(dimension)
    period = gate.tickets(db, scope, in_period=True)
    key, names = _group_key(db, scope, period, dimension)
    statement = select(key.label("key"), *_period_counts(period, scope.as_of)).group_by(key)
    with db.connect() as conn:
        rows = [dict(r) for r in conn.execute(statement).mappings()]
    frame = pd.DataFrame(
        [{"key": _key_text(r.pop("key")), **_with_rates(r)} for r in rows],
        columns=["key", *INDICATORS[:11]],
    )
    if dimension in BACKLOG_DIMENSIONS:
        backlog = backlog_by(db, scope, dimension)[["key", "backlog", "overdue"]]
        frame = frame.merge(backlog, on="key", how="outer")
        frame[["backlog", "overdue"]] = frame[["backlog", "overdue"]].fillna(0).astype("int64")
        count_columns = ["reported", "cancelled", "accepted", "closed", "due", "on_time_closed"]
        frame[count_columns] = frame[count_columns].fillna(0).astype("int64")
    return _named(frame.sort_values("key", na_position="last", ignore_index=True), names)


@cached_by_scope
def backlog_by(db: Database, scope: Scope, dimension: str) -> pd.DataFrame:
    """Backlog and overdue per group of `dimension` (any reporting date). Columns: key, name, backlog, overdue."""
    if dimension not in BACKLOG_DIMENSIONS:
        raise UnknownDimension(dimension)
    backlog_table = backlog_tickets(gate.tickets(db, scope, in_period=False), scope.as_of)
    if dimension == "age":
        key, names = _age_bucket(backlog_table, scope), {}
    else:
        key, names = _group_key(db, scope, backlog_table, dimension)
    statement = select(key.label("key"), *_backlog_counts(backlog_table, scope.as_of)).group_by(key)
    with db.connect() as conn:
        rows = conn.execute(statement).all()
    frame = pd.DataFrame(
        [{"key": _key_text(r.key), "backlog": int(r.backlog), "overdue": int(r.overdue or 0)} for r in rows],
        columns=["key", "backlog", "overdue"],
    )
    if dimension == "age":
        order = {bucket: i for i, (bucket, _) in enumerate(AGE_BUCKETS)}
        frame = frame.sort_values("key", key=lambda s: s.map(order), ignore_index=True)
    else:
        frame = frame.sort_values("key", na_position="last", ignore_index=True)
    return _named(frame, names)


def _age_bucket(t: FromClause, scope: Scope) -> ColumnElement:
    # Bounds are computed here, not in SQL, so the expression is the same on every dialect.
    whens = [
        (t.c.reported_at <= scope.as_of - timedelta(hours=hours), literal(bucket))
        for bucket, hours in reversed(AGE_BUCKETS[1:])
    ]
    return case(*whens, else_=literal(AGE_BUCKETS[0][0]))


def _group_key(db: Database, scope: Scope, t: FromClause, dimension: str) -> tuple[ColumnElement, dict]:
    """The SQL expression that groups tickets by `dimension`, and the display names of its keys."""
    if dimension == "area":
        children = [(a.code, a.name) for a in child_areas_in_scope(db, scope)]
        return child_key(t.c.area_code, [c for c, _ in children]), dict(children)
    if dimension == "category":
        children = _child_categories(db, scope.category_code)
        return child_key(t.c.category_code, list(children)), children
    if dimension == "dept":
        d = gate.reference(db, "department")
        with db.connect() as conn:
            names = dict(conn.execute(select(d.c.dept_code, d.c.name)).all())
        return t.c.dept_code, names
    if dimension == "day":
        return day_of(t.c.reported_at), {}
    return getattr(t.c, dimension), {}


def _child_categories(db: Database, parent_code: str | None) -> dict[str, str]:
    c = gate.reference(db, "category")
    parent = c.c.parent_code.is_(None) if parent_code is None else c.c.parent_code == parent_code
    with db.connect() as conn:
        return dict(conn.execute(select(c.c.category_code, c.c.name).where(parent)).all())


def _key_text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _named(frame: pd.DataFrame, names: dict) -> pd.DataFrame:
    frame.insert(1, "name", frame["key"].map(names) if names else frame["key"])
    frame["name"] = frame["name"].where(frame["name"].notna(), frame["key"])
    return frame
