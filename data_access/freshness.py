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

OneScreen may read a PostgreSQL streaming replica (docs/deploy.md); its
data is then as old as what it has replayed, which the newest record alone
does not tell apart from a quiet city. `replica_lag_s` says how far behind
the replica is, by this rule: a replica that has replayed all the WAL it
received is caught up (lag 0), however old its last replayed transaction
(on an idle primary that timestamp ages with no lag at all); one with WAL
received and not replayed yet is behind by now() minus the commit time of
the last transaction it replayed (or, with none replayed since it started,
since it started), an upper bound: what it has not replayed may be newer.
A replica cut off from its primary replays what it received and reads as
caught up; the newest record then ages, and says so. SQLite and MariaDB
have no replica notion here: None, no statement.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, text

from data_access import gate
from data_access.areas import WHOLE_DATABASE
from data_access.cache import cached_by_scope, cached_per_window
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


# One cheap statement, no table read: None on a primary, else the rule of the module's docstring in seconds.
_REPLICA_LAG = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL"
    " WHEN pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0.0"
    " ELSE GREATEST(0.0, EXTRACT(EPOCH FROM now()"
    " - COALESCE(pg_last_xact_replay_timestamp(), pg_postmaster_start_time())))::float8 END"
)


def replica_lag_s(db: Database) -> float | None:
    """How many seconds the replica OneScreen reads is behind its primary (0.0: caught up); None when the database
    is not a replica (a primary, SQLite, MariaDB)."""
    if db.dialect != "postgresql":
        return None
    with db.connect() as conn:
        lag = conn.execute(_REPLICA_LAG).scalar()
    return None if lag is None else float(lag)


def shown_replica_lag_s(db: Database, scope: Scope) -> float | None:
    """`replica_lag_s` as views and walls show it: asked once per cache window whatever the scope (the lag is the
    database's, not a scope's), the last good one when the database fails; None for a past moment, which a lag
    of now does not concern."""
    if not scope.live or db.dialect != "postgresql":
        return None
    return cached_per_window(db, "freshness.replica_lag", scope.as_of, lambda: replica_lag_s(db))


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
