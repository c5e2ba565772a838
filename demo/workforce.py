"""Grid workers (网格员) and the GPS pings of their patrol app.

Every grid gets its share of workers. A worker patrols a slow figure-eight
loop around the label point of their grid, a pure function of their id and
the time, so the generator's history and the live feed's new pings join up
into one track. When they ping is their Duty: shifts, attendance, teams
out for the day, signal gaps; so in the afternoon most workers of the day
shift are online, a few stale, the other shifts offline, and some grids of
short-handed workstations nobody patrolled.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from data_access.contract import WORKER_ROLES
from demo.geometry import COORDINATE_DECIMALS, Leaves
from demo.names import mobile_numbers, person_names

# The app reports every three minutes on duty: always inside the five-minute online window.
PING_INTERVAL_S = 180
# Shifts: (start hour, end hour, share of workers): day, late (part-timers, volunteers), evening and
# the night watch, which runs past midnight. The late shift patrols grids the morning left out.
SHIFTS = ((8, 17, 0.65), (13, 21, 0.12), (17, 22, 0.18), (22, 8, 0.05))
# Nobody clocks in on the hour: log-in from ten minutes early to an hour late, log-off within twenty minutes.
LOG_IN_WINDOW_S = (-600, 3600)
LOG_OFF_WINDOW_S = (-1200, 1200)
# Share of workers at work on a given day (leave, sickness, training).
ATTENDANCE = 0.93
# Some workstations are short-handed: a grid's team is out all day (pulled to another task) with
# this chance at most; most workstations are near 0, a few near the maximum (shortfall = max x u^3).
MAX_TEAM_SHORTFALL = 0.35
# Phone in a pocket, no signal: in a share of hours a worker's pings stop for a while (stale, then back).
SIGNAL_GAP_CHANCE = 0.3
SIGNAL_GAP_S = (480, 1680)
SIGNAL_GAP_PERIOD_S = 3600
ACTIVE_SHARE = 0.97
GPS_NOISE_DEG = 0.00003
# Periods of the two axes of the patrol loop; not multiples of each other, so the loop wanders.
LOOP_PERIODS_S = (3180.0, 4260.0)
DAY_S = 86400


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
    """Where the ping history starts: midnight (all of today's patrols), or `hours` back.

    Just after midnight it reaches back an hour, so the night watch is seen online.
    """
    if hours is not None:
        return now - timedelta(hours=hours)
    return min(now.replace(hour=0, minute=0, second=0, microsecond=0), now - timedelta(hours=1))


def _mix(*keys) -> np.ndarray:
    """A well-spread uint64 per element of the keys (splitmix64 over their combination)."""
    with np.errstate(over="ignore"):
        value = np.uint64(0x9E3779B97F4A7C15)
        for key in keys:
            value = (value ^ np.asarray(key).astype(np.uint64)) * np.uint64(0xBF58476D1CE4E5B9)
            value ^= value >> np.uint64(31)
            value *= np.uint64(0x94D049BB133111EB)
            value ^= value >> np.uint64(29)
    return value


def _uniform(*keys) -> np.ndarray:
    """A uniform [0, 1) per element, fixed by the keys."""
    return (_mix(*keys) >> np.uint64(11)).astype(np.float64) / 2.0**53


def _key(codes) -> np.ndarray:
    return pd.util.hash_array(np.asarray(codes, dtype=object), categorize=False)


class Duty:
    """When each worker's app sends pings: a pure function of ids, codes and time.

    The generator writes the history and the live feed the present from this
    one rule, so they agree with each other and with how data_access/workers.py
    reads pings (online, stale, offline; patrolled today). A worker is on one
    shift (SHIFTS, by id); on a given day they come to work (ATTENDANCE) unless
    their grid's team is out that day, which happens more in a few short-handed
    workstations (the grid's parent area); while at work the app pings every
    PING_INTERVAL_S, at a phase of its own, except during a signal gap.
    """

    def __init__(self, worker_ids: np.ndarray, team_codes: np.ndarray):
        self.worker = _key(worker_ids)
        self.grid = _key(team_codes[0])
        self.station = _key(team_codes[1])
        shares = np.array([share for _, _, share in SHIFTS])
        self.shift = np.searchsorted(np.cumsum(shares) / shares.sum(), _uniform(self.worker, 1), side="right")
        self.phase = (self.worker % np.uint64(PING_INTERVAL_S)).astype(np.int64)

    def scheduled(self, start_s: int, end_s: int) -> tuple[np.ndarray, np.ndarray]:
        """(worker index, moment in epoch seconds) of every ping due in (start_s, end_s]."""
        first = start_s + 1 + (self.phase - (start_s + 1)) % PING_INTERVAL_S
        count = np.maximum(0, (end_s - first) // PING_INTERVAL_S + 1)
        worker = np.repeat(np.arange(len(first)), count)
        step = np.arange(len(worker)) - np.repeat(np.cumsum(count) - count, count)
        moments = first[worker] + step * PING_INTERVAL_S
        keep = self.pinging(worker, moments)
        return worker[keep], moments[keep]

    def pinging(self, worker: np.ndarray, moments: np.ndarray) -> np.ndarray:
        """Whether worker (index) `worker` sends a ping at each moment (epoch seconds)."""
        return self._at_work(worker, moments) & ~self._in_signal_gap(worker, moments)

    def _at_work(self, worker: np.ndarray, moments: np.ndarray) -> np.ndarray:
        starts = np.array([start for start, _, _ in SHIFTS])[self.shift[worker]] * 3600
        ends = np.array([end for _, end, _ in SHIFTS])[self.shift[worker]] * 3600
        ends = np.where(ends <= starts, ends + DAY_S, ends)
        at_work = np.zeros(len(worker), dtype=bool)
        # The shift that started today, or yesterday's if it runs past midnight.
        for back in (0, 1):
            day = moments // DAY_S - back
            w = self.worker[worker]
            log_in = starts + np.interp(_uniform(w, day, 2), (0, 1), LOG_IN_WINDOW_S)
            log_off = ends + np.interp(_uniform(w, day, 3), (0, 1), LOG_OFF_WINDOW_S)
            into = moments - day * DAY_S
            present = _uniform(w, day, 4) < ATTENDANCE
            shortfall = MAX_TEAM_SHORTFALL * _uniform(self.station[worker], 5) ** 3
            team_out = _uniform(self.grid[worker], day, 6) < shortfall
            at_work |= (into >= log_in) & (into < log_off) & present & ~team_out
        return at_work

    def _in_signal_gap(self, worker: np.ndarray, moments: np.ndarray) -> np.ndarray:
        w = self.worker[worker]
        offset = (w % np.uint64(SIGNAL_GAP_PERIOD_S)).astype(np.int64)
        hour = (moments + offset) // SIGNAL_GAP_PERIOD_S
        length = np.interp(_uniform(w, hour, 7), (0, 1), SIGNAL_GAP_S)
        begin = _uniform(w, hour, 8) * (SIGNAL_GAP_PERIOD_S - length)
        into = (moments + offset) % SIGNAL_GAP_PERIOD_S
        return (_uniform(w, hour, 9) < SIGNAL_GAP_CHANCE) & (into >= begin) & (into < begin + length)


def duty_of(workers: pd.DataFrame, parents: pd.Series) -> Duty:
    """The Duty of `workers` (worker_id, area_code), teams from `parents` (area_code -> parent_code)."""
    grids = workers["area_code"].to_numpy(dtype=object)
    stations = parents.reindex(grids).fillna("").to_numpy(dtype=object)
    return Duty(workers["worker_id"].to_numpy(dtype=object), (grids, stations))


def epoch_seconds(moment: datetime) -> int:
    return int(np.datetime64(moment, "s").astype(np.int64))


def ping_rows(
    workers: pd.DataFrame, duty: Duty, leaves: Leaves, start_s: int, end_s: int, rng: np.random.Generator
) -> pd.DataFrame:
    """worker_position rows of the pings `duty` schedules in (start_s, end_s], along each worker's patrol loop."""
    worker, seconds = duty.scheduled(start_s, end_s)
    moments = seconds.astype("datetime64[s]")
    home = pd.Index(leaves.codes).get_indexer(workers["area_code"].to_numpy())[worker]
    worker_ids = workers["worker_id"].to_numpy()[worker]
    lon, lat = patrol_positions(worker_ids, leaves.lon[home], leaves.lat[home], patrol_reach(leaves)[home], moments)
    lon, lat = gps_fix(lon, lat, rng)
    return pd.DataFrame({"worker_id": worker_ids, "recorded_at": moments, "lat": lat, "lon": lon})


def synthesize_positions(
    workers: pd.DataFrame, leaves: Leaves, parents: pd.Series, now: datetime, since: datetime,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Every ping active workers sent from `since` to `now`, by their Duty."""
    active = workers[workers["active"].to_numpy()].reset_index(drop=True)
    return ping_rows(active, duty_of(active, parents), leaves, epoch_seconds(since) - 1, epoch_seconds(now), rng)
