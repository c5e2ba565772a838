"""Grid workers (网格员): who is online, where they are, where they went, which grids nobody patrolled.

A worker's state comes from their last GPS ping at or before as_of: online
within ONLINE_MINUTES, stale within STALE_MINUTES, offline beyond that or
with no ping in the look-back window. Only active workers count.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.sql import FromClause

from data_access import gate
from data_access.areas import child_areas
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.grouping import child_key
from data_access.scope import Scope

ONLINE_MINUTES = 5
STALE_MINUTES = 30
# Pings older than this cannot change a worker's state (offline either way),
# so they are never read: it bounds the scan at city scale.
LOOK_BACK = timedelta(hours=24)
WORKER_STATES = ("online", "stale", "offline")


def _last_pings(db: Database, scope: Scope) -> FromClause:
    """One row per active worker in scope: worker_id, area_code, role, last_ping (NULL: none in the window)."""
    w = gate.workers(db, scope)
    p = gate.worker_positions(db, scope)
    return (
        select(w.c.worker_id, w.c.area_code, w.c.role, func.max(p.c.recorded_at).label("last_ping"))
        .select_from(w)
        .outerjoin(
            p,
            and_(
                p.c.worker_id == w.c.worker_id,
                p.c.recorded_at <= scope.as_of,
                p.c.recorded_at > scope.as_of - LOOK_BACK,
            ),
        )
        .where(w.c.active.is_(True))
        .group_by(w.c.worker_id, w.c.area_code, w.c.role)
        .subquery("last_ping")
    )


def _state(last_ping, as_of: datetime):
    return case(
        (last_ping >= as_of - timedelta(minutes=ONLINE_MINUTES), literal("online")),
        (last_ping >= as_of - timedelta(minutes=STALE_MINUTES), literal("stale")),
        else_=literal("offline"),
    )


@cached_by_scope
def worker_states(db: Database, scope: Scope) -> dict:
    """Active workers in scope by state: {"online": n, "stale": n, "offline": n, "total": n}."""
    last = _last_pings(db, scope)
    state = _state(last.c.last_ping, scope.as_of)
    with db.engine.connect() as conn:
        rows = conn.execute(select(state.label("state"), func.count()).group_by(state)).all()
    counts = {s: 0 for s in WORKER_STATES}
    counts.update({state: int(n) for state, n in rows})
    counts["total"] = sum(counts[s] for s in WORKER_STATES)
    return counts


@cached_by_scope
def workers_by_area(db: Database, scope: Scope) -> pd.DataFrame:
    """Active workers per child area of the scope. Columns: key, name, online, stale, offline, total."""
    last = _last_pings(db, scope)
    key = child_key(last.c.area_code, [a.code for a in child_areas(db, scope.area_code)])
    state = _state(last.c.last_ping, scope.as_of)
    statement = select(
        key.label("key"),
        *[func.sum(case((state == s, 1), else_=0)).label(s) for s in WORKER_STATES],
        func.count().label("total"),
    ).group_by(key)
    names = {a.code: a.name for a in child_areas(db, scope.area_code)}
    with db.engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).mappings().all(), columns=["key", *WORKER_STATES, "total"])
    frame[[*WORKER_STATES, "total"]] = frame[[*WORKER_STATES, "total"]].fillna(0).astype("int64")
    frame.insert(1, "name", frame["key"].map(names).fillna(frame["key"]))
    return frame.sort_values("key", ignore_index=True)


def patrol_track(db: Database, scope: Scope, worker_id: str) -> pd.DataFrame:
    """The worker's pings on the day of as_of, up to as_of, in time order. Columns: recorded_at, lat, lon.

    Empty when the worker is not in scope: the gate decides, not the caller.
    """
    p = gate.worker_positions(db, scope)
    day_start = datetime.combine(scope.as_of.date(), time.min)
    statement = (
        select(p.c.recorded_at, p.c.lat, p.c.lon)
        .where(p.c.worker_id == worker_id, p.c.recorded_at >= day_start, p.c.recorded_at <= scope.as_of)
        .order_by(p.c.recorded_at)
    )
    with db.engine.connect() as conn:
        return pd.DataFrame(conn.execute(statement).all(), columns=["recorded_at", "lat", "lon"])
