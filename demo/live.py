"""Keep the demo city alive: `python -m demo.live --url URL [--interval 5]` until SIGTERM or Ctrl-C.

Every tick, as of the local clock (the city's time, naive like the
contract's timestamps): new tickets arrive at the rate and mix the database
shows for the last week, shaped by the hour of day; open tickets move along
their lifecycle; workers on duty ping (demo/workforce.py's Duty); a crowd snapshot is written, in which
one zone after another surges over its capacity for a minute in every
three. Everything comes from the database (areas, zones, sensors, workers,
categories, the id sequence), never from the generator, so the feed also
runs on a database generated elsewhere or earlier. Each step is its own
short transaction: on SQLite (WAL) readers never wait.

A tick covers the time since the previous snapshot (at most ten minutes),
so a feed stopped and restarted does not flood the city.
"""
from __future__ import annotations

import argparse
import functools
import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import bindparam, create_engine, func, select
from sqlalchemy.engine import Connection, Engine

from data_access.contract import (
    TICKET_SOURCES,
    area,
    category,
    crowd_reading,
    crowd_zone,
    grid_worker,
    ticket,
    worker_position,
)
from demo.bulk_load import write_rows
from demo.crowd import SNAPSHOT_INTERVAL_S, people_counts, sensor_layout, surge, surging_zone
from demo.geometry import Leaves
from demo.rhythm import ticket_intensity
from demo.tickets import (
    CANCEL_PROBABILITY,
    RATED_SOURCES,
    RATING_PROBABILITY,
    REWORK_PROBABILITY,
    TICKET_ID_PREFIX,
    intake,
    median_waits_hours,
    satisfaction_scores,
)
from demo.workforce import Duty, duty_of, epoch_seconds, ping_rows

log = logging.getLogger("demo.live")

DEFAULT_TICK_S = 5.0
MAX_TICK_S = 600.0
# The ticket mix (sources, categories, departments) and the daily rate are read from this past.
MIX_WINDOW = timedelta(days=7)
PING_RETENTION = timedelta(days=2)
# Snapshots older than this are thinned to one per 5 minutes, the generator's cadence.
FULL_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class _City:
    """What does not change while the feed runs, read once per engine."""

    leaves: Leaves
    items: pd.DataFrame  # category_code -> name, sla_hours
    zones: pd.DataFrame  # zone_id, name, capacity
    layout: pd.DataFrame  # lat, lon, zone_id, area_code of every sensor
    workers: pd.DataFrame  # worker_id, area_code of active workers in a leaf
    duty: Duty  # when each of `workers` pings


def tick(engine: Engine, now: datetime, rng: np.random.Generator, pace: float = 1.0, speed: float = 1.0) -> dict:
    """One step of the city at `now`; returns what happened.

    `pace` multiplies the ticket arrival rate: 1 is the city's own rhythm
    (at Gusu's ~1,000 a day, about one a minute in office hours); a demo may
    want more. The rate is re-read from the database, so with a pace above 1
    the city's rate grows as the feed's own tickets enter the window.

    `speed` runs the tickets' life faster than the clock: a tick reports and
    moves the tickets of `speed` times the seconds since the previous one,
    stamped within those real seconds, so a soak lives hours of the city in
    minutes while every timestamp stays "now" for a server on the wall clock.
    Pings and crowd snapshots keep the clock's cadence (they are per moment).
    """
    city = _city(engine)
    elapsed = _seconds_since_last_snapshot(engine, now)
    reported = _report_tickets(engine, city, now, elapsed, pace * speed, rng)
    moved = _advance_tickets(engine, now, elapsed * speed, rng)
    pings = _ping_workers(engine, city, now, elapsed, rng)
    surging = _snapshot_crowd(engine, city, now, rng)
    return {"now": now.isoformat(sep=" "), "elapsed_s": elapsed, "reported": reported, "moved": moved, "pings": pings, "surging_zone": surging}


@functools.lru_cache(maxsize=8)
def _city(engine: Engine) -> _City:
    with engine.connect() as connection:
        areas = pd.DataFrame(connection.execute(select(area)).mappings().all())
        items = pd.DataFrame(
            connection.execute(select(category.c.category_code, category.c.name, category.c.sla_hours)).mappings().all()
        ).set_index("category_code")
        zones = pd.DataFrame(connection.execute(select(crowd_zone).order_by(crowd_zone.c.zone_id)).mappings().all())
        latest = connection.execute(select(func.max(crowd_reading.c.recorded_at))).scalar()
        layout = pd.DataFrame(
            connection.execute(
                select(crowd_reading.c.lat, crowd_reading.c.lon, crowd_reading.c.zone_id, crowd_reading.c.area_code)
                .where(crowd_reading.c.recorded_at == latest)
                .order_by(crowd_reading.c.zone_id, crowd_reading.c.lat, crowd_reading.c.lon)
            ).mappings().all(),
            columns=["lat", "lon", "zone_id", "area_code"],
        )
        workers = pd.DataFrame(
            connection.execute(
                select(grid_worker.c.worker_id, grid_worker.c.area_code)
                .where(grid_worker.c.active)
                .order_by(grid_worker.c.worker_id)
            ).mappings().all()
        )
    finest = areas[~areas["area_code"].isin(areas["parent_code"])]
    leaves = Leaves.from_boundaries(finest["area_code"], finest["boundary"], finest["center_lon"], finest["center_lat"])
    if layout.empty:
        # No snapshot yet: place sensors as the generator would, in the zones and over the root.
        root = shapely.from_geojson(areas.loc[areas["parent_code"].isna(), "boundary"].iloc[0])
        zone_shapes = shapely.from_geojson(zones["boundary"].to_numpy())
        layout = sensor_layout(zones, zone_shapes, root, 5, 20, np.random.default_rng(0))
    workers = workers[workers["area_code"].isin(leaves.codes)].reset_index(drop=True)
    return _City(
        leaves=leaves,
        items=items,
        zones=zones[["zone_id", "name", "capacity"]],
        layout=layout,
        workers=workers,
        duty=duty_of(workers, areas.set_index("area_code")["parent_code"]),
    )


def _seconds_since_last_snapshot(engine: Engine, now: datetime) -> float:
    with engine.connect() as connection:
        previous = connection.execute(
            select(func.max(crowd_reading.c.recorded_at)).where(crowd_reading.c.recorded_at < now)
        ).scalar()
    if previous is None:
        return DEFAULT_TICK_S
    return float(np.clip((now - previous).total_seconds(), 1.0, MAX_TICK_S))


def _report_tickets(
    engine: Engine, city: _City, now: datetime, seconds: float, pace: float, rng: np.random.Generator
) -> int:
    """New tickets for the last `seconds`, drawn from the past week's mix at this hour's intensity."""
    with engine.connect() as connection:
        mix = pd.DataFrame(
            connection.execute(
                select(ticket.c.source, ticket.c.category_code, ticket.c.dept_code, func.count().label("tickets"))
                .where(ticket.c.reported_at >= now - MIX_WINDOW, ticket.c.reported_at < now)
                .group_by(ticket.c.source, ticket.c.category_code, ticket.c.dept_code)
                .order_by(ticket.c.source, ticket.c.category_code, ticket.c.dept_code)
            ).all(),
            columns=["source", "category_code", "dept_code", "tickets"],
        )
    if mix.empty:
        return 0
    daily_rate = mix["tickets"].sum() / MIX_WINDOW.days
    per_source = pace * daily_rate * ticket_intensity(np.array([np.datetime64(now, "h")]))[0] * seconds / 3600
    counts = rng.poisson(per_source)
    picked = []
    for source, count in zip(TICKET_SOURCES, counts):
        options = mix[mix["source"] == source]
        if count and not options.empty:
            weights = options["tickets"].to_numpy(dtype=float)
            picked.append(options.iloc[rng.choice(len(options), count, p=weights / weights.sum())])
    if not picked:
        return 0
    new = pd.concat(picked, ignore_index=True)
    reported_at = np.sort(np.datetime64(now, "s") - rng.uniform(0, seconds, len(new)).astype("timedelta64[s]"))
    item = city.items.reindex(new["category_code"])
    with engine.begin() as connection:
        last_id = connection.execute(
            select(func.max(ticket.c.ticket_id)).where(
                ticket.c.ticket_id >= TICKET_ID_PREFIX, ticket.c.ticket_id < chr(ord(TICKET_ID_PREFIX) + 1)
            )
        ).scalar()
        tickets = intake(
            first_number=int(last_id[len(TICKET_ID_PREFIX):]) + 1 if last_id else 1,
            reported_at=reported_at,
            source=new["source"].to_numpy(dtype=object),
            category_code=new["category_code"].to_numpy(dtype=object),
            item_name=item["name"].fillna("").to_numpy(dtype=object),
            sla_hours=item["sla_hours"].to_numpy(dtype=float),
            dept_code=new["dept_code"].to_numpy(dtype=object),
            leaves=city.leaves,
            leaf=rng.integers(0, len(city.leaves.codes), len(new)),
            rng=rng,
        )
        write_rows(connection, ticket, tickets)
    return len(tickets)


# The next stage of an open ticket, by its status.
_NEXT_STAGE = {"reported": "accept", "accepted": "dispatch", "dispatched": "handle", "returned": "handle", "handled": "close"}


def _advance_tickets(engine: Engine, now: datetime, seconds: float, rng: np.random.Generator) -> dict[str, int]:
    """Move open tickets on: each waits in its stage as long as a generated ticket would, on average.

    The chance to move in `seconds` is 1 - exp(-seconds / median wait). At
    intake some reports are voided; at the check some handled tickets are
    sent back (returned, rework_count + 1, handling undone); the rest close
    and the reporter rates the outcome.
    """
    with engine.begin() as connection:
        open_tickets = pd.DataFrame(
            connection.execute(
                select(ticket.c.ticket_id, ticket.c.source, ticket.c.status, ticket.c.reported_at,
                       ticket.c.due_at, ticket.c.rework_count)
                .where(ticket.c.closed_at.is_(None), ticket.c.reported_at <= now, ticket.c.status.in_(list(_NEXT_STAGE)))
                .order_by(ticket.c.ticket_id)
            ).all(),
            columns=["ticket_id", "source", "status", "reported_at", "due_at", "rework_count"],
        )
        if open_tickets.empty:
            return {}
        limit_hours = (open_tickets["due_at"] - open_tickets["reported_at"]).dt.total_seconds().to_numpy() / 3600
        waits = median_waits_hours(limit_hours, np.ones(len(open_tickets)))
        stage = open_tickets["status"].map(_NEXT_STAGE).to_numpy()
        median_s = np.select([stage == name for name in waits], list(waits.values())) * 3600
        moves = rng.random(len(open_tickets)) < -np.expm1(-seconds / median_s)
        moving, stage = open_tickets[moves], stage[moves]

        draw = rng.random(len(moving))
        voided = (stage == "accept") & (draw < moving["source"].map(CANCEL_PROBABILITY).fillna(0).to_numpy())
        sent_back = (stage == "close") & (draw < REWORK_PROBABILITY)
        transition = np.select([voided, sent_back], ["void", "send_back"], stage)
        rework = moving["rework_count"].fillna(0).to_numpy(dtype=int) + sent_back
        overdue = moving["due_at"].notna().to_numpy() & (moving["due_at"] < now).to_numpy()
        rated = moving["source"].isin(RATED_SOURCES).to_numpy() & (rng.random(len(moving)) < RATING_PROBABILITY)
        # 0 = not rated, stored as NULL.
        scores = np.where(rated, satisfaction_scores(np.ones(len(moving)), overdue, rework > 0, rng), 0)

        changes = {
            "accept": {"status": "accepted", "accepted_at": now},
            "void": {"status": "cancelled", "closed_at": now},
            "dispatch": {"status": "dispatched", "dispatched_at": now},
            "handle": {"status": "handled", "handled_at": now},
            "send_back": {"status": "returned", "handled_at": None, "rework_count": bindparam("new_rework_count")},
            "close": {"status": "closed", "closed_at": now, "satisfaction": bindparam("new_satisfaction")},
        }
        moved = {}
        for name in np.unique(transition):
            mine = transition == name
            statement = ticket.update().where(ticket.c.ticket_id == bindparam("id")).values(**changes[name])
            connection.execute(
                statement,
                [
                    {"id": ticket_id, "new_rework_count": int(count), "new_satisfaction": int(score) or None}
                    for ticket_id, count, score in zip(moving["ticket_id"][mine], rework[mine], scores[mine])
                ],
            )
            moved[str(name)] = int(mine.sum())
    return moved


def _ping_workers(engine: Engine, city: _City, now: datetime, seconds: float, rng: np.random.Generator) -> int:
    """The pings the workers' Duty schedules in the last `seconds`, along their patrol loops.

    The same rule wrote the generator's history, so the online count holds
    steady tick after tick and shifts change as they did in the history.
    Pings already there in the window (a tick run again) are replaced.
    """
    start = now - timedelta(seconds=seconds)
    pings = ping_rows(city.workers, city.duty, city.leaves, epoch_seconds(start), epoch_seconds(now), rng)
    with engine.begin() as connection:
        connection.execute(
            worker_position.delete().where(worker_position.c.recorded_at > start, worker_position.c.recorded_at <= now)
        )
        write_rows(connection, worker_position, pings)
        connection.execute(worker_position.delete().where(worker_position.c.recorded_at < now - PING_RETENTION))
    return len(pings)


def _snapshot_crowd(engine: Engine, city: _City, now: datetime, rng: np.random.Generator) -> str | None:
    """Write the snapshot at `now` (replacing one already there) and thin old live snapshots."""
    people = people_counts(city.layout, city.zones, np.array([np.datetime64(now, "s")]), rng)[0]
    surging = surging_zone(city.zones["zone_id"].tolist(), now)
    if surging is not None:
        people = surge(people, city.layout, city.zones, surging, rng)
    snapshot = city.layout.assign(recorded_at=np.datetime64(now, "s"), people=people)
    with engine.begin() as connection:
        connection.execute(crowd_reading.delete().where(crowd_reading.c.recorded_at == now))
        write_rows(connection, crowd_reading, snapshot[[column.name for column in crowd_reading.columns]])
        _thin_crowd_history(connection, now)
    return surging


def _thin_crowd_history(connection: Connection, now: datetime) -> None:
    """Keep the first snapshot of every 5 minutes once it is an hour old: history stays at the generator's cadence."""
    end = now - FULL_RESOLUTION
    start = end - timedelta(minutes=15)
    moments = pd.Series(
        connection.execute(
            select(crowd_reading.c.recorded_at)
            .where(crowd_reading.c.recorded_at >= start, crowd_reading.c.recorded_at < end)
            .distinct()
        ).scalars().all(),
        dtype="datetime64[s]",
    ).sort_values()
    bucket = moments.astype(np.int64) // SNAPSHOT_INTERVAL_S
    surplus = moments[bucket.duplicated()].dt.to_pydatetime().tolist()
    if surplus:
        connection.execute(crowd_reading.delete().where(crowd_reading.c.recorded_at.in_(surplus)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.live", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a demo database")
    parser.add_argument("--interval", type=float, default=DEFAULT_TICK_S, help="seconds between ticks")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--pace", type=float, default=1.0, help="ticket arrivals times the city's own rate")
    parser.add_argument("--speed", type=float, default=1.0,
                        help="the tickets' life (arrivals and status changes) this many times faster than the clock")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    engine = create_engine(args.url)
    rng = np.random.default_rng(args.seed)
    while not stop.is_set():
        summary = tick(engine, datetime.now().replace(microsecond=0), rng, pace=args.pace, speed=args.speed)
        log.info("%s", summary)
        stop.wait(args.interval)
    engine.dispose()


if __name__ == "__main__":
    main()
