"""How fresh the data is: the newest timestamp the operational database holds in scope.

A command centre must know when the screen shows old data (a stalled feed
looks exactly like a quiet city). The newest of ticket reports, worker pings
and crowd snapshots in scope is what "数据截至" means. Each is read as
"ORDER BY time DESC LIMIT 1", which walks a time index backwards and stops
at the first row in scope instead of scanning the table; the walk is bounded
to LOOK_BACK, so a scope with no rows at all (a grid without crowd zones)
costs a short range, not the whole history.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from data_access import gate
from data_access.database import Database
from data_access.scope import Scope

# Data older than this is stale on any screen; the badge says "no recent data" instead of a date.
LOOK_BACK = timedelta(days=7)


def newest_data_at(db: Database, scope: Scope) -> datetime | None:
    """The newest ticket report, worker ping or crowd snapshot in scope within LOOK_BACK of as_of; None if none."""
    sources = (
        (gate.tickets(db, scope, in_period=False), "reported_at"),
        (gate.worker_positions(db, scope), "recorded_at"),
        (gate.crowd_readings(db, scope), "recorded_at"),
    )
    moments = []
    with db.engine.connect() as conn:
        for table, column in sources:
            moment = table.c[column]
            recent = (moment <= scope.as_of) & (moment > scope.as_of - LOOK_BACK)
            statement = select(moment).where(recent).order_by(moment.desc()).limit(1)
            moments.append(conn.execute(statement).scalar())
    found = [m for m in moments if m is not None]
    return max(found) if found else None
