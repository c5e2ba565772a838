"""Grid workers (网格员) and the GPS pings of their patrol app.

Every grid gets its share of workers. A worker patrols a slow figure-eight
loop around the label point of their grid, a pure function of their id and
the time, so the generator's history and the live feed's new pings join up
into one track. At `now` most workers are online (last ping under five
minutes ago), some are stale (5-30 minutes) and a few offline.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from data_access.contract import WORKER_ROLES
from demo.geometry import COORDINATE_DECIMALS, Leaves
from demo.names import mobile_numbers, person_names

PING_INTERVAL_S = 600
PING_DRIFT_S = 90
ONLINE_WITHIN_S = 300
STALE_WITHIN_S = 1800
SHIFT_START_HOUR = 8
# Last-ping states at `now`: online, stale, offline.
STATE_SHARES = (0.85, 0.08, 0.07)
ACTIVE_SHARE = 0.97
GPS_NOISE_DEG = 0.00003
# Periods of the two axes of the patrol loop; not multiples of each other, so the loop wanders.
LOOP_PERIODS_S = (3180.0, 4260.0)


def synthesize_workers(count: int, role_shares: dict[str, float], leaves: Leaves, rng: np.random.Generator) -> pd.DataFrame:
    """`count` workers spread evenly over the leaves (every grid has someone), roles by `role_shares`."""
    roles = np.array(WORKER_ROLES, dtype=object)
    shares = np.array([role_shares[role] for role in WORKER_ROLES])
    leaf = rng.permutation(np.resize(np.arange(len(leaves.codes)), count))
    return pd.DataFrame(
        {
            "worker_id": np.char.mod("W%07d", np.arange(1, count + 1)).astype(object),
            "name": person_names(count, rng),
            "role": roles[rng.choice(len(roles), count, p=shares / shares.sum())],
            "area_code": leaves.codes[leaf],
            "phone": mobile_numbers(count, rng),
            "active": rng.random(count) < ACTIVE_SHARE,
        }
    )


def patrol_reach(leaves: Leaves) -> np.ndarray:
    """How far (degrees) a worker strays from the label point of each leaf: about half its half-width."""
    return 0.5 * leaves.radius_deg


def patrol_positions(
    worker_ids: np.ndarray, home_lon: np.ndarray, home_lat: np.ndarray, reach: np.ndarray, moments: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Where each worker's loop is at each moment (datetime64[s]), before GPS noise."""
    hashes = pd.util.hash_array(np.asarray(worker_ids, dtype=object), categorize=False)
    phase_x = (hashes % 10007) / 10007 * 2 * np.pi
    phase_y = ((hashes >> np.uint64(20)) % 10007) / 10007 * 2 * np.pi
    seconds = np.asarray(moments, dtype="datetime64[s]").astype(np.int64)
    lon = home_lon + reach * np.sin(2 * np.pi * seconds / LOOP_PERIODS_S[0] + phase_x)
    lat = home_lat + 0.8 * reach * np.sin(2 * np.pi * seconds / LOOP_PERIODS_S[1] + phase_y)
    return lon, lat


def gps_fix(lon: np.ndarray, lat: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A reported GPS position: the true one plus a few metres of noise, at the stored precision."""
    noise = rng.normal(0, GPS_NOISE_DEG, size=(2, len(lon)))
    return (lon + noise[0]).round(COORDINATE_DECIMALS), (lat + noise[1]).round(COORDINATE_DECIMALS)


def ping_window_start(now: datetime, hours: float | None) -> datetime:
    """Where today's ping history starts: the shift start at 08:00, or `hours` back.

    Before nine in the morning the shift-start window would be (nearly) empty,
    so it reaches back at least an hour: the wall always has someone online.
    """
    if hours is not None:
        return now - timedelta(hours=hours)
    shift_start = now.replace(hour=SHIFT_START_HOUR, minute=0, second=0, microsecond=0)
    return min(shift_start, now - timedelta(hours=1))


def synthesize_positions(
    workers: pd.DataFrame, leaves: Leaves, now: datetime, since: datetime, rng: np.random.Generator
) -> pd.DataFrame:
    """Pings of active workers every ~10 minutes from `since`, ending online, stale or offline at `now`."""
    active = workers[workers["active"].to_numpy()]
    count = len(active)
    now_s, since_s = np.datetime64(now, "s"), np.datetime64(since, "s")
    state = rng.choice(3, count, p=STATE_SHARES)
    seconds_ago = np.select(
        [state == 0, state == 1],
        [rng.uniform(5, ONLINE_WITHIN_S - 5, count), rng.uniform(ONLINE_WITHIN_S + 10, STALE_WITHIN_S - 20, count)],
        rng.uniform(STALE_WITHIN_S + 100, 4 * 3600, count),
    ).astype(np.int64)
    last = now_s - seconds_ago.astype("timedelta64[s]")
    # Some start their round late; half of the offline ones never logged in today.
    first = np.minimum(since_s + rng.uniform(0, 1800, count).astype(np.int64).astype("timedelta64[s]"), last)
    silent = ((state == 2) & (rng.random(count) < 0.5)) | (last < since_s)
    # Room for the drift below, so no ping falls before `first`.
    pings = np.where(silent, 0, np.maximum((last - first).astype(np.int64) - PING_DRIFT_S, 0) // PING_INTERVAL_S + 1)

    worker = np.repeat(np.arange(count), pings)
    step = np.arange(len(worker)) - np.repeat(np.cumsum(pings) - pings, pings)
    # Pings drift a little: the app reports every ten minutes, give or take the network.
    drift = np.where(step > 0, rng.integers(0, PING_DRIFT_S, len(worker)), 0)
    moments = last[worker] - (step * PING_INTERVAL_S + drift).astype("timedelta64[s]")

    home = pd.Index(leaves.codes).get_indexer(active["area_code"].to_numpy())[worker]
    worker_ids = active["worker_id"].to_numpy()[worker]
    lon, lat = patrol_positions(worker_ids, leaves.lon[home], leaves.lat[home], patrol_reach(leaves)[home], moments)
    lon, lat = gps_fix(lon, lat, rng)
    return pd.DataFrame({"worker_id": worker_ids, "recorded_at": moments, "lat": lat, "lon": lon})
