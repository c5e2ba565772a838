"""Grid workers (网格员): who is online, where they are, where they went, which grids nobody patrolled.

A worker's state comes from their last GPS ping at or before as_of: online
within ONLINE_MINUTES, stale within STALE_MINUTES, offline beyond that or
with no ping in the look-back window. Only active workers count.

"Patrolled today" (今日已巡查) is decided by who pinged, not by where: a
grid is patrolled when at least one active worker assigned to it sent a ping
between the start of as_of's day and as_of. Telling where a ping fell would
need spatial SQL, which the three dialects do not share; a worker who walks
through a neighbour's grid does not patrol it here. The grids counted are
the finest ones: areas of level grid or micro_grid with no area below them.
A grid with no active worker assigned is unpatrolled too (nobody could have).

Who a worker is (name, id) and where one went today are personal data
(data_access.masking): they leave this module only for a scope with
personal_data. Any other scope gets positions without identity and no track.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.sql import ColumnElement, FromClause

from data_access import gate
from data_access.areas import child_areas_in_scope
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.grouping import child_key
from data_access.masking import identified, require_identified
from data_access.scope import Scope

ONLINE_MINUTES = 5
STALE_MINUTES = 30
# Pings older than this cannot change a worker's state (offline either way),
# so they are never read: it bounds the scan at city scale.
LOOK_BACK = timedelta(hours=24)
WORKER_STATES = ("online", "stale", "offline")
# The levels whose finest areas are patrolled (SCHEMA.md area.level).
PATROL_LEVELS = ("grid", "micro_grid")
ROSTER_COLUMNS = ["worker_id", "name", "role", "area_code", "last_ping", "state", "lat", "lon"]
# The roster's columns that say who a worker is: dropped for a scope without personal data.
IDENTITY_COLUMNS = ["worker_id", "name"]


def _last_pings(db: Database, scope: Scope) -> FromClause:
    """One row per active worker in scope: worker_id, area_code, role, last_ping (NULL: none in the window).

    The last ping is a correlated MAX per worker, which every database
    answers with a backwards seek on worker_position's primary key
    (worker_id, recorded_at): a street costs a few hundred seeks, and a city
    of 160,000 workers no more than a pass over its workers, instead of
    reading every ping of the look-back window.
    """
    w = gate.workers(db, scope)
    p = gate.worker_positions(db, scope)
    last_ping = (
        select(func.max(p.c.recorded_at))
        .where(
            p.c.worker_id == w.c.worker_id,
            p.c.recorded_at <= scope.as_of,
            p.c.recorded_at > scope.as_of - LOOK_BACK,
        )
        .scalar_subquery()
    )
    return (
        select(w.c.worker_id, w.c.area_code, w.c.role, last_ping.label("last_ping"))
        .where(w.c.active.is_(True))
        .subquery("last_ping")
    )


def _worker_states(db: Database, scope: Scope) -> FromClause:
    """One row per active worker in scope: area_code, state (online / stale / offline), as `_last_pings` finds them.

    The state is decided inside the per-worker lookup, on its MAX, so each
    worker's pings are sought once: a state computed outside from
    `_last_pings` repeated the correlated lookup in each WHEN and in the GROUP
    BY (four seeks per worker, each joining grid_worker again for the scope).
    """
    w = gate.workers(db, scope)
    pings = gate.pings_of(db, w)
    at = pings.selected_columns.recorded_at
    state = (
        pings.with_only_columns(_state(func.max(at), scope.as_of))
        .where(at <= scope.as_of, at > scope.as_of - LOOK_BACK)
        .scalar_subquery()
    )
    return select(w.c.area_code, state.label("state")).where(w.c.active.is_(True)).subquery("worker_state")


def _state(last_ping, as_of: datetime):
    return case(
        (last_ping >= as_of - timedelta(minutes=ONLINE_MINUTES), literal("online")),
        (last_ping >= as_of - timedelta(minutes=STALE_MINUTES), literal("stale")),
        else_=literal("offline"),
    )


def worker_states(db: Database, scope: Scope) -> dict:
    """Active workers in scope by state: {"online": n, "stale": n, "offline": n, "total": n}.

    The sums of `workers_by_area`: one pass over the workers answers both
    the tiles and the breakdown, and they cannot disagree.
    """
    by_area = workers_by_area(db, scope)
    counts = {state: int(by_area[state].sum()) for state in WORKER_STATES}
    counts["total"] = sum(counts[s] for s in WORKER_STATES)
    return counts


@cached_by_scope
def workers_by_area(db: Database, scope: Scope) -> pd.DataFrame:
    """Active workers per child area of the scope. Columns: key, name, online, stale, offline, total.

    Counted per (child, state) in the database and spread into columns here
    (three rows per child at most), so each worker's last ping is looked up
    once rather than once per state column.
    """
    states = _worker_states(db, scope)
    children = child_areas_in_scope(db, scope)
    key = child_key(states.c.area_code, [a.code for a in children])
    statement = (
        select(key.label("key"), states.c.state, func.count().label("workers")).group_by(key, states.c.state)
    )
    with db.connect() as conn:
        counts = pd.DataFrame(conn.execute(statement).all(), columns=["key", "state", "workers"])
    frame = (
        counts.pivot_table(index="key", columns="state", values="workers", aggfunc="sum", fill_value=0)
        .reindex(columns=list(WORKER_STATES), fill_value=0)
        .rename_axis(index="key", columns=None)
        .reset_index()
    )
    frame[list(WORKER_STATES)] = frame[list(WORKER_STATES)].astype("int64")
    frame["total"] = frame[list(WORKER_STATES)].sum(axis=1).astype("int64")
    names = {a.code: a.name for a in children}
    frame.insert(1, "name", [names.get(key, key) for key in frame["key"]])
    return frame.sort_values("key", ignore_index=True)


def patrol_track(db: Database, scope: Scope, worker_id: str) -> pd.DataFrame:
    """The worker's pings on the day of as_of, up to as_of, in time order. Columns: recorded_at, lat, lon.

    Empty when the worker is not in scope: the gate decides, not the caller.
    An individual's track is personal data: PersonalDataRequired without it.
    """
    require_identified(scope)
    p = gate.worker_positions(db, scope)
    day_start = datetime.combine(scope.as_of.date(), time.min)
    statement = (
        select(p.c.recorded_at, p.c.lat, p.c.lon)
        .where(p.c.worker_id == worker_id, p.c.recorded_at >= day_start, p.c.recorded_at <= scope.as_of)
        .order_by(p.c.recorded_at)
    )
    with db.connect() as conn:
        return pd.DataFrame(conn.execute(statement).all(), columns=["recorded_at", "lat", "lon"])


@cached_by_scope
def worker_roster(db: Database, scope: Scope, limit: int) -> pd.DataFrame:
    """Up to `limit` active workers in scope, by worker_id, with their last position.

    Columns: worker_id, name, role, area_code, last_ping, state (online /
    stale / offline), lat, lon (of the last ping; NaN with no ping in the
    look-back window). For a scope without personal data the positions come
    without identity: no worker_id, no name (IDENTITY_COLUMNS), still in
    worker_id order. Callers that must not show a partial list ask for one
    more than they will show, and compare.
    """
    last = _last_pings(db, scope)
    w = gate.workers(db, scope)
    p = gate.worker_positions(db, scope)
    statement = (
        select(
            last.c.worker_id, w.c.name, last.c.role, last.c.area_code, last.c.last_ping,
            _state(last.c.last_ping, scope.as_of).label("state"), p.c.lat, p.c.lon,
        )
        .join(w, w.c.worker_id == last.c.worker_id)
        .outerjoin(p, and_(p.c.worker_id == last.c.worker_id, p.c.recorded_at == last.c.last_ping))
        .order_by(last.c.worker_id)
        .limit(limit)
    )
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=ROSTER_COLUMNS)
    if not identified(scope):
        frame = frame.drop(columns=IDENTITY_COLUMNS)
    frame[["lat", "lon"]] = frame[["lat", "lon"]].astype(float)
    return frame


def worker_in_scope(db: Database, scope: Scope, worker_id: str) -> dict | None:
    """One worker of the scope: worker_id, name, role, area_code, active; None when not in scope.

    Who a worker is, and whether an id is in the scope at all, is personal
    data: PersonalDataRequired without it.
    """
    require_identified(scope)
    w = gate.workers(db, scope)
    statement = select(w.c.worker_id, w.c.name, w.c.role, w.c.area_code, w.c.active).where(w.c.worker_id == worker_id)
    with db.connect() as conn:
        row = conn.execute(statement).mappings().first()
    if row is None:
        return None
    return {**row, "active": bool(row["active"])}


def _patrolled_grid_codes(db: Database, scope: Scope):
    """The area codes that have an active assigned worker with a ping today (see the module's definition).

    "Has a ping today" is a correlated EXISTS per worker: a seek on
    worker_position's primary key, as for `_last_pings`.
    """
    w = gate.workers(db, scope)
    p = gate.worker_positions(db, scope)
    day_start = datetime.combine(scope.as_of.date(), time.min)
    pinged_today = exists().where(
        p.c.worker_id == w.c.worker_id, p.c.recorded_at >= day_start, p.c.recorded_at <= scope.as_of
    )
    return select(w.c.area_code).where(w.c.active.is_(True), pinged_today)


def _finest_grids(db: Database, scope: Scope) -> FromClause:
    """The finest grids in scope: level grid or micro_grid, with no area below them."""
    grids = gate.areas(db, scope)
    below = gate.reference(db, "area").alias("below")
    finest = and_(grids.c.level.in_(PATROL_LEVELS), ~exists().where(below.c.parent_code == grids.c.area_code))
    return select(grids.c.area_code, grids.c.name, grids.c.parent_code).where(finest).subquery("finest_grid")


def _unpatrolled(db: Database, scope: Scope, grids: FromClause) -> ColumnElement:
    return grids.c.area_code.not_in(_patrolled_grid_codes(db, scope))


@cached_by_scope
def patrol_coverage_by_area(db: Database, scope: Scope) -> pd.DataFrame:
    """Finest grids per child area of the scope, and how many nobody patrolled today.

    Columns: key (child area code; a grid that is the scope itself keys by
    its own code), name, grids, unpatrolled. Children without grids do not
    appear.
    """
    finest = _finest_grids(db, scope)
    unpatrolled = _unpatrolled(db, scope, finest)
    children = child_areas_in_scope(db, scope)
    key = child_key(finest.c.area_code, [a.code for a in children])
    statement = select(
        key.label("key"), func.count().label("grids"), func.sum(case((unpatrolled, 1), else_=0)).label("unpatrolled")
    ).group_by(key)
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=["key", "grids", "unpatrolled"])
    frame[["grids", "unpatrolled"]] = frame[["grids", "unpatrolled"]].fillna(0).astype("int64")
    names = {a.code: a.name for a in children}
    frame.insert(1, "name", [names.get(key, key) for key in frame["key"]])
    return frame.sort_values("key", ignore_index=True)


@cached_by_scope
def unpatrolled_grids(db: Database, scope: Scope, limit: int) -> pd.DataFrame:
    """Up to `limit` of the finest grids in scope nobody patrolled today, by area code.

    Columns: area_code, name, parent_code, workers (active workers assigned
    to the grid; 0: nobody is assigned). The full count is in
    `patrol_coverage_by_area`.
    """
    finest = _finest_grids(db, scope)
    w = gate.workers(db, scope)
    assigned = (
        select(func.count()).where(w.c.area_code == finest.c.area_code, w.c.active.is_(True)).scalar_subquery()
    )
    statement = (
        select(finest.c.area_code, finest.c.name, finest.c.parent_code, assigned.label("workers"))
        .where(_unpatrolled(db, scope, finest))
        .order_by(finest.c.area_code)
        .limit(limit)
    )
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=["area_code", "name", "parent_code", "workers"])
    frame["workers"] = frame["workers"].astype("int64")
    return frame
