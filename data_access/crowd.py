"""Crowd zones against their capacity: the latest snapshot, alerts with "since when", the day's replay.

A snapshot is every reading with the same recorded_at (SCHEMA.md); a zone's
headcount in a snapshot is the sum of its readings' people. A zone is in
alert while that sum exceeds its capacity.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, literal_column, select

from data_access import gate
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.scope import Scope

# How far back an alert's start is looked for: a crowd over capacity for
# longer than this is reported as "since at least" this long ago.
ALERT_LOOK_BACK = timedelta(hours=24)


def latest_snapshot_at(db: Database, scope: Scope) -> datetime | None:
    """The newest snapshot time in scope at or before as_of.

    A scope without crowd zones has no readings: that is asked first,
    because looking for its newest reading would walk the whole time index
    backwards without finding one.
    """
    z = gate.crowd_zones(db, scope)
    r = gate.crowd_readings(db, scope)
    statement = (
        select(r.c.recorded_at).where(r.c.recorded_at <= scope.as_of).order_by(r.c.recorded_at.desc()).limit(1)
    )
    with db.connect() as conn:
        if conn.execute(select(z.c.zone_id).limit(1)).first() is None:
            return None
        return conn.execute(statement).scalar()


def _zone_totals(db: Database, scope: Scope, since: datetime, until: datetime) -> pd.DataFrame:
    """People per zone per snapshot in [since, until]. Columns: zone_id, recorded_at, people."""
    r = gate.crowd_readings(db, scope)
    statement = (
        select(r.c.zone_id, r.c.recorded_at, func.sum(r.c.people).label("people"))
        .where(r.c.recorded_at >= since, r.c.recorded_at <= until)
        .group_by(r.c.zone_id, r.c.recorded_at)
        .order_by(r.c.zone_id, r.c.recorded_at)
    )
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=["zone_id", "recorded_at", "people"])
    frame["people"] = frame["people"].astype("int64")
    return frame


def _zones(db: Database, scope: Scope) -> pd.DataFrame:
    z = gate.crowd_zones(db, scope)
    with db.connect() as conn:
        rows = conn.execute(select(z.c.zone_id, z.c.name, z.c.area_code, z.c.capacity).order_by(z.c.zone_id)).all()
    return pd.DataFrame(rows, columns=["zone_id", "name", "area_code", "capacity"])


@cached_by_scope
def zone_load(db: Database, scope: Scope) -> pd.DataFrame:
    """Each zone in scope at the latest snapshot.

    Columns: zone_id, name, area_code, capacity, people (0 when the zone has
    no reading in the snapshot), load (people / capacity; NaN when capacity
    is not positive), over (people > capacity), snapshot_at.
    """
    zones = _zones(db, scope)
    snapshot = latest_snapshot_at(db, scope)
    if snapshot is None:
        totals = pd.DataFrame({"zone_id": pd.Series(dtype=object), "people": pd.Series(dtype="int64")})
    else:
        totals = _zone_totals(db, scope, snapshot, snapshot)[["zone_id", "people"]]
    frame = zones.merge(totals, on="zone_id", how="left")
    frame["people"] = frame["people"].fillna(0).astype("int64")
    frame["load"] = frame["people"] / frame["capacity"].where(frame["capacity"] > 0)
    frame["over"] = frame["people"] > frame["capacity"]
    frame["snapshot_at"] = snapshot
    return frame


@cached_by_scope
def crowd_alerts(db: Database, scope: Scope) -> pd.DataFrame:
    """Zones over capacity at the latest snapshot, with the snapshot their current run over capacity began.

    Columns: zone_id, name, capacity, people, since. Totals per zone and
    snapshot are summed in the database; finding where each run began walks
    that small aggregate (zones x snapshots of a day) in Python.
    """
    load = zone_load(db, scope)
    over = load[load["over"]]
    columns = ["zone_id", "name", "capacity", "people", "since"]
    if over.empty:
        return pd.DataFrame(columns=columns)
    snapshot = over["snapshot_at"].iloc[0]
    history = _zone_totals(db, scope, snapshot - ALERT_LOOK_BACK, snapshot)
    history = history.merge(load[["zone_id", "capacity"]], on="zone_id")
    starts = []
    for zone_id, runs in history.groupby("zone_id"):
        if zone_id not in set(over["zone_id"]):
            continue
        below = runs[runs["people"] <= runs["capacity"]]
        after_last_calm = runs[runs["recorded_at"] > below["recorded_at"].max()] if not below.empty else runs
        starts.append({"zone_id": zone_id, "since": after_last_calm["recorded_at"].min()})
    alerts = over.merge(pd.DataFrame(starts, columns=["zone_id", "since"]), on="zone_id", how="left")
    return alerts[columns].sort_values("since", ignore_index=True)


@cached_by_scope
def snapshots_of_day(db: Database, scope: Scope) -> pd.DataFrame:
    """People per zone for every snapshot of as_of's day up to as_of (the replay slider's data).

    Columns: zone_id, recorded_at, people.
    """
    day_start = datetime.combine(scope.as_of.date(), time.min)
    return _zone_totals(db, scope, day_start, scope.as_of)


def readings_at(db: Database, scope: Scope, snapshot: datetime) -> pd.DataFrame:
    """The heat points of one snapshot in scope. Columns: lat, lon, people, zone_id."""
    r = gate.crowd_readings(db, scope)
    statement = select(r.c.lat, r.c.lon, r.c.people, r.c.zone_id).where(r.c.recorded_at == snapshot)
    with db.connect() as conn:
        return pd.DataFrame(conn.execute(statement).all(), columns=["lat", "lon", "people", "zone_id"])



def heat_cells(db: Database, scope: Scope, snapshot: datetime, cells_per_degree: int) -> pd.DataFrame:
    """People of one snapshot in scope, summed in the database over square cells of 1/cells_per_degree degree.

    Columns: lat, lon (the cell's centre), people. A phone-signal feed can
    hold a reading per 100 m cell of a whole city; summing into cells sized
    for the map keeps what is sent to the screen bounded, whatever the feed.
    """
    # An int the caller chose, inlined rather than bound: the same SQL text in
    # SELECT and GROUP BY, which PostgreSQL requires of grouped expressions.
    per_degree = literal_column(str(int(cells_per_degree)))
    r = gate.crowd_readings(db, scope)
    row = func.round(r.c.lat * per_degree)
    column = func.round(r.c.lon * per_degree)
    statement = (
        select(row.label("row"), column.label("col"), func.sum(r.c.people).label("people"))
        .where(r.c.recorded_at == snapshot)
        .group_by(row, column)
    )
    with db.connect() as conn:
        frame = pd.DataFrame(conn.execute(statement).all(), columns=["row", "col", "people"])
    return pd.DataFrame(
        {
            "lat": frame["row"].astype(float) / cells_per_degree,
            "lon": frame["col"].astype(float) / cells_per_degree,
            "people": frame["people"].astype("int64"),
        }
    )
