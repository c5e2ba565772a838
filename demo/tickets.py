"""Tickets (工单): when they arrive, what they are about, and how each one lives to closure.

Arrivals follow rhythm.ticket_intensity (daily, weekly and holiday cycles
per source). A ticket then goes reported -> accepted -> dispatched ->
handled -> closed with waiting times drawn around medians that scale with
its category's time limit and with its street's performance, so league
tables have a clear top and bottom. Some tickets are sent back and handled
again (返工), a few stall far past their deadline, ~4 % are cancelled, and
the youngest are still open at every stage when the history stops at `now`.
The live feed moves open tickets with the same medians and scores closures
with the same satisfaction model.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import numpy as np
import pandas as pd

from data_access.contract import TICKET_SOURCES
from demo.catalogue import MAJOR_CLASSES, TicketItems
from demo.geometry import Leaves
from demo.names import mobile_numbers, road_names
from demo.rhythm import ticket_intensity

TICKET_ID_PREFIX = "T"
TICKET_ID_DIGITS = 10

# Which major classes each source reports (rows: TICKET_SOURCES, columns: MAJOR_CLASSES):
# 110 hears disorder and emergencies, the hotline livelihood matters, cameras the street.
SOURCE_MAJOR_WEIGHTS = np.array([
    [0.20, 0.20, 0.20, 0.05, 0.35],  # hotline_12345
    [0.40, 0.30, 0.28, 0.02, 0.00],  # city_mgmt
    [0.05, 0.45, 0.05, 0.30, 0.15],  # police_110
    [0.15, 0.20, 0.20, 0.05, 0.40],  # online_forum
    [0.35, 0.25, 0.25, 0.05, 0.10],  # grid_patrol
    [0.35, 0.35, 0.20, 0.10, 0.00],  # iot_alert
])
# Share of reports rejected or voided (不予立案 / 作废), by source: forums and sensors misfire more.
CANCEL_PROBABILITY = dict(zip(TICKET_SOURCES, (0.04, 0.03, 0.06, 0.08, 0.01, 0.07)))
# Sources whose reporter is called back and asked to rate the outcome.
RATED_SOURCES = ("hotline_12345", "online_forum", "police_110")
RATING_PROBABILITY = 0.75

# Median waits in hours for a ticket with a day-long time limit in an average street.
ACCEPT_MEDIAN_H = 0.25
DISPATCH_MEDIAN_H = 0.4
CLOSE_MEDIAN_H = 2.0
CANCEL_MEDIAN_H = 2.0
# Handling takes about a quarter of the time limit, so most close in time and the tail does not.
HANDLE_SHARE_OF_LIMIT = 0.28
HANDLE_MEDIAN_WITHOUT_LIMIT_H = 36.0
REWORK_PROBABILITY = 0.05
STALL_PROBABILITY = 0.015
STALL_FACTOR = 8.0
URGENT_PROBABILITY = 0.015
URGENT_PROBABILITY_SHORT_LIMIT = 0.15


def median_waits_hours(sla_hours: np.ndarray, handling_factor: np.ndarray) -> dict[str, np.ndarray]:
    """Median hours a ticket waits in each stage before the next one.

    Urgent classes (short limits) are accepted, dispatched and checked
    faster; `handling_factor` is the street's performance (< 1 is better).
    """
    limit = np.asarray(sla_hours, dtype=float)
    urgency = np.clip(np.nan_to_num(limit, nan=24.0) / 24.0, 0.1, 1.0) * handling_factor
    handle = np.where(np.isnan(limit), HANDLE_MEDIAN_WITHOUT_LIMIT_H, HANDLE_SHARE_OF_LIMIT * limit)
    return {
        "accept": ACCEPT_MEDIAN_H * urgency,
        "dispatch": DISPATCH_MEDIAN_H * urgency,
        "handle": handle * handling_factor,
        "close": CLOSE_MEDIAN_H * urgency,
    }


def satisfaction_scores(
    handling_factor: np.ndarray, overdue: np.ndarray, reworked: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """3 满意 / 2 基本满意 / 1 不满意: mostly 3, worse in slow streets and after lateness or rework."""
    unhappy = np.clip(0.03 * handling_factor + 0.08 * overdue + 0.08 * reworked, 0, 0.6)
    lukewarm = np.clip(0.10 * handling_factor + 0.10 * overdue, 0, 0.5)
    draw = rng.random(len(unhappy))
    return np.where(draw < unhappy, 1, np.where(draw < unhappy + lukewarm, 2, 3))


def ticket_ids(first_number: int, count: int) -> np.ndarray:
    """Ids T0000000001, T0000000002 ...: fixed width, so the largest id is also the last one."""
    return np.char.mod(f"{TICKET_ID_PREFIX}%0{TICKET_ID_DIGITS}d", np.arange(first_number, first_number + count)).astype(object)


def intake(
    *,
    first_number: int,
    reported_at: np.ndarray,
    source: np.ndarray,
    category_code: np.ndarray,
    item_name: np.ndarray,
    sla_hours: np.ndarray,
    dept_code: np.ndarray,
    leaves: Leaves,
    leaf: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Tickets as they are reported: all contract columns, status `reported`, no lifecycle yet.

    One row per element of the parallel arrays; `leaf` indexes `leaves`.
    """
    count = len(reported_at)
    reported_at = np.asarray(reported_at, dtype="datetime64[s]")
    sla_seconds = (np.asarray(sla_hours, dtype=float) * 3600).round()
    due_at = np.where(
        np.isnan(sla_seconds), np.datetime64("NaT"), reported_at + np.nan_to_num(sla_seconds).astype("timedelta64[s]")
    )
    lon, lat = leaves.scatter(leaf, rng)
    urgent_probability = np.where(np.nan_to_num(sla_hours, nan=999) <= 4, URGENT_PROBABILITY_SHORT_LIMIT, URGENT_PROBABILITY)
    hotline = np.asarray(source) == "hotline_12345"
    phone = np.full(count, None, dtype=object)
    phone[hotline] = mobile_numbers(int(hotline.sum()), rng)
    never = np.full(count, np.datetime64("NaT"), dtype="datetime64[s]")
    used_leaves, leaf_of_ticket = np.unique(leaf, return_inverse=True)
    roads = road_names(leaves.codes[used_leaves])[leaf_of_ticket]
    return pd.DataFrame(
        {
            "ticket_id": ticket_ids(first_number, count),
            "source": np.asarray(source, dtype=object),
            "category_code": np.asarray(category_code, dtype=object),
            "area_code": leaves.codes[leaf],
            "lat": lat,
            "lon": lon,
            "status": "reported",
            "urgent": rng.random(count) < urgent_probability,
            "reported_at": reported_at,
            "accepted_at": never,
            "dispatched_at": never,
            "handled_at": never,
            "closed_at": never,
            "due_at": due_at.astype("datetime64[s]"),
            "dept_code": np.asarray(dept_code, dtype=object),
            "rework_count": np.zeros(count, dtype=np.int64),
            "satisfaction": np.full(count, np.nan),
            "title": np.strings.add(np.strings.add(roads, " "), np.asarray(item_name).astype(str)).astype(object),
            "reporter_phone": phone,
            "supervision": np.full(count, None, dtype=object),
        }
    )


def synthesize_tickets(
    *,
    leaves: Leaves,
    streets: np.ndarray,
    items: TicketItems,
    daily_rate: float,
    days: int,
    now: datetime,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """A history of `days` days of tickets up to `now`, each as far along its life as `now` allows.

    `streets` is the street code of every leaf: a street's performance sets
    how fast its tickets move and how satisfied its residents are.
    """
    now = np.datetime64(now, "s")
    start = now - np.timedelta64(days, "D")
    reported_at, source = _arrivals(daily_rate, start, now, rng, history=(start, now))
    item = _classify(source, items, rng)
    busyness = _grid_busyness(leaves, rng)
    leaf = rng.choice(len(leaves.codes), len(reported_at), p=busyness)
    handling_factor = _street_handling(streets, rng)[leaf]
    return _tickets(1, reported_at, source, item, leaf, handling_factor, leaves, items, now, rng)


def ticket_history(
    *,
    leaves: Leaves,
    streets: np.ndarray,
    items: TicketItems,
    daily_rate: float,
    days: int,
    chunk_days: int,
    now: datetime,
    rng: np.random.Generator,
    chunk_rng: Callable[[int], np.random.Generator],
) -> Iterator[pd.DataFrame]:
    """The same history as synthesize_tickets, `chunk_days` of reports at a time, oldest first.

    For histories too long to hold in memory (tens of millions of tickets):
    the city's traits (busy grids, fast and slow streets) are drawn once
    from `rng`, so every chunk is the same city; chunk k draws its arrivals
    and lifecycles from `chunk_rng(k)`, and ids run on across chunks.
    """
    now = np.datetime64(now, "s")
    start = now - np.timedelta64(days, "D")
    busyness = _grid_busyness(leaves, rng)
    handling_of_leaf = _street_handling(streets, rng)
    first_number = 1
    for number, chunk_start in enumerate(range(0, days, chunk_days)):
        chunk_rng_k = chunk_rng(number)
        window = (start + np.timedelta64(chunk_start, "D"), min(start + np.timedelta64(chunk_start + chunk_days, "D"), now))
        reported_at, source = _arrivals(daily_rate, *window, chunk_rng_k, history=(start, now))
        item = _classify(source, items, chunk_rng_k)
        leaf = chunk_rng_k.choice(len(leaves.codes), len(reported_at), p=busyness)
        yield _tickets(first_number, reported_at, source, item, leaf, handling_of_leaf[leaf], leaves, items, now, chunk_rng_k)
        first_number += len(reported_at)


def _grid_busyness(leaves: Leaves, rng: np.random.Generator) -> np.ndarray:
    """Each grid's share of the tickets: some are busier than others (markets, old estates, a main road)."""
    busyness = rng.lognormal(0, 0.6, len(leaves.codes))
    return busyness / busyness.sum()


def _street_handling(streets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per leaf, its street's handling factor: < 1 handles faster and better than average.

    The spread makes clear leaders and laggards.
    """
    street_names, street_of_leaf = np.unique(streets, return_inverse=True)
    return np.exp(rng.normal(0, 0.3, len(street_names)))[street_of_leaf]


def _tickets(
    first_number: int,
    reported_at: np.ndarray,
    source: np.ndarray,
    item: np.ndarray,
    leaf: np.ndarray,
    handling_factor: np.ndarray,
    leaves: Leaves,
    items: TicketItems,
    now: np.datetime64,
    rng: np.random.Generator,
) -> pd.DataFrame:
    tickets = intake(
        first_number=first_number,
        reported_at=reported_at,
        source=np.array(TICKET_SOURCES, dtype=object)[source],
        category_code=items.codes[item],
        item_name=items.names[item],
        sla_hours=items.sla_hours[item],
        dept_code=items.dept_codes[item],
        leaves=leaves,
        leaf=leaf,
        rng=rng,
    )
    return _live_through(tickets, items.sla_hours[item], handling_factor, now, rng)


def _arrivals(
    daily_rate: float,
    window_start: np.datetime64,
    window_end: np.datetime64,
    rng: np.random.Generator,
    history: tuple[np.datetime64, np.datetime64],
):
    """Report times (sorted) and source indexes of all tickets from `window_start` up to `window_end`.

    Counts are Poisson per hour and source around rhythm.ticket_intensity,
    times a day-to-day swing (weather, events) and a slow growth over the
    whole `history` (start, end) as more channels feed the centre.
    """
    first_hour = window_start.astype("datetime64[h]")
    hours = np.arange(first_hour, window_end.astype("datetime64[h]") + 1, np.timedelta64(1, "h"))
    hour_start = hours.astype("datetime64[s]")
    # The first and the last hour are only partly inside the window.
    open_from = np.maximum(hour_start, window_start)
    open_seconds = np.clip(
        (np.minimum(hour_start + np.timedelta64(3600, "s"), window_end) - open_from).astype(np.int64), 0, 3600
    )

    day = (hours.astype("datetime64[D]") - hours[0].astype("datetime64[D]")).astype(np.int64)
    swing = rng.lognormal(0, 0.12, day.max() + 1)[day]
    history_hours = np.arange(history[0].astype("datetime64[h]"), history[1].astype("datetime64[h]") + 1).size
    hour_in_history = (hours - history[0].astype("datetime64[h]")).astype(np.int64)
    growth = 0.93 + 0.14 * hour_in_history / history_hours
    expected = daily_rate * ticket_intensity(hours) * (swing * growth * open_seconds / 3600)[:, None]
    counts = rng.poisson(expected).ravel()

    cell = np.repeat(np.arange(counts.size), counts)
    hour, source = np.divmod(cell, len(TICKET_SOURCES))
    offset = (rng.random(len(cell)) * open_seconds[hour]).astype(np.int64)
    reported_at = open_from[hour] + offset.astype("timedelta64[s]")
    order = np.argsort(reported_at, kind="stable")
    return reported_at[order], source[order]


def _classify(source: np.ndarray, items: TicketItems, rng: np.random.Generator) -> np.ndarray:
    """An item for each ticket: major class by source, then items by popularity within the class."""
    rank_in_major = np.zeros(len(items.codes))
    for major in range(len(MAJOR_CLASSES)):
        members = items.major == major
        rank_in_major[members] = np.arange(1, members.sum() + 1)
    popularity = 1.0 / rank_in_major**0.7
    item = np.empty(len(source), dtype=np.int64)
    for index in range(len(TICKET_SOURCES)):
        weights = SOURCE_MAJOR_WEIGHTS[index][items.major] * popularity
        mine = source == index
        item[mine] = rng.choice(len(items.codes), mine.sum(), p=weights / weights.sum())
    return item


def _live_through(
    tickets: pd.DataFrame, sla_hours: np.ndarray, handling_factor: np.ndarray, now: np.datetime64, rng: np.random.Generator
) -> pd.DataFrame:
    """Fill status and lifecycle columns: every event that has happened by `now`, nothing after."""
    count = len(tickets)
    reported = tickets["reported_at"].to_numpy()
    source = tickets["source"].to_numpy()

    def after(start: np.ndarray, median_hours: np.ndarray, spread: float) -> np.ndarray:
        hours = median_hours * rng.lognormal(0, spread, count)
        return start + (hours * 3600).astype(np.int64).astype("timedelta64[s]")

    waits = median_waits_hours(sla_hours, handling_factor)
    stalled = rng.random(count) < STALL_PROBABILITY * handling_factor
    reworked = rng.random(count) < REWORK_PROBABILITY * handling_factor
    cancel_probability = pd.Series(source).map(CANCEL_PROBABILITY).to_numpy()
    cancelled = rng.random(count) < cancel_probability

    accepted = after(reported, waits["accept"], 0.8)
    dispatched = after(accepted, waits["dispatch"], 0.8)
    first_handled = after(dispatched, waits["handle"] * np.where(stalled, STALL_FACTOR, 1.0), 0.7)
    # A failed check sends the ticket back; it is handled again, quicker the second time.
    returned = after(first_handled, waits["close"], 0.8)
    handled = np.where(reworked, after(returned, waits["handle"] * 0.5, 0.6), first_handled)
    closed = after(handled, waits["close"], 0.8)
    voided = after(reported, np.full(count, CANCEL_MEDIAN_H), 0.8)

    live = ~cancelled
    is_returned = live & reworked & (returned <= now) & (handled > now)
    status = np.select(
        [
            cancelled & (voided <= now),
            live & (closed <= now),
            live & (handled <= now),
            is_returned,
            live & (first_handled <= now),
            live & (dispatched <= now),
            live & (accepted <= now),
        ],
        ["cancelled", "closed", "handled", "returned", "handled", "dispatched", "accepted"],
        "reported",
    )

    def when(reached: np.ndarray, moment: np.ndarray) -> np.ndarray:
        return np.where(reached, moment, np.datetime64("NaT")).astype("datetime64[s]")

    # While a ticket is back for rework its handling is undone: handled_at is empty again.
    handled_at = np.where(reworked & (returned <= now), when(handled <= now, handled), when(first_handled <= now, first_handled))
    tickets["status"] = status
    tickets["accepted_at"] = when(live & (accepted <= now), accepted)
    tickets["dispatched_at"] = when(live & (dispatched <= now), dispatched)
    tickets["handled_at"] = np.where(live, handled_at, np.datetime64("NaT")).astype("datetime64[s]")
    # A voided ticket is closed out when voided, so "closed_at IS NULL" finds exactly the open ones.
    tickets["closed_at"] = np.where(cancelled, when(voided <= now, voided), when(closed <= now, closed))
    times_returned = np.where(rng.random(count) < 0.2, 2, 1)
    tickets["rework_count"] = np.where(live & reworked & (returned <= now), times_returned, 0)

    due = tickets["due_at"].to_numpy()
    is_closed = status == "closed"
    rated = is_closed & np.isin(source, RATED_SOURCES) & (rng.random(count) < RATING_PROBABILITY)
    overdue = ~np.isnat(due) & (closed > due)
    scores = satisfaction_scores(handling_factor, overdue, tickets["rework_count"].to_numpy() > 0, rng)
    tickets["satisfaction"] = np.where(rated, scores, np.nan)
    return tickets
