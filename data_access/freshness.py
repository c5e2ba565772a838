"""How fresh the data is: the newest timestamp the operational database holds, in scope, by the as-of moment.

A command centre must know when the screen shows old data (a stalled feed
looks exactly like a quiet city). The newest of ticket reports, worker pings
and crowd snapshots is what "最新记录" (newest record) means; "数据截至" (data
as of) is the scope's as_of, the moment a view answers for.

Each is read as "ORDER BY time DESC LIMIT 1", which walks a time index
backwards and stops at the first row. In scope, the walk is bounded to
LOOK_BACK: a scope with no rows at all (a grid without crowd zones) would
otherwise walk the whole index. A scope with nothing in LOOK_BACK gets the
newest record of the whole database instead, an unfiltered walk that stops
at its first row: an old database (an imported archive) says how old it is,
and a quiet grid is not taken for a stalled feed. Neither reads a table.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from data_access import gate
from data_access.areas import WHOLE_DATABASE
from data_access.cache import cached_by_scope
from data_access.database import Database
from data_access.scope import Scope

# How far back the newest record is looked for in scope before the whole database is asked.
LOOK_BACK = timedelta(days=7)


def newest_data_at(db: Database, scope: Scope) -> datetime | None:
    """The newest ticket report, worker ping or crowd snapshot by as_of: in scope if it has one within LOOK_BACK,
    else in the whole database; None for a database with no data before as_of."""
    return _newest(db, scope, since=scope.as_of - LOOK_BACK) or _newest(db, _whole_database(scope), since=None)


# Every view and wall refresh asks it: cached as their numbers are, so a wall the database cannot answer says how
# old its last good answer's data is. /health asks the database itself (newest_data_at).
shown_newest_data_at = cached_by_scope(newest_data_at)


def _newest(db: Database, scope: Scope, since: datetime | None) -> datetime | None:
    sources = (
        (gate.tickets(db, scope, in_period=False), "reported_at"),
        (gate.worker_positions(db, scope), "recorded_at"),
        (gate.crowd_readings(db, scope), "recorded_at"),
    )
    moments = []
    with db.connect() as conn:
        for table, column in sources:
            moment = table.c[column]
            window = moment <= scope.as_of if since is None else (moment <= scope.as_of) & (moment > since)
            moments.append(conn.execute(select(moment).where(window).order_by(moment.desc()).limit(1)).scalar())
    found = [m for m in moments if m is not None]
    return max(found) if found else None


def _whole_database(scope: Scope) -> Scope:
    """The same as_of over every area the principal may see, without filters: the database's own newest record."""
    return Scope(area_code=WHOLE_DATABASE, period_from=scope.period_from, period_to=scope.period_to,
                 as_of=scope.as_of, live=scope.live, permitted_areas=scope.permitted_areas)
